package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data quality over real HTTP on the embedded store (issue 12). */
class QualityHttpTest {
  @TempDir Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;
  final Instant now = Instant.now();

  @BeforeEach
  void start() {
    store = EmbeddedFeatureStore.open(dir.resolve("store"));
    server = FeatureServer.start(store, ServerOptions.defaults(0));
    http = new Http(server.url());
    ok(http.post("/api/v1/feature-groups", "{\"name\": \"hcp\"}"));
    ok(
        http.post(
            "/api/v1/feature-groups/hcp/features",
            "{\"name\": \"score\", \"value_type\": \"float64\", \"entity_keys\": [\"hcp_id\"],"
                + " \"constraints\": {\"min\": 0, \"max\": 1}}"));
    ok(
        http.post(
            "/api/v1/feature-groups/hcp/features",
            "{\"name\": \"specialty\", \"value_type\": \"string\", \"entity_keys\": [\"hcp_id\"],"
                + " \"constraints\": {\"pattern\": \"[A-Z][a-z]+\"}, \"validation\": \"warn\"}"));
  }

  @AfterEach
  void stop() {
    server.stop();
    store.close();
  }

  private static Http.Response ok(Http.Response r) {
    assertThat(r.status()).as(r.text()).isBetween(200, 201);
    return r;
  }

  private String value(String feature, String hcp, Object value, Instant t) {
    return Http.json(
        Map.of(
            "feature_name",
            feature,
            "entity_values",
            Map.of("hcp_id", hcp),
            "value",
            value,
            "event_timestamp",
            t.toString(),
            "feature_group",
            "hcp"));
  }

