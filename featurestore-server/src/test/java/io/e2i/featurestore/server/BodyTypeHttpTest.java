package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every body is JSON: one declared as something else (curl's default form type, plain text) is a
 * 415 naming the type and changes nothing; a body without a Content-Type is read as JSON, since
 * Feast's client sends none.
 */
class BodyTypeHttpTest {
  private static final String GROUP =
      """
      {"name": "%s", "owner": "data-team", "expected_update_frequency_hours": 24,
       "max_age_hours": 48}""";

  @TempDir Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeEach
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    server = FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
    http = new Http(server.url());
  }

  @AfterEach
  void stop() {
    server.stop();
    store.close();
  }

  private Http.Response createGroup(String name, String contentType) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/feature-groups"))
            .POST(HttpRequest.BodyPublishers.ofString(GROUP.formatted(name)));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b);
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/x-www-form-urlencoded", "text/plain;charset=UTF-8"})
  void aBodyDeclaredAsAnotherTypeIsRefusedAndChangesNothing(String type) {
    Http.Response r = createGroup("g", type);
    assertThat(r.status()).as(r.text()).isEqualTo(415);
    JsonNode error = r.json().get("error");
    assertThat(error.get("code").asText()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
    assertThat(error.get("message").asText())
        .contains("must be JSON", "application/json", type.split(";")[0]);
    assertThat(http.get("/api/v1/feature-groups/g").status()).isEqualTo(404);
  }

  @Test
  void jsonWithACharsetAndABodyWithoutAContentTypeAreRead() {
    assertThat(createGroup("a", "application/json; charset=utf-8").status()).isEqualTo(201);
    assertThat(createGroup("b", null).status()).isEqualTo(201);
    assertThat(http.get("/api/v1/feature-groups/b").status()).isEqualTo(200);
  }

  @Test
  void theSpecDeclaresTheRefusalForOperationsWithABody() {
    JsonNode post = http.get("/openapi.json").json().at("/paths/~1api~1v1~1feature-groups/post");
    assertThat(post.at("/responses/415/description").asText()).contains("JSON");
  }
}
