package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every endpoint over real HTTP against the embedded backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeatureServerTest {
  @TempDir static Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeAll
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    server =
        FeatureServer.start(
            store, ServerOptions.defaults(0).withHost("127.0.0.1").withMaxBodyBytes(64 * 1024));
    http = new Http(server.url());
    created(
        http.post(
            "/api/v1/feature-groups",
            """
            {"name": "hcp_demographics", "description": "Healthcare provider demographic features",
             "owner": "data-team", "source_table": "hcps", "expected_update_frequency_hours": 168,
             "max_age_hours": 720, "tags": ["demographics", "hcp", "core"],
             "mlflow_experiment_name": "hcp_features"}"""));
    created(
        http.post(
            "/api/v1/feature-groups/hcp_demographics/features",
            """
            {"name": "specialty", "value_type": "string",
             "entity_keys": ["hcp_id"], "description": "Primary medical specialty of HCP",
             "owner": "data-team", "tags": ["categorical"]}"""));
    created(
        http.post(
            "/api/v1/feature-groups/hcp_demographics/features",
            """
            {"name": "years_in_practice", "value_type": "int64", "entity_keys": ["hcp_id"]}"""));
    created(
        http.post(
            "/api/v1/feature-groups",
            """
            {"name": "brand_performance", "expected_update_frequency_hours": 24}"""));
    created(
        http.post(
            "/api/v1/feature-groups/brand_performance/features",
            """
            {"name": "market_share", "value_type": "float64",
             "entity_keys": ["brand_id", "geography_id"]}"""));
  }

  @AfterAll
  void stop() {
    server.close();
    store.close();
  }

  private static JsonNode created(Http.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json();
  }

  private static JsonNode ok(Http.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    return r.json();
  }

  private static void assertError(Http.Response r, int status, String code, String... words) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/json");
    JsonNode error = r.json().get("error");
    assertThat(error).as(r.text()).isNotNull();
    assertThat(r.json().size()).isEqualTo(1);
    assertThat(error.get("code").asText()).as(r.text()).isEqualTo(code);
    String message = error.get("message").asText();
    assertThat(message).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
    for (String w : words) {
      assertThat(message).contains(w);
    }
  }

  private void write(String hcp, String feature, Object value, String ts) {
    created(
        http.post(
            "/api/v1/feature-values",
            Http.json(
                Map.of(
                    "feature_name", feature,
                    "entity_values", Map.of("hcp_id", hcp),
                    "value", value,
                    "event_timestamp", ts,
                    "feature_group", "hcp_demographics"))));
  }

  private static String hoursAgo(int hours) {
    return Instant.now().minus(hours, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  // ---------------------------------------------------------------- registry

  @Test
  void healthReportsEachBackend() {
    JsonNode h = ok(http.get("/health"));
    assertThat(h.get("healthy").asBoolean()).isTrue();
    assertThat(h.get("offline").asBoolean()).isTrue();
    assertThat(h.get("online").asBoolean()).isTrue();
    // No MLflow is configured for this server: the seed's "mlflow" key must not say it is up.
    assertThat(h.get("tracking").asBoolean()).isFalse();
    assertThat(h.get("mlflow").asBoolean()).isFalse();
    assertThat(h.get("supabase").asBoolean()).isTrue();
    assertThat(h.get("details").has("offline_store")).isTrue();
  }

  @Test
  void featureGroupsAndFeatures() {
    JsonNode groups = ok(http.get("/api/v1/feature-groups")).get("feature_groups");
    assertThat(groups.findValuesAsText("name")).contains("hcp_demographics", "brand_performance");

    JsonNode g = ok(http.get("/api/v1/feature-groups/hcp_demographics"));
    assertThat(g.get("expected_update_frequency_hours").asInt()).isEqualTo(168);
    assertThat(g.get("max_age_hours").asInt()).isEqualTo(720);
    assertThat(g.get("source_table").asText()).isEqualTo("hcps");
    assertThat(g.get("mlflow_experiment_name").asText()).isEqualTo("hcp_features");
    assertThat(g.get("tags")).hasSize(3);
    assertThat(OffsetDateTime.parse(g.get("created_at").asText())).isNotNull();

    JsonNode f = ok(http.get("/api/v1/feature-groups/hcp_demographics/features/specialty"));
    assertThat(f.get("value_type").asText()).isEqualTo("string");
    assertThat(f.get("entity_keys").get(0).asText()).isEqualTo("hcp_id");
    assertThat(f.get("feature_group").asText()).isEqualTo("hcp_demographics");
    assertThat(f.get("version").asInt()).isEqualTo(1);

    JsonNode list = ok(http.get("/api/v1/feature-groups/hcp_demographics/features"));
    assertThat(list.get("features").findValuesAsText("name"))
        .contains("specialty", "years_in_practice");
  }

  @Test
  void newVersionOnTypeChangeAndOldVersionsStayReadable() {
    created(
        http.post(
            "/api/v1/feature-groups/hcp_demographics/features",
            """
            {"name": "visits", "value_type": "int64", "entity_keys": ["hcp_id"]}"""));
    // A create with another type is a conflict; the change is an update (PUT).
    assertError(
        http.post(
            "/api/v1/feature-groups/hcp_demographics/features",
            """
            {"name": "visits", "value_type": "float64", "entity_keys": ["hcp_id"]}"""),
        409,
        "CONFLICT",
        "value_type");
    JsonNode v2 =
        ok(
            http.send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            server.url()
                                + "/api/v1/feature-groups/hcp_demographics/features/visits"))
                    .header("Content-Type", "application/json")
                    .PUT(
                        java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"value_type\": \"float64\", \"entity_keys\": [\"hcp_id\"]}"))));
    assertThat(v2.get("version").asInt()).isEqualTo(2);
    JsonNode versions =
        ok(http.get("/api/v1/feature-groups/hcp_demographics/features/visits/versions"));
    assertThat(versions.get("versions").findValuesAsText("value_type"))
        .containsExactly("int64", "float64");
    JsonNode v1 = ok(http.get("/api/v1/feature-groups/hcp_demographics/features/visits?version=1"));
    assertThat(v1.get("value_type").asText()).isEqualTo("int64");
    assertError(
        http.get("/api/v1/feature-groups/hcp_demographics/features/visits?version=9"),
        404,
        "NOT_FOUND",
        "visits");
    assertError(
        http.get("/api/v1/feature-groups/hcp_demographics/features/visits?version=x"),
        400,
        "INVALID_ARGUMENT",
        "version");
  }

  // ---------------------------------------------------------------- writes and reads

  @Test
  void writeThenReadOnlineWithMetadata() {
    String ts = hoursAgo(1);
    write("HCP123", "specialty", "Oncology", ts);
    write("HCP123", "years_in_practice", 12, ts);
    JsonNode r =
        ok(
            http.post(
                "/api/v1/online-features",
                """
                {"entity_values": {"hcp_id": "HCP123"}, "feature_group": "hcp_demographics",
                 "use_cache": true}"""));
    assertThat(r.get("entity_values").get("hcp_id").asText()).isEqualTo("HCP123");
    assertThat(r.get("features").get("specialty").asText()).isEqualTo("Oncology");
    assertThat(r.get("features").get("years_in_practice").asLong()).isEqualTo(12);
    JsonNode md = r.get("metadata").get("specialty");
    assertThat(md.get("feature_group").asText()).isEqualTo("hcp_demographics");
    assertThat(md.get("freshness_status").asText()).isEqualTo("fresh");
    assertThat(OffsetDateTime.parse(md.get("event_timestamp").asText()).toInstant())
        .isEqualTo(Instant.parse(ts));

    // read-your-writes through the cache
    write("HCP123", "specialty", "Cardiology", hoursAgo(0));
    JsonNode again =
        ok(
            http.post(
                "/api/v1/online-features",
                """
                {"entity_values": {"hcp_id": "HCP123"}, "feature_group": "hcp_demographics",
                 "feature_names": ["specialty"]}"""));
    assertThat(again.get("features").get("specialty").asText()).isEqualTo("Cardiology");
    assertThat(again.get("features").has("years_in_practice")).isFalse();

    // as_of reads what was true then
    JsonNode asOf =
        ok(
            http.post(
                "/api/v1/online-features",
                Http.json(
                    Map.of(
                        "entity_values",
                        Map.of("hcp_id", "HCP123"),
                        "feature_group",
                        "hcp_demographics",
                        "as_of",
                        ts))));
    assertThat(asOf.get("features").get("specialty").asText()).isEqualTo("Oncology");
  }

  @Test
  void batchWritesTheSeedsListAndTheEnvelope() {
    String now = Instant.now().toString();
    JsonNode r =
        created(
            http.post(
                "/api/v1/feature-values/batch",
                Http.json(
                    List.of(
                        Map.of(
                            "feature_name",
                            "specialty",
                            "entity_values",
                            Map.of("hcp_id", "HCP456"),
                            "value",
                            "Cardiology",
                            "event_timestamp",
                            now),
                        Map.of(
                            "feature_name",
                            "years_in_practice",
                            "entity_values",
                            Map.of("hcp_id", "HCP456"),
                            "value",
                            15,
                            "event_timestamp",
                            now)))));
    assertThat(r.get("written").asInt()).isEqualTo(2);
    JsonNode env =
        created(
            http.post(
                "/api/v1/feature-values/batch",
                """
                {"feature_group": "brand_performance", "feature_values": [
                  {"feature_name": "market_share", "value": 0.25,
                   "entity_values": {"geography_id": "US-NE", "brand_id": "B1"}}]}"""));
    assertThat(env.get("written").asInt()).isEqualTo(1);
    JsonNode read =
        ok(
            http.post(
                "/api/v1/online-features",
                """
                {"entity_values": {"brand_id": "B1", "geography_id": "US-NE"},
                 "feature_group": "brand_performance"}"""));
    assertThat(read.get("features").get("market_share").asDouble()).isEqualTo(0.25);
  }

  @Test
  void batchOfOneHundredThousandValues() {
    StringBuilder sb = new StringBuilder(12_000_000).append('[');
    String ts = Instant.now().minusSeconds(60).toString();
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"feature_name\":\"years_in_practice\",\"feature_group\":\"hcp_demographics\",")
          .append("\"entity_values\":{\"hcp_id\":\"BULK")
          .append(i)
          .append("\"},\"value\":")
          .append(i)
          .append(",\"event_timestamp\":\"")
          .append(ts)
          .append("\"}");
    }
    sb.append(']');
    JsonNode r = created(http.post("/api/v1/feature-values/batch", sb.toString()));
    assertThat(r.get("written").asInt()).isEqualTo(n);
    JsonNode read =
        ok(
            http.post(
                "/api/v1/online-features",
                """
                {"entity_values": {"hcp_id": "BULK99999"}, "feature_group": "hcp_demographics"}"""));
    assertThat(read.get("features").get("years_in_practice").asLong()).isEqualTo(99_999);
  }

  @Test
  void historicalFeaturesInRangeOrderedByNameThenTime() {
    write("HCP777", "specialty", "A", "2025-01-01T00:00:00Z");
    write("HCP777", "specialty", "B", "2025-01-02T00:00:00+02:00");
    write("HCP777", "years_in_practice", 3, "2025-01-01T12:00:00Z");
    write("HCP777", "specialty", "C", "2025-03-01T00:00:00Z");
    JsonNode r =
        ok(
            http.post(
                "/api/v1/historical-features",
                """
                {"entity_values": {"hcp_id": "HCP777"},
                 "feature_names": ["specialty", "years_in_practice"],
                 "start_time": "2025-01-01T00:00:00Z", "end_time": "2025-02-01T00:00:00Z"}"""));
    JsonNode records = r.get("records");
    assertThat(records.findValuesAsText("feature_name"))
        .containsExactly("specialty", "specialty", "years_in_practice");
    assertThat(records.get(1).get("value").asText()).isEqualTo("B");
    assertThat(records.get(1).get("event_timestamp").asText()).isEqualTo("2025-01-01T22:00:00Z");
    assertThat(records.get(0).get("freshness_status").asText()).isEqualTo("expired");
    assertThat(records.get(0).has("written_at")).isTrue();
  }

  @Test
  void freshnessMonitorAndUpdate() {
    write("HCP900", "specialty", "Old", hoursAgo(200));
    JsonNode data = ok(http.get("/api/v1/freshness")).get("data");
    JsonNode row = null;
    for (JsonNode d : data) {
      if (d.get("feature_name").asText().equals("specialty")) {
        row = d;
      }
    }
    assertThat(row).isNotNull();
    assertThat(row.get("feature_group").asText()).isEqualTo("hcp_demographics");
    assertThat(row.get("total_entities").asLong()).isPositive();
    assertThat(row.get("stale_count").asLong()).isPositive();
    assertThat(row.has("fresh_count")).isTrue();
    assertThat(row.has("time_since_last_event")).isTrue();
    JsonNode updated = ok(http.post("/api/v1/freshness/update", ""));
    assertThat(updated.get("updated").asLong()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void cacheInvalidateAndStatistics() {
    write("HCP555", "years_in_practice", 5, hoursAgo(2));
    JsonNode inv =
        ok(
            http.post(
                "/api/v1/cache/invalidate",
                """
                {"entity_values": {"hcp_id": "HCP555"}, "feature_group": "hcp_demographics"}"""));
    assertThat(inv.get("invalidated").asBoolean()).isTrue();
    ok(http.post("/api/v1/cache/invalidate", "{\"entity_values\": {\"hcp_id\": \"HCP555\"}}"));
    JsonNode stats =
        ok(
            http.post(
                "/api/v1/feature-groups/hcp_demographics/features/years_in_practice/statistics",
                ""));
    assertThat(stats.get("statistics").get("count").asLong()).isPositive();
    assertThat(stats.get("statistics").has("mean")).isTrue();
  }

  // ---------------------------------------------------------------- errors

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // unknown group / feature
        "/api/v1/online-features|{\"entity_values\":{\"hcp_id\":\"H\"},\"feature_group\":\"nope\"}|404|NOT_FOUND|nope",
        "/api/v1/online-features|{\"entity_values\":{\"hcp_id\":\"H\"},\"feature_group\":\"hcp_demographics\",\"feature_names\":[\"nope\"]}|404|NOT_FOUND|nope",
        "/api/v1/feature-values|{\"feature_name\":\"nope\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":1}|404|NOT_FOUND|nope",
        "/api/v1/historical-features|{\"entity_values\":{\"hcp_id\":\"H\"},\"feature_names\":[\"hcp_demographics:nope\"]}|404|NOT_FOUND|nope",
        "/api/v1/cache/invalidate|{\"entity_values\":{\"hcp_id\":\"H\"},\"feature_group\":\"nope\"}|404|NOT_FOUND|nope",
        "/api/v1/feature-groups/nope/features|{\"name\":\"x\",\"value_type\":\"int64\",\"entity_keys\":[\"k\"]}|404|NOT_FOUND|nope",
        // type mismatch
        "/api/v1/feature-values|{\"feature_name\":\"years_in_practice\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":\"twelve\"}|400|TYPE_MISMATCH|twelve",
        "/api/v1/feature-values|{\"feature_name\":\"specialty\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":{\"nested\":true}}|400|TYPE_MISMATCH|specialty",
        "/api/v1/feature-values/batch|[{\"feature_name\":\"specialty\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":{\"nested\":true}}]|400|TYPE_MISMATCH|specialty",
        "/api/v1/feature-values/batch|[{\"feature_name\":\"years_in_practice\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":1.5}]|400|TYPE_MISMATCH|years_in_practice",
        // malformed JSON
        "/api/v1/online-features|{\"entity_values\": |400|INVALID_ARGUMENT|malformed JSON",
        "/api/v1/feature-values/batch|[{\"feature_name\": \"x\",]|400|INVALID_ARGUMENT|malformed JSON",
        "/api/v1/feature-groups|[1,2]|400|INVALID_ARGUMENT|JSON object",
        "/api/v1/feature-groups|{\"name\":\"g\",\"max_age_hours\":\"many\"}|400|INVALID_ARGUMENT|max_age_hours",
        "/api/v1/feature-groups|{\"name\":\"g\",\"max_age_hours\":-1}|400|INVALID_ARGUMENT|max_age_hours",
        // malformed timestamp
        "/api/v1/feature-values|{\"feature_name\":\"specialty\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":\"x\",\"event_timestamp\":\"yesterday\"}|400|INVALID_ARGUMENT|yesterday",
        "/api/v1/feature-values|{\"feature_name\":\"specialty\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":\"x\",\"event_timestamp\":\"2025-01-01T00:00:00\"}|400|INVALID_ARGUMENT|offset",
        "/api/v1/feature-values/batch|[{\"feature_name\":\"specialty\",\"entity_values\":{\"hcp_id\":\"H\"},\"value\":\"x\",\"event_timestamp\":\"2025-13-01T00:00:00Z\"}]|400|INVALID_ARGUMENT|2025-13-01",
        "/api/v1/historical-features|{\"entity_values\":{\"hcp_id\":\"H\"},\"feature_names\":[\"specialty\"],\"start_time\":\"soon\"}|400|INVALID_ARGUMENT|start_time",
        // missing entity key
        "/api/v1/online-features|{\"feature_group\":\"hcp_demographics\"}|400|INVALID_ARGUMENT|entity_values",
        "/api/v1/online-features|{\"entity_values\":{\"brand_id\":\"B1\"},\"feature_group\":\"brand_performance\"}|400|INVALID_ARGUMENT|brand_id",
        "/api/v1/feature-values|{\"feature_name\":\"market_share\",\"feature_group\":\"brand_performance\",\"entity_values\":{\"brand_id\":\"B1\"},\"value\":0.1}|400|INVALID_ARGUMENT|missing entity key geography_id",
        "/api/v1/feature-values|{\"feature_name\":\"specialty\",\"entity_values\":{\"hcp_id\":null},\"value\":\"x\"}|400|INVALID_ARGUMENT|hcp_id",
        "/api/v1/feature-values|{\"feature_name\":\"specialty\",\"entity_values\":{\"hcp_id\":\"H\"}}|400|INVALID_ARGUMENT|value",
        // bad value types
        "/api/v1/feature-groups/hcp_demographics/features|{\"name\":\"x\",\"value_type\":\"decimal\",\"entity_keys\":[\"hcp_id\"]}|400|INVALID_ARGUMENT|decimal",
        "/api/v1/feature-groups/hcp_demographics/features|{\"name\":\"x\",\"value_type\":\"int64\"}|400|INVALID_ARGUMENT|entity key",
      })
  void callersMistakesAre4xxWithTheJsonErrorShape(
      String path, String body, int status, String code, String word) {
    assertError(http.post(path, body), status, code, word);
  }

  @Test
  void oddBodiesNeverCauseA500() {
    List<String> bodies =
        List.of(
            "",
            "null",
            "[]",
            "{}",
            "\"x\"",
            "42",
            "{\"entity_values\": [1], \"feature_group\": []}",
            "{\"entity_values\": {\"hcp_id\": {\"b\": 1}}, \"feature_group\": 5}",
            "{\"entity_values\": {\"\": \"x\"}, \"feature_group\": \"hcp_demographics\"}",
            "{\"entity_values\": {\"hcp_id\": \"H\"}, \"feature_group\": \"hcp_demographics\","
                + " \"feature_names\": \"specialty\", \"use_cache\": \"yes\"}",
            "{\"name\": \"bad name!\", \"value_type\": \"list<list<int>>\", \"entity_keys\": [1]}",
            "{\"feature_name\": \"specialty\", \"entity_values\": {\"hcp_id\": \"H\"},"
                + " \"value\": {\"nested\": true}}",
            "{\"features\": [\"hcp_demographics\"], \"entities\": {\"hcp_id\": [{}]}}",
            "[{\"feature_name\": 1}]",
            "[1, 2]",
            "{\"feature_values\": {}}",
            "[".repeat(5000),
            "{\"a\":".repeat(3000));
    List<String> posts =
        List.of(
            "/api/v1/feature-groups",
            "/api/v1/feature-groups/hcp_demographics/features",
            "/api/v1/feature-values",
            "/api/v1/feature-values/batch",
            "/api/v1/online-features",
            "/api/v1/historical-features",
            "/api/v1/cache/invalidate",
            "/api/v1/training-data",
            "/api/v1/training-sets/nope/run",
            "/get-online-features");
    for (String path : posts) {
      for (String body : bodies) {
        Http.Response r = http.post(path, body);
        if (path.endsWith("/batch") && body.equals("[]")) {
          // An empty batch is no mistake: write_batch_features([]) returns 0.
          assertThat(r.json().get("written").asInt()).isZero();
          continue;
        }
        String what =
            path + " <- " + body.substring(0, Math.min(80, body.length())) + ": " + r.text();
        assertThat(r.status()).as(what).isLessThan(500);
        if (r.status() >= 400) {
          assertThat(r.json().get("error").get("message").asText()).doesNotContain("\tat ");
        }
      }
    }
  }

  @Test
  void aRejectedBatchWritesNothing() {
    String body =
        """
        [{"feature_name": "specialty", "entity_values": {"hcp_id": "ATOMIC1"}, "value": "ok"},
         {"feature_name": "years_in_practice", "entity_values": {"hcp_id": "ATOMIC1"}, "value": "bad"}]""";
    assertError(
        http.post("/api/v1/feature-values/batch", body), 400, "TYPE_MISMATCH", "value #2", "bad");
    JsonNode read =
        ok(
            http.post(
                "/api/v1/online-features",
                """
                {"entity_values": {"hcp_id": "ATOMIC1"}, "feature_group": "hcp_demographics"}"""));
    assertThat(read.get("features").size()).isZero();
  }

  /** A batch value's field is named as a spine row's column is: "value #2, field 'x': ...". */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          bad timestamp|"event_timestamp": "yesterday"|value #2, field 'event_timestamp': malformed timestamp 'yesterday'
          numeric timestamp|"event_timestamp": 1735689600|value #2, field 'event_timestamp' must be a string
          numeric feature name|"feature_name": 7|value #2, field 'feature_name' must be a string
          bad group name|"feature_group": "a-b"|value #2, field 'feature_group' is 'a-b': a name must
          missing value|"value": 1|value #2, field 'value' is required
          """)
  void aBatchValuesBadFieldIsNamedByPositionAndFieldAndWritesNothing(
      String what, String field, String message) {
    Map<String, String> second =
        new LinkedHashMap<>(
            Map.of(
                "feature_name", "\"feature_name\": \"specialty\"",
                "entity_values", "\"entity_values\": {\"hcp_id\": \"NAMED1\"}",
                "value", "\"value\": \"Oncology\"",
                "event_timestamp", "\"event_timestamp\": \"2025-01-01T00:00:00Z\""));
    String name = field.substring(1, field.indexOf('"', 1));
    if (name.equals("value")) {
      second.remove("value");
    } else {
      second.put(name, field);
    }
    String body =
        "[{\"feature_name\": \"specialty\", \"entity_values\": {\"hcp_id\": \"NAMED1\"},"
            + " \"value\": \"ok\"}, {"
            + String.join(", ", second.values())
            + "}]";
    assertError(http.post("/api/v1/feature-values/batch", body), 400, "INVALID_ARGUMENT", message);
    JsonNode read =
        ok(
            http.post(
                "/api/v1/online-features",
                """
                {"entity_values": {"hcp_id": "NAMED1"}, "feature_group": "hcp_demographics"}"""));
    assertThat(read.get("features").size()).isZero();
  }

  /**
   * A time past what the stores hold (they count microseconds in a long; Python's datetime ends at
   * 9999; RFC 3339's years are 0000 to 9999) is the caller's mistake: a 400 naming the range,
   * nothing written, never a 500.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          /api/v1/feature-values|+999999999-12-31T23:59:59Z|{"feature_name": "years_in_practice", "entity_values": {"hcp_id": "RANGE1"}, "value": 1, "event_timestamp": "TS"}
          /api/v1/feature-values|-999999999-01-01T00:00:00Z|{"feature_name": "years_in_practice", "entity_values": {"hcp_id": "RANGE1"}, "value": 1, "event_timestamp": "TS"}
          /api/v1/feature-values|+10001-01-01T00:00:00Z|{"feature_name": "years_in_practice", "entity_values": {"hcp_id": "RANGE1"}, "value": 1, "event_timestamp": "TS"}
          /api/v1/feature-values/batch|+999999999-12-31T23:59:59Z|[{"feature_name": "years_in_practice", "entity_values": {"hcp_id": "RANGE1"}, "value": 1, "event_timestamp": "TS"}]
          /api/v1/online-features|+999999999-12-31T23:59:59Z|{"entity_values": {"hcp_id": "RANGE1"}, "feature_group": "hcp_demographics", "as_of": "TS"}
          /api/v1/historical-features|+999999999-12-31T23:59:59Z|{"entity_values": {"hcp_id": "RANGE1"}, "feature_names": ["specialty"], "start_time": "2025-01-01T00:00:00Z", "end_time": "TS"}
          /api/v1/training-data|+999999999-12-31T23:59:59Z|{"features": ["hcp_demographics:specialty"], "spine": {"columns": ["hcp_id", "event_timestamp"], "rows": [["RANGE1", "TS"]]}}
          /api/v1/feature-groups/hcp_demographics/validate|-999999999-01-01T00:00:00Z|{"start": "TS"}
          /write-to-online-store|+999999999-12-31T23:59:59Z|{"feature_view_name": "hcp_demographics", "df": {"hcp_id": ["RANGE1"], "years_in_practice": [1], "event_timestamp": ["TS"]}}
          /write-to-online-store|+999999999-12-31T23:59:59|{"feature_view_name": "hcp_demographics", "df": {"hcp_id": ["RANGE1"], "years_in_practice": [1], "event_timestamp": ["TS"]}}
          """)
  void aTimestampPastYear9999Is400AndWritesNothing(String path, String ts, String body) {
    Http.Response r = http.post(path, body.replace("TS", ts));
    assertError(r, 400, "INVALID_ARGUMENT", ts);
    assertThat(r.json().get("error").get("message").asText()).contains("0000 to 9999");
    JsonNode read =
        ok(
            http.post(
                "/api/v1/online-features",
                """
                {"entity_values": {"hcp_id": "RANGE1"}, "feature_group": "hcp_demographics"}"""));
    assertThat(read.get("features").size()).isZero();
  }

  /**
   * Values 300 years old or 8000 years ahead are in range: persisting their freshness must not
   * overflow (the embedded store counted their age in nanoseconds: a 500 on every later update).
   */
  @Test
  void freshnessUpdatesWithEventsCenturiesAwayFromNow() {
    created(http.post("/api/v1/feature-groups", "{\"name\": \"ancient\", \"max_age_hours\": 1}"));
    created(
        http.post(
            "/api/v1/feature-groups/ancient/features",
            "{\"name\": \"era\", \"value_type\": \"int64\", \"entity_keys\": [\"site_id\"]}"));
    for (String ts :
        List.of("0001-01-01T00:00:00Z", "1700-01-01T00:00:00Z", "9999-12-31T00:00:00Z")) {
      created(
          http.post(
              "/api/v1/feature-values",
              "{\"feature_name\": \"era\", \"feature_group\": \"ancient\", \"entity_values\":"
                  + " {\"site_id\": \""
                  + ts.substring(0, 4)
                  + "\"}, \"value\": 1, \"event_timestamp\": \""
                  + ts
                  + "\"}"));
    }
    ok(http.post("/api/v1/freshness/update", ""));
    JsonNode read =
        ok(
            http.post(
                "/api/v1/online-features",
                "{\"entity_values\": {\"site_id\": \"1700\"}, \"feature_group\": \"ancient\"}"));
    assertThat(read.get("metadata").get("era").get("freshness_status").asText())
        .isEqualTo("expired");
  }

  @Test
  void anObjectForAStringFeatureIsNamedInJsonsWords() {
    Http.Response r =
        http.post(
            "/api/v1/feature-values",
            """
            {"feature_name": "specialty", "entity_values": {"hcp_id": "OBJ1"}, "value": {"a": 1}}""");
    assertError(r, 400, "TYPE_MISMATCH", "expected string, got object");
    assertThat(r.text()).doesNotContain("HashMap");
  }

  /** Operations without fields refuse a field as the others do; no body, {} and null are fine. */
  @Test
  void operationsWithoutFieldsRefuseAField() {
    String stats = "/api/v1/feature-groups/hcp_demographics/features/specialty/statistics";
    assertError(
        http.post("/api/v1/freshness/update", "{\"group\": \"hcp_demographics\"}"),
        400,
        "INVALID_ARGUMENT",
        "unknown field 'group' in freshness update request");
    assertError(
        http.post(stats, "{\"x\": 1}"), 400, "INVALID_ARGUMENT", "unknown field 'x' in statistics");
    assertError(http.post(stats, "[1]"), 400, "INVALID_ARGUMENT", "JSON object");
    String drift = "/api/v1/feature-groups/hcp_demographics/drift/run";
    assertError(
        http.post(drift, "{\"window_hours\": 1}"),
        400,
        "INVALID_ARGUMENT",
        "unknown field 'window_hours' in drift run request");
    for (String body : List.of("", "{}", "null", " ")) {
      ok(http.post("/api/v1/freshness/update", body));
      ok(http.post(stats, body));
      ok(http.post(drift, body));
    }
  }

  @Test
  void anAuditSinceBeyondYear9999Is400() {
    assertError(
        http.get("/api/v1/audit?since=%2B999999999-12-31T23:59:59Z"),
        400,
        "INVALID_ARGUMENT",
        "0000 to 9999");
  }

  /** The envelope's default group is the request's own field, named as such. */
  @Test
  void aBatchsBadDefaultGroupIsNamedAsTheField() {
    assertError(
        http.post(
            "/api/v1/feature-values/batch", "{\"feature_group\": \"a-b\", \"feature_values\": []}"),
        400,
        "INVALID_ARGUMENT",
        "'feature_group' is 'a-b': a name must");
  }

  @Test
  void unknownGroupAndFeaturePathsAre404() {
    assertError(http.get("/api/v1/feature-groups/nope"), 404, "NOT_FOUND", "nope");
    assertError(
        http.get("/api/v1/feature-groups/hcp_demographics/features/nope"),
        404,
        "NOT_FOUND",
        "nope");
    assertError(
        http.get("/api/v1/feature-groups/hcp_demographics/features/nope/versions"),
        404,
        "NOT_FOUND",
        "nope");
    assertError(
        http.post("/api/v1/feature-groups/hcp_demographics/features/nope/statistics", ""),
        404,
        "NOT_FOUND",
        "nope");
    assertError(http.get("/api/v1/feature-groups/nope/features"), 404, "NOT_FOUND", "nope");
  }

  @Test
  void unknownRoutesAndMethodsAreJsonErrors() {
    assertError(http.get("/api/v1/nothing-here"), 404, "NOT_FOUND", "/api/v1/nothing-here");
    assertError(http.method("DELETE", "/api/v1/feature-groups"), 405, "METHOD_NOT_ALLOWED");
  }

  @Test
  void bodyTooLargeIs413() {
    String big =
        "{\"entity_values\": {\"hcp_id\": \""
            + "x".repeat(70 * 1024)
            + "\"}, \"feature_group\": \"g\"}";
    assertError(http.post("/api/v1/online-features", big), 413, "PAYLOAD_TOO_LARGE", "limit");
  }

  // ---------------------------------------------------------------- Feast

  @Test
  void feastGetOnlineFeaturesShapes() {
    String ts = hoursAgo(1);
    write("F1", "specialty", "Oncology", ts);
    write("F1", "years_in_practice", 7, ts);
    write("F2", "specialty", "Cardiology", ts);
    JsonNode r =
        ok(
            http.post(
                "/get-online-features",
                """
                {"features": ["hcp_demographics:specialty", "hcp_demographics:years_in_practice"],
                 "entities": {"hcp_id": ["F1", "F2", "F3"]}}"""));
    assertThat(r.get("metadata").get("feature_names"))
        .extracting(JsonNode::asText)
        .containsExactly("hcp_id", "specialty", "years_in_practice");
    JsonNode results = r.get("results");
    assertThat(results).hasSize(3);
    assertThat(results.get(0).get("values"))
        .extracting(JsonNode::asText)
        .containsExactly("F1", "F2", "F3");
    assertThat(results.get(0).get("statuses")).extracting(JsonNode::asText).containsOnly("PRESENT");
    assertThat(results.get(0).get("event_timestamps").get(0).asText())
        .isEqualTo("1970-01-01T00:00:00Z");
    JsonNode specialty = results.get(1);
    assertThat(specialty.get("values").get(0).asText()).isEqualTo("Oncology");
    assertThat(specialty.get("values").get(1).asText()).isEqualTo("Cardiology");
    assertThat(specialty.get("values").get(2).isNull()).isTrue();
    assertThat(specialty.get("statuses"))
        .extracting(JsonNode::asText)
        .containsExactly("PRESENT", "PRESENT", "NOT_FOUND");
    assertThat(Instant.parse(specialty.get("event_timestamps").get(0).asText()))
        .isEqualTo(Instant.parse(ts));
    JsonNode years = results.get(2);
    assertThat(years.get("values").get(0).asLong()).isEqualTo(7);
    assertThat(years.get("statuses"))
        .extracting(JsonNode::asText)
        .containsExactly("PRESENT", "NOT_FOUND", "NOT_FOUND");

    JsonNode full =
        ok(
            http.post(
                "/get-online-features",
                """
                {"feature_service": "hcp_demographics", "full_feature_names": true,
                 "entities": {"hcp_id": ["F1"]}}"""));
    assertThat(full.get("metadata").get("feature_names"))
        .extracting(JsonNode::asText)
        .contains("hcp_id", "hcp_demographics__specialty", "hcp_demographics__years_in_practice");
  }

  @Test
  void feastStatusesForExpiredAndNullValues() {
    write("FX", "specialty", "Ancient", hoursAgo(800)); // max_age_hours is 720
    created(
        http.post(
            "/api/v1/feature-values",
            """
            {"feature_name": "years_in_practice", "feature_group": "hcp_demographics",
             "entity_values": {"hcp_id": "FX"}, "value": null}"""));
    JsonNode r =
        ok(
            http.post(
                "/get-online-features",
                """
                {"features": ["hcp_demographics:specialty", "hcp_demographics:years_in_practice"],
                 "entities": {"hcp_id": ["FX"]}}"""));
    JsonNode specialty = r.get("results").get(1);
    assertThat(specialty.get("statuses").get(0).asText()).isEqualTo("OUTSIDE_MAX_AGE");
    // the value stays, as Feast's Go and Java servers return it past a view's TTL
    assertThat(specialty.get("values").get(0).asText()).isEqualTo("Ancient");
    JsonNode years = r.get("results").get(2);
    assertThat(years.get("statuses").get(0).asText()).isEqualTo("NULL_VALUE");
    assertThat(years.get("values").get(0).isNull()).isTrue();
  }

  @Test
  void feastErrors() {
    assertError(
        http.post(
            "/get-online-features",
            "{\"features\": [\"brand_performance:market_share\"], \"entities\": {\"brand_id\": [\"B1\"]}}"),
        400,
        "INVALID_ARGUMENT",
        "missing entity key geography_id");
    assertError(
        http.post(
            "/get-online-features",
            "{\"features\": [\"nope:x\"], \"entities\": {\"hcp_id\": [\"F1\"]}}"),
        404,
        "NOT_FOUND",
        "nope");
    assertError(
        http.post(
            "/get-online-features",
            "{\"features\": [\"hcp_demographics:specialty\"], \"entities\": {\"hcp_id\": [\"F1\"], \"x\": []}}"),
        400,
        "INVALID_ARGUMENT",
        "same length");
    assertError(
        http.post("/get-online-features", "{\"features\": [\"hcp_demographics:specialty\"]}"),
        400,
        "INVALID_ARGUMENT",
        "entities");
  }

  // ---------------------------------------------------------------- OpenAPI and metrics

  @Test
  void openApiCoversExactlyTheRegisteredRoutes() {
    JsonNode doc = ok(http.get("/openapi.json"));
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    Set<String> documented = new HashSet<>();
    Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> p = paths.next();
      Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields();
      while (ops.hasNext()) {
        Map.Entry<String, JsonNode> op = ops.next();
        documented.add(op.getKey().toUpperCase() + " " + p.getKey());
        JsonNode responses = op.getValue().get("responses");
        assertThat(responses).as(p.getKey()).isNotNull();
        assertThat(op.getValue().get("operationId").asText()).isNotBlank();
      }
    }
    assertThat(documented).containsExactlyInAnyOrderElementsOf(server.registeredRoutes());
    assertThat(documented)
        .contains(
            "GET /health",
            "GET /metrics",
            "GET /openapi.json",
            "POST /api/v1/feature-values/batch",
            "POST /api/v1/online-features",
            "POST /get-online-features",
            "POST /api/v1/training-data",
            "GET /api/v1/training-sets",
            "POST /api/v1/training-sets/{name}/run",
            "GET /api/v1/feature-groups/{group}/features/{name}/versions");
    // every $ref resolves
    String text = doc.toString();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("#/components/schemas/([A-Za-z]+)").matcher(text);
    while (m.find()) {
      assertThat(doc.get("components").get("schemas").has(m.group(1))).as(m.group(1)).isTrue();
    }
    // and every documented route answers (never an unmatched-route 404/405)
    for (String route : documented) {
      String[] mp = route.split(" ", 2);
      String path = mp[1].replace("{group}", "hcp_demographics").replace("{name}", "specialty");
      Http.Response r = mp[0].equals("GET") ? http.get(path) : http.post(path, "{}");
      if (r.status() == 404 || r.status() == 405) {
        assertThat(r.text()).as(route).doesNotContain("no endpoint").doesNotContain("not allowed");
      }
    }
  }

  @Test
  void metricsExportRequestsLatencyCacheWritesAndFreshness() {
    write("M1", "specialty", "Oncology", hoursAgo(1));
    String read =
        "{\"entity_values\": {\"hcp_id\": \"M1\"}, \"feature_group\": \"hcp_demographics\"}";
    ok(http.post("/api/v1/online-features", read));
    ok(http.post("/api/v1/online-features", read));
    Http.Response r = http.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("text/plain");
    String text = r.text();
    assertThat(text)
        .contains(
            "fs_http_requests_seconds_count{endpoint=\"/api/v1/online-features\",method=\"POST\",status=\"200\"}")
        .contains("fs_http_requests_seconds_bucket{endpoint=\"/api/v1/online-features\"")
        .contains("fs_cache_hits_total")
        .contains("fs_cache_misses_total")
        .contains("fs_cache_hit_rate")
        .contains("fs_feature_values_written_total{endpoint=\"/api/v1/feature-values\"}")
        .contains("fs_freshness_values{feature_group=\"hcp_demographics\",status=\"fresh\"}");
    double hits = metric(text, "fs_cache_hits_total");
    assertThat(hits).isGreaterThanOrEqualTo(1);
  }

  private static double metric(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError(name + " not in metrics");
  }

  @SuppressWarnings("unused")
  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
