package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Configured body and batch limits answer 413 with the JSON error, chunked bodies included. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LimitsTest {
  @TempDir static Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeAll
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    store.createFeatureGroup(FeatureGroup.builder("g").build());
    store.createFeature(new FeatureSpec("g", "f", ValueType.INT64, List.of("id")));
    server =
        FeatureServer.start(
            store,
            ServerOptions.defaults(0)
                .withHost("127.0.0.1")
                .withMaxBodyBytes(1024)
                .withMaxBatchBodyBytes(8192)
                .withMaxBatchValues(3));
    http = new Http(server.url());
  }

  @AfterAll
  void stop() {
    server.stop();
    store.close();
  }

  private static String values(int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"L")
          .append(i)
          .append("\"},\"value\":")
          .append(i)
          .append("}");
    }
    return sb.append("]").toString();
  }

  private static void assert413(Http.Response r, String word) {
    assertThat(r.status()).as(r.text()).isEqualTo(413);
    JsonNode error = r.json().get("error");
    assertThat(error.get("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(error.get("message").asText()).contains(word);
  }

  private Http.Response chunked(String path, String body) {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))));
  }

  @Test
  void batchWithinLimitsIsWritten() {
    Http.Response r = http.post("/api/v1/feature-values/batch", values(3));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.json().get("written").asInt()).isEqualTo(3);
  }

  @Test
  void tooManyValuesIs413AndNothingIsWritten() {
    String body = values(4).replace("\"L", "\"M");
    assert413(http.post("/api/v1/feature-values/batch", body), "at most 3");
    assertThat(store.getEntityFeatures(Map.of("id", "M0"), "g").features()).isEmpty();
  }

  @Test
  void chunkedBodiesOverTheLimitAre413() {
    String big =
        "[{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"L\"},\"value\":\""
            + "9".repeat(20_000)
            + "\"}]";
    assert413(chunked("/api/v1/feature-values/batch", big), "8192");
    String online =
        "{\"entity_values\":{\"id\":\"" + "x".repeat(2000) + "\"},\"feature_group\":\"g\"}";
    assert413(chunked("/api/v1/online-features", online), "1024");
  }
}
