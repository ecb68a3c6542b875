package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Materialization over real HTTP on the embedded store, from a CSV source. */
class PipelinesHttpTest {
  @TempDir Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeEach
  void start() throws IOException {
    Path csv = dir.resolve("rx.csv");
    Files.writeString(
        csv,
        "hcp_id,ts,trx\nH1,2025-01-01 00:00:00+00,3\nH2,2025-01-02 00:00:00+00,5\n"
            + "H1,2025-01-03 00:00:00+00,7\n");
    store = EmbeddedFeatureStore.open(dir.resolve("store"));
    store.createFeatureGroup(FeatureGroup.builder("rx").build());
    store.createFeature(
        FeatureSpec.builder("rx", "trx")
            .valueType("int64")
            .entityKeys("hcp_id")
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, trx AS value FROM read_csv('"
                    + csv
                    + "', header = true, columns = {'hcp_id': 'VARCHAR', 'ts': 'TIMESTAMPTZ',"
                    + " 'trx': 'BIGINT'}) WHERE ts >= :start AND ts < :end")
            .build());
    server = FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
    http = new Http(server.url());
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
  }

  @Test
  void materializeThenListRunsAndMetrics() {
    Http.Response backfill =
        http.post(
            "/api/v1/feature-groups/rx/materialize",
            "{\"start\": \"2025-01-01T00:00:00Z\", \"end\": \"2025-01-03T00:00:00Z\"}");
    assertThat(backfill.status()).as(backfill.text()).isEqualTo(200);
    JsonNode run = backfill.json();
    assertThat(run.get("status").asText()).isEqualTo("succeeded");
    assertThat(run.get("kind").asText()).isEqualTo("backfill");
    assertThat(run.get("rows").asLong()).isEqualTo(2);
    assertThat(run.get("window_start").asText()).isEqualTo("2025-01-01T00:00:00Z");

    Http.Response incremental = http.post("/api/v1/feature-groups/rx/materialize", "{}");
    assertThat(incremental.status()).as(incremental.text()).isEqualTo(200);
    assertThat(incremental.json().get("rows").asLong()).isEqualTo(3);
    assertThat(incremental.json().get("window_start").isNull()).isTrue();
    assertThat(store.getEntityFeatures(Map.of("hcp_id", "H1"), "rx").features())
        .containsEntry("trx", 7L);

    JsonNode runs = http.get("/api/v1/materializations?group=rx").json().get("materializations");
    assertThat(runs).hasSize(2);
    assertThat(runs.get(0).get("kind").asText()).isEqualTo("incremental");
    assertThat(http.get("/api/v1/materializations?limit=1").json().get("materializations"))
        .hasSize(1);
    assertThat(http.get("/metrics").text())
        .contains("fs_materialization_last_run_rows{feature_group=\"rx\"} 3.0")
        .contains("fs_materialization_last_run_success{feature_group=\"rx\"} 1.0");
  }

  @Test
  void badRequestsAreNamedAndChangeNothing() {
    assertError(
        http.post("/api/v1/feature-groups/rx/materialize", "{\"begin\": \"2025-01-01T00:00:00Z\"}"),
        400,
        "begin");
    assertError(
        http.post("/api/v1/feature-groups/rx/materialize", "{\"start\": \"yesterday\"}"),
        400,
        "start");
    assertError(http.post("/api/v1/feature-groups/nope/materialize", "{}"), 404, "nope");
    assertError(http.get("/api/v1/materializations?limit=0"), 400, "limit");
    assertError(http.get("/api/v1/materializations?group=nope"), 404, "nope");
    store.createFeature(
        FeatureSpec.builder("rx", "broken")
            .valueType("int64")
            .entityKeys("hcp_id")
            .computationQuery("SELECT hcp_id, now() AS event_timestamp, nope AS value FROM rx_src")
            .build());
    Http.Response failed = http.post("/api/v1/feature-groups/rx/materialize", "{}");
    assertError(failed, 400, "rx:broken");
    assertThat(failed.text()).contains("rx_src").doesNotContain("fs_src");
    assertThat(store.getEntityFeatures(Map.of("hcp_id", "H1"), "rx").features()).isEmpty();
    JsonNode runs = http.get("/api/v1/materializations").json().get("materializations");
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).get("status").asText()).isEqualTo("failed");
  }

  private static void assertError(Http.Response r, int status, String mention) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.json().get("error").get("message").asText()).contains(mention);
  }
}