  @Test
  void aRejectedValueIsA400NamingFeatureEntityValueAndConstraint() {
    Http.Response r = http.post("/api/v1/feature-values", value("score", "H1", 3.5, now));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().at("/error/message").asText())
        .contains("hcp:score", "H1", "3.5", "max (1.0)");
    Http.Response batch =
        http.post(
            "/api/v1/feature-values/batch",
            "{\"feature_values\": ["
                + value("score", "H1", 0.5, now)
                + ", "
                + value("score", "H2", -1, now)
                + "]}");
    assertThat(batch.status()).as(batch.text()).isEqualTo(400);
    assertThat(batch.json().at("/error/message").asText()).contains("value #2", "min (0.0)");
    Http.Response read =
        http.post(
            "/api/v1/online-features",
            "{\"entity_values\": {\"hcp_id\": \"H1\"}, \"feature_group\": \"hcp\"}");
    assertThat(read.json().get("features").has("score")).isFalse();
  }

  @Test
  void warnWritesAreCountedInMetricsAndListedInTheValidationReport() {
    ok(http.post("/api/v1/feature-values", value("specialty", "H1", "oncology", now)));
    ok(http.post("/api/v1/feature-values", value("specialty", "H2", "Cardiology", now)));
    assertThat(http.get("/metrics").text())
        .contains(
            "fs_constraint_warnings_total{constraint=\"pattern\",feature=\"specialty\",feature_group=\"hcp\"} 1.0");
    Http.Response report =
        ok(
            http.post(
                "/api/v1/feature-groups/hcp/validate", "{\"start\": \"2000-01-01T00:00:00Z\"}"));
    JsonNode specialty = null;
    for (JsonNode f : report.json().get("features")) {
      if (f.get("feature_name").asText().equals("specialty")) {
        specialty = f;
      }
    }
    assertThat(specialty).isNotNull();
    assertThat(specialty.get("checked").asLong()).isEqualTo(2);
    assertThat(specialty.get("validation").asText()).isEqualTo("warn");
    JsonNode rule = specialty.get("rules").get(0);
    assertThat(rule.get("constraint").asText()).isEqualTo("pattern");
    assertThat(rule.get("violations").asLong()).isEqualTo(1);
    assertThat(rule.get("examples").get(0).get("hcp_id").asText()).isEqualTo("H1");
    assertThat(report.json().get("violations").asLong()).isEqualTo(1);
  }

  @Test
  void driftBetweenTwoWindowsAndTheMonitorsLatestResults() {
    List<String> writes = new ArrayList<>();
    java.util.Random rnd = new java.util.Random(5);
    for (int i = 0; i < 2000; i++) {
      double ref = Math.min(1, Math.max(0, 0.3 + 0.1 * rnd.nextGaussian()));
      double cur = Math.min(1, Math.max(0, 0.5 + 0.1 * rnd.nextGaussian()));
      writes.add(value("score", "R" + i, ref, now.minusSeconds(5 * 86_400 + i)));
      writes.add(value("score", "C" + i, cur, now.minusSeconds(i)));
    }
    ok(
        http.post(
            "/api/v1/feature-values/batch",
            "{\"feature_values\": [" + String.join(",", writes) + "]}"));
    Http.Response r =
        ok(
            http.post(
                "/api/v1/feature-groups/hcp/features/score/drift",
                Http.json(
                    Map.of(
                        "reference",
                        Map.of(
                            "start",
                            now.minusSeconds(8 * 86_400).toString(),
                            "end",
                            now.minusSeconds(86_400).toString()),
                        "current",
                        Map.of("start", now.minusSeconds(86_400).toString())))));
    JsonNode d = r.json();
    assertThat(d.get("status").asText()).isEqualTo("drift");
    assertThat(d.get("psi").asDouble()).isGreaterThan(0.25);
    assertThat(d.get("ks_p_value").asDouble()).isLessThan(1e-6);
    assertThat(d.at("/reference/count").asLong()).isEqualTo(2000);
    assertThat(d.at("/thresholds/psi_drift").asDouble()).isEqualTo(0.25);

    Http.Response run = ok(http.post("/api/v1/feature-groups/hcp/drift/run", ""));
    assertThat(run.json().get("results")).hasSize(2);
    Http.Response latest = ok(http.get("/api/v1/drift"));
    List<String> statuses = new ArrayList<>();
    latest
        .json()
        .get("results")
        .forEach(
            x -> statuses.add(x.get("feature_name").asText() + "=" + x.get("status").asText()));
    assertThat(statuses).containsExactly("score=drift", "specialty=no_data");
    assertThat(http.get("/metrics").text())
        .contains("fs_drift_status{feature=\"score\",feature_group=\"hcp\"} 2.0");
  }

  @Test
  void badRequestsAre4xxNamingTheProblem() {
    String drift = "/api/v1/feature-groups/hcp/features/score/drift";
    assertThat(http.post(drift, "{\"reference\": {}, \"current\": {}, \"x\": 1}").text())
        .contains("x");
    Http.Response both =
        http.post(
            drift, "{\"reference\": {\"training_set\": \"t\", \"start\": null}, \"current\": {}}");
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.text()).contains("start");
    Http.Response order =
        http.post(
            drift,
            "{\"reference\": {\"start\": \"2025-02-01T00:00:00Z\", \"end\": \"2025-01-01T00:00:00Z\"},"
                + " \"current\": {}}");
    assertThat(order.status()).isEqualTo(400);
    assertThat(order.text()).contains("reference.start");
    assertThat(
            http.post(drift, "{\"reference\": {\"training_set\": \"nope\"}, \"current\": {}}")
                .status())
        .isEqualTo(400); // the feature exists; the body names a set that does not
    assertThat(http.post("/api/v1/feature-groups/nope/validate", "{}").status()).isEqualTo(404);
    assertThat(http.post("/api/v1/feature-groups/hcp/validate", "{\"since\": 1}").status())
        .isEqualTo(400);
    assertThat(
            http.post(
                    "/api/v1/feature-groups/hcp/features/nope/drift",
                    "{\"reference\": {}, \"current\": {}}")
                .status())
        .isEqualTo(404);
  }

  @Test
  void theOpenApiDocumentDeclaresTheQualityOperations() {
    JsonNode doc = ok(http.get("/openapi.json")).json();
    assertThat(
            doc.at("/paths/~1api~1v1~1feature-groups~1{group}~1validate/post/operationId").asText())
        .isEqualTo("validate_feature_group");
    assertThat(doc.at("/paths/~1api~1v1~1drift/get/operationId").asText()).isEqualTo("list_drift");
    assertThat(doc.at("/components/schemas/DriftResult/properties/ks_p_value").isMissingNode())
        .isFalse();
    assertThat(doc.at("/components/schemas/DriftSide/oneOf")).hasSize(2);
  }
}
