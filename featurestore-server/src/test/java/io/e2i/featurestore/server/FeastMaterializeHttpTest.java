package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feast's {@code /materialize} and {@code /materialize-incremental} over real HTTP against the
 * embedded store: Feast's request shapes run the groups' computation queries (a CSV file read by
 * DuckDB) through the store's materialization; Feast's own SDK calls them in .ci/feast.sh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeastMaterializeHttpTest {
  @TempDir static Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeAll
  void start() throws IOException {
    Path csv = dir.resolve("rates.csv");
    Files.writeString(
        csv, "driver_id,ts,rate\nM1,2026-01-01 06:00:00+00,0.25\nM2,2026-01-02 06:00:00+00,0.75\n");
    store = EmbeddedFeatureStore.open(dir.resolve("data"));
    store.createFeatureGroup(FeatureGroup.builder("daily_rates").build());
    store.createFeature(
        FeatureSpec.builder("daily_rates", "rate")
            .valueType(ValueType.FLOAT64)
            .entityKeys(List.of("driver_id"))
            .computationQuery(
                "SELECT driver_id, ts AS event_timestamp, rate AS value FROM read_csv('"
                    + csv
                    + "', header = true, columns = {'driver_id': 'VARCHAR', 'ts': 'TIMESTAMPTZ',"
                    + " 'rate': 'DOUBLE'})")
            .build());
    store.createFeatureGroup(FeatureGroup.builder("pushed_only").build());
    server = FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
    http = new Http(server.url());
  }

  @AfterAll
  void stop() {
    server.close();
    store.close();
  }

  private static void assertError(Http.Response r, int status, String message) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.json().get("error").get("message").asText()).contains(message);
  }

  private String status(String driver) {
    Http.Response r =
        http.post(
            "/get-online-features",
            "{\"features\": [\"daily_rates:rate\"], \"entities\": {\"driver_id\": [\""
                + driver
                + "\"]}}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().get("results").get(1).get("statuses").get(0).asText();
  }

  @Test
  void materializeThenIncrementalAsFeastsSdkSendsThem() {
    // Feast's SDK: store.materialize(start, end, ["daily_rates"]) with naive datetimes
    Http.Response backfill =
        http.post(
            "/materialize",
            """
            {"start_ts": "2026-01-01T00:00:00", "end_ts": "2026-01-02T00:00:00",
             "feature_views": ["daily_rates"], "disable_event_timestamp": false,
             "full_feature_names": false}""");
    assertThat(backfill.status()).as(backfill.text()).isEqualTo(200);
    JsonNode run = backfill.json().get("runs").get(0);
    assertThat(run.get("feature_group").asText()).isEqualTo("daily_rates");
    assertThat(run.get("kind").asText()).isEqualTo("backfill");
    assertThat(run.get("status").asText()).isEqualTo("succeeded");
    assertThat(run.get("rows").asLong()).isEqualTo(1);
    assertThat(status("M1")).isEqualTo("PRESENT");
    assertThat(status("M2")).isEqualTo("NOT_FOUND");

    // store.materialize_incremental(end, run_async=True): ?async=true, answered when done
    Http.Response incremental =
        http.post(
            "/materialize-incremental?async=true",
            """
            {"end_ts": "2026-01-03T00:00:00+00:00", "feature_views": null,
             "full_feature_names": false}""");
    assertThat(incremental.status()).as(incremental.text()).isEqualTo(200);
    assertThat(incremental.json().get("feature_views"))
        .extracting(JsonNode::asText)
        .containsExactly("daily_rates"); // every group with a computation_query
    JsonNode inc = incremental.json().get("runs").get(0);
    assertThat(inc.get("kind").asText()).isEqualTo("incremental");
    assertThat(inc.get("rows").asLong()).isEqualTo(2);
    assertThat(status("M2")).isEqualTo("PRESENT");
  }

  @Test
  void badRequestsAre4xxNamingTheProblem() {
    assertError(
        http.post(
            "/materialize",
            "{\"start_ts\": \"2026-01-02T00:00:00\", \"end_ts\": \"2026-01-01T00:00:00\"}"),
        400,
        "must be before end_ts");
    assertError(
        http.post("/materialize", "{\"end_ts\": \"2026-01-01T00:00:00\"}"),
        400,
        "start_ts and end_ts are required");
    assertError(
        http.post(
            "/materialize-incremental",
            "{\"end_ts\": \"2026-01-01T00:00:00\", \"feature_views\": [\"daily_rates\"],"
                + " \"version\": \"v2\"}"),
        400,
        "'version'");
    assertError(
        http.post(
            "/materialize-incremental",
            "{\"end_ts\": \"2026-01-01T00:00:00\", \"feature_views\": [\"nope\"]}"),
        404,
        "feature view 'nope' not found");
    assertError(
        http.post(
            "/materialize-incremental",
            "{\"end_ts\": \"2026-01-01T00:00:00\", \"feature_views\": [\"pushed_only\"]}"),
        400,
        "no feature with a computation_query");
    assertError(
        http.post("/materialize-incremental", "{\"end_ts\": \"soon\"}"), 400, "no timestamp");
    assertError(
        http.post("/materialize", "{\"disable_event_timestamp\": true, \"ttl\": 3}"),
        400,
        "unknown field 'ttl'");
    assertError(
        http.post("/materialize?async=maybe", "{\"disable_event_timestamp\": true}"),
        400,
        "?async must be true or false");
  }
}
