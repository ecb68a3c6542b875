package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feast's write routes ({@code /write-to-online-store}, {@code /push}) over real HTTP against the
 * embedded store: Feast's request shapes, the normal write path (types, cache, scopes) and the
 * errors. Feast's own Python client runs against the built jar in .ci/feast.sh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeastWriteHttpTest {
  @TempDir static Path dir;
  @TempDir static Path keyedDir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeAll
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    define(store);
    server = FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
    http = new Http(server.url());
  }

  private static void define(FeatureStore s) {
    s.createFeatureGroup(FeatureGroup.builder("driver_stats").maxAgeHours(24).build());
    s.createFeature(
        FeatureSpec.builder("driver_stats", "conv_rate")
            .valueType(ValueType.FLOAT64)
            .entityKeys(List.of("driver_id"))
            .build());
    s.createFeature(
        FeatureSpec.builder("driver_stats", "trips")
            .valueType(ValueType.INT64)
            .entityKeys(List.of("driver_id"))
            .build());
    s.createFeature(
        FeatureSpec.builder("driver_stats", "last_trip")
            .valueType(ValueType.TIMESTAMP)
            .entityKeys(List.of("driver_id"))
            .build());
    s.createFeature(
        FeatureSpec.builder("driver_stats", "cities")
            .valueType(ValueType.STRING_LIST)
            .entityKeys(List.of("driver_id"))
            .build());
  }

  @AfterAll
  void stop() {
    server.close();
    store.close();
  }

  /** What Feast's RemoteOnlineStore.online_write_batch sends: naive UTC ISO times, created. */
  private static String frame(String driver, double conv, String naiveTime) {
    return """
        {"feature_view_name": "driver_stats", "allow_registry_cache": false,
         "df": {"driver_id": ["%s"], "conv_rate": [%s], "trips": [12],
                "last_trip": [1767225600], "cities": [["Berlin", "Paris"]],
                "event_timestamp": ["%s"], "created": [null]}}"""
        .formatted(driver, conv, naiveTime);
  }

  private static String naive(Instant t) {
    return LocalDateTime.ofInstant(t, ZoneOffset.UTC).toString();
  }

  private JsonNode online(String driver) {
    Http.Response r =
        http.post(
            "/api/v1/online-features",
            "{\"entity_values\": {\"driver_id\": \""
                + driver
                + "\"}, \"feature_group\":"
                + " \"driver_stats\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  private static void assertError(Http.Response r, int status, String code, String message) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.json().get("error").get("code").asText()).isEqualTo(code);
    assertThat(r.json().get("error").get("message").asText()).contains(message);
  }

  @Test
  void writeToOnlineStoreWritesThroughTheNormalPath() {
    Instant t = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MICROS);
    Http.Response r = http.post("/write-to-online-store", frame("D1", 0.5, naive(t)));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().get("written").asInt()).isEqualTo(4);

    JsonNode read = online("D1");
    assertThat(read.get("features").get("conv_rate").asDouble()).isEqualTo(0.5);
    assertThat(read.get("features").get("trips").asLong()).isEqualTo(12);
    assertThat(Instant.parse(read.get("features").get("last_trip").asText()))
        .isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(read.get("features").get("cities"))
        .extracting(JsonNode::asText)
        .containsExactly("Berlin", "Paris");
    // a naive time is UTC, as in Feast
    assertThat(Instant.parse(read.get("metadata").get("conv_rate").get("event_timestamp").asText()))
        .isEqualTo(t);
  }

  @Test
  void aWriteInvalidatesTheCachedRead() {
    Instant t = Instant.now().minus(2, ChronoUnit.HOURS);
    assertThat(http.post("/write-to-online-store", frame("D2", 0.1, naive(t))).status())
        .isEqualTo(200);
    assertThat(online("D2").get("features").get("conv_rate").asDouble()).isEqualTo(0.1);
    assertThat(online("D2").get("features").get("conv_rate").asDouble()).isEqualTo(0.1); // cached
    assertThat(
            http.post(
                    "/write-to-online-store", frame("D2", 0.9, naive(t.plus(1, ChronoUnit.HOURS))))
                .status())
        .isEqualTo(200);
    assertThat(online("D2").get("features").get("conv_rate").asDouble()).isEqualTo(0.9);
  }

  @Test
  void pushTakesEveryModeAndAPartialFrame() {
    for (String to : List.of("online", "offline", "online_and_offline")) {
      Http.Response r =
          http.post(
              "/push",
              """
              {"push_source_name": "driver_stats", "to": "%s",
               "df": {"driver_id": ["P1", "P2"], "trips": [1, 2],
                      "event_timestamp": ["2026-11-01T10:00:00+00:00", "2026-11-01 10:00:00"]}}"""
                  .formatted(to));
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.json().get("written").asInt()).isEqualTo(2);
    }
    assertThat(online("P2").get("features").get("trips").asLong()).isEqualTo(2);
    assertError(
        http.post(
            "/push",
            """
            {"push_source_name": "driver_stats", "to": "somewhere",
             "df": {"driver_id": ["P1"], "trips": [1], "event_timestamp": ["2026-11-01T10:00:00Z"]}}"""),
        400,
        "INVALID_ARGUMENT",
        "online, offline, online_and_offline");
  }

  @Test
  void aBadValueRejectsTheWholeFrameAndWritesNothing() {
    assertError(
        http.post(
            "/write-to-online-store",
            """
            {"feature_view_name": "driver_stats",
             "df": {"driver_id": ["B1", "B2"], "trips": [3, "many"],
                    "event_timestamp": ["2026-11-01T10:00:00", "2026-11-01T10:00:00"]}}"""),
        400,
        "TYPE_MISMATCH",
        "trips");
    assertThat(online("B1").get("features").has("trips")).isFalse();
  }

  @Test
  void malformedFramesAre400sNamingTheProblem() {
    String ok = "\"event_timestamp\": [\"2026-11-01T10:00:00\"]";
    assertError(
        http.post(
            "/write-to-online-store",
            "{\"feature_view_name\": \"driver_stats\", \"df\": {\"driver_id\": [\"X\"],"
                + " \"trips\": [1], \"speed\": [3], "
                + ok
                + "}}"),
        400,
        "INVALID_ARGUMENT",
        "df column 'speed'");
    assertError(
        http.post(
            "/write-to-online-store",
            "{\"feature_view_name\": \"driver_stats\", \"df\": {\"driver_id\": [\"X\", \"Y\"],"
                + " \"trips\": [1], "
                + ok
                + "}}"),
        400,
        "INVALID_ARGUMENT",
        "same length");
    assertError(
        http.post(
            "/write-to-online-store",
            "{\"feature_view_name\": \"driver_stats\", \"df\": {\"driver_id\": [\"X\"],"
                + " \"trips\": [1]}}"),
        400,
        "INVALID_ARGUMENT",
        "event_timestamp");
    assertError(
        http.post(
            "/write-to-online-store",
            "{\"feature_view_name\": \"driver_stats\", \"df\": {\"trips\": [1], " + ok + "}}"),
        400,
        "INVALID_ARGUMENT",
        "entity key driver_id");
    assertError(
        http.post(
            "/write-to-online-store",
            "{\"feature_view_name\": \"driver_stats\", \"df\": {\"driver_id\": [\"X\"],"
                + " \"trips\": [1], \"event_timestamp\": [\"yesterday\"]}}"),
        400,
        "INVALID_ARGUMENT",
        "\"yesterday\" is no timestamp");
    assertError(
        http.post(
            "/write-to-online-store",
            "{\"feature_view_name\": \"driver_stats\", \"dataframe\": {}}"),
        400,
        "INVALID_ARGUMENT",
        "unknown field 'dataframe'");
    assertError(
        http.post(
            "/write-to-online-store",
            "{\"feature_view_name\": \"nope\", \"df\": {\"driver_id\": [\"X\"], " + ok + "}}"),
        404,
        "NOT_FOUND",
        "feature view 'nope' not found");
    assertError(
        http.post(
            "/push",
            "{\"push_source_name\": \"nope\", \"df\": {\"driver_id\": [\"X\"], " + ok + "}}"),
        404,
        "NOT_FOUND",
        "push source 'nope' not found");
  }

  @Test
  void getOnlineFeaturesTakesFeast067sFieldsAndKeepsExpiredValues() {
    Instant old = Instant.now().minus(30, ChronoUnit.HOURS); // max_age_hours is 24
    assertThat(http.post("/write-to-online-store", frame("OLD", 0.3, naive(old))).status())
        .isEqualTo(200);
    Http.Response r =
        http.post(
            "/get-online-features",
            """
            {"entities": {"driver_id": ["OLD", "NONE"]}, "full_feature_names": false,
             "include_feature_view_version_metadata": true,
             "features": ["driver_stats:trips", "driver_stats:conv_rate"]}""");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.get("metadata").get("feature_names"))
        .extracting(JsonNode::asText)
        .containsExactly("driver_id", "trips", "conv_rate");
    assertThat(body.get("metadata").get("feature_view_metadata").get(0).get("name").asText())
        .isEqualTo("driver_stats");
    JsonNode conv = body.get("results").get(2);
    assertThat(conv.get("statuses"))
        .extracting(JsonNode::asText)
        .containsExactly("OUTSIDE_MAX_AGE", "NOT_FOUND");
    assertThat(conv.get("values").get(0).asDouble()).isEqualTo(0.3);
    assertThat(conv.get("values").get(1).isNull()).isTrue();
  }

  @Test
  void writeScopeIsRequiredAndEnough() {
    try (FeatureStore keyed = EmbeddedFeatureStore.open(keyedDir)) {
      define(keyed);
      String writer =
          keyed
              .security()
              .createKey(
                  "writer", new KeyScopes(List.of(), List.of("driver_*"), List.of()), "local")
              .secret();
      String reader =
          keyed
              .security()
              .createKey("reader", new KeyScopes(List.of("*"), List.of(), List.of()), "local")
              .secret();
      try (FeatureServer s = FeatureServer.start(keyed, ServerOptions.defaults(0))) {
        String body = frame("K1", 0.7, "2026-11-01T10:00:00");
        assertThat(KeyedClient.of(s.url(), null).post("/write-to-online-store", body).status())
            .isEqualTo(401);
        KeyedClient.Response refused =
            KeyedClient.of(s.url(), reader).post("/write-to-online-store", body);
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.errorMessage()).contains("write");
        KeyedClient.Response written =
            KeyedClient.of(s.url(), writer).post("/write-to-online-store", body);
        assertThat(written.status()).as(written.body()).isEqualTo(200);
        KeyedClient.Response pushed =
            KeyedClient.of(s.url(), writer)
                .post(
                    "/push",
                    body.replace("\"feature_view_name\"", "\"push_source_name\"")
                        .replace("\"allow_registry_cache\": false,", ""));
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
      }
    }
  }
}
