package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /openapi.json declares authentication as the server applies it. */
class SecurityDocTest {
  @TempDir Path dir;

  @Test
  void theDocumentDeclaresTheBearerSchemeAndWhoAnswers401And403() {
    try (FeatureStore store = EmbeddedFeatureStore.open(dir);
        FeatureServer server = FeatureServer.start(store, ServerOptions.defaults(0))) {
      var doc = KeyedClient.of(server.url(), null).get("/openapi.json").json();
      var scheme = doc.at("/components/securitySchemes/api_key");
      assertThat(scheme.get("type").asText()).isEqualTo("http");
      assertThat(scheme.get("scheme").asText()).isEqualTo("bearer");
      // No key in the store: the key is optional, as the server treats it.
      assertThat(doc.at("/security").size()).isEqualTo(2);
      assertThat(doc.at("/security/0").size()).isZero();
      assertThat(doc.at("/security/1/api_key").isArray()).isTrue();
      assertThat(
              doc.at("/paths/~1api~1v1~1keys~1{name}/delete/parameters/0/schema/pattern").asText())
          .isEqualTo(SecurityApi.ACTOR_PATTERN);
      assertThat(doc.at("/components/schemas/ApiKey/properties/revoked_at/type").toString())
          .as("OpenAPI 3.1: null is a type")
          .isEqualTo("[\"string\",\"null\"]");
      // OpenAPI 3.0's nullable keyword (a boolean); "nullable" as a constraint's property is fine.
      assertThat(doc.toString()).doesNotContainPattern("\"nullable\":(true|false)");
      for (String open : List.of("/health", "/metrics", "/openapi.json")) {
        assertThat(doc.at("/paths/" + open.replace("/", "~1") + "/get/security").size())
            .as(open)
            .isZero();
        assertThat(doc.at("/paths/" + open.replace("/", "~1") + "/get/responses").has("401"))
            .isFalse();
      }
      var online = doc.at("/paths/~1api~1v1~1online-features/post/responses");
      assertThat(online.has("401")).isTrue();
      assertThat(online.at("/401/headers/WWW-Authenticate").isObject()).isTrue();
      assertThat(online.at("/403/description").asText()).contains("scope");
      assertThat(doc.at("/paths/~1api~1v1~1training-data/post/responses/403/description").asText())
          .contains("scope")
          .contains("spine");
      assertThat(doc.at("/paths/~1api~1v1~1audit/get/parameters").size()).isEqualTo(4);
      assertThat(doc.at("/components/schemas/ApiKeyCreate/anyOf").size()).isEqualTo(3);
      // Every operation the server registered is in the document, with 401 unless open.
      doc.get("paths")
          .fields()
          .forEachRemaining(
              path ->
                  path.getValue()
                      .fields()
                      .forEachRemaining(
                          op -> {
                            boolean open = op.getValue().has("security");
                            assertThat(op.getValue().at("/responses").has("401"))
                                .as(op.getKey() + " " + path.getKey())
                                .isEqualTo(!open);
                          }));
    }
  }

  @Test
  void onceTheStoreHasAKeyTheDocumentRequiresIt() throws Exception {
    try (FeatureStore store = EmbeddedFeatureStore.open(dir);
        FeatureServer server = FeatureServer.start(store, ServerOptions.defaults(0))) {
      store
          .security()
          .createKey(
              "k", new io.e2i.featurestore.KeyScopes(List.of("*"), List.of(), List.of()), "local");
      long deadline = System.nanoTime() + 2_000_000_000L;
      var doc = KeyedClient.of(server.url(), null).get("/openapi.json").json();
      while (doc.at("/security").size() != 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
        doc = KeyedClient.of(server.url(), null).get("/openapi.json").json();
      }
      assertThat(doc.at("/security").size()).isEqualTo(1);
      assertThat(doc.at("/security/0/api_key").isArray()).isTrue();
    }
  }
}
