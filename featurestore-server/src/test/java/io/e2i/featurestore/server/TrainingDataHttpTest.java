package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Training data endpoints over real HTTP against the embedded backend. */
class TrainingDataHttpTest {
  @TempDir Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  /** Spine: out of time order on purpose, with an extra "label" column that must ride along. */
  static final String SPINE =
      """
      {"columns": ["hcp_id", "event_timestamp", "label"],
       "rows": [["H1", "2025-01-02T12:00:00Z", 1],
                ["H1", "2024-12-31T00:00:00Z", 0],
                ["H2", "2025-01-05T00:00:00Z", true],
                ["H1", "2025-01-03T00:00:00+00:00", 0.5],
                ["H3", "2025-01-03T00:00:00Z", "x"]]}""";

  static final String FEATURES = "[\"hcp:specialty\", \"hcp:score\"]";

  private Path spines;

  @BeforeEach
  void start() {
    store = EmbeddedFeatureStore.open(dir.resolve("store"));
    store.createFeatureGroup(FeatureGroup.builder("hcp").maxAgeHours(48).build());
    store.createFeature(new FeatureSpec("hcp", "specialty", ValueType.STRING, List.of("hcp_id")));
    store.createFeature(new FeatureSpec("hcp", "score", ValueType.FLOAT64, List.of("hcp_id")));
    write("H1", "specialty", "Oncology", "2025-01-01T00:00:00Z");
    write("H1", "specialty", "Cardiology", "2025-01-03T00:00:00Z");
    write("H2", "specialty", "Dermatology", "2025-01-01T00:00:00Z");
    write("H1", "score", 0.5, "2025-01-02T00:00:00Z");
    // Same event time written again: the later write wins.
    write("H1", "score", 0.75, "2025-01-02T00:00:00Z");
    spines = dir.resolve("spines");
    try {
      Files.createDirectories(spines);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    server =
        FeatureServer.start(
            store,
            ServerOptions.defaults(0)
                .withHost("127.0.0.1")
                .withMaxBodyBytes(64 * 1024)
                .withSqlSpines(true)
                .withSpineDir(spines));
    http = new Http(server.url());
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
  }

  private void write(String hcp, String feature, Object value, String ts) {
    store.writeBatchFeatures(
        List.of(new FeatureWrite(feature, Map.of("hcp_id", hcp), value, Instant.parse(ts), "hcp")));
  }

  private static String request(String features, String spine, String extra) {
    return "{\"features\": "
        + features
        + ", \"spine\": "
        + spine
        + (extra == null ? "" : ", " + extra)
        + "}";
  }

  private Http.Binary post(String body, String accept) {
    Http.Binary r = http.postBinary("/api/v1/training-data", body, accept);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r;
  }

  @Test
  void jsonRowsArePointInTimeCorrectInSpineOrderWithExtraColumns() {
    Http.Binary r = post(request(FEATURES, SPINE, null), null);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.header(TrainingDataApi.FEATURES_HEADER)).isEqualTo("hcp:specialty@1,hcp:score@1");
    Instant asOf = Instant.parse(r.header(TrainingDataApi.AS_OF_HEADER));
    assertThat(asOf).isBetween(Instant.now().minusSeconds(60), Instant.now());

    JsonNode body = r.json();
    assertThat(body.get("columns").toString())
        .isEqualTo("[\"hcp_id\",\"event_timestamp\",\"label\",\"specialty\",\"score\"]");
    assertThat(body.get("row_count").asInt()).isEqualTo(5);
    JsonNode rows = body.get("rows");
    // latest value at or before T; the tie at 2025-01-02 goes to the later write
    assertThat(rows.get(0).toString())
        .isEqualTo(
            "{\"hcp_id\":\"H1\",\"event_timestamp\":\"2025-01-02T12:00:00Z\",\"label\":1,"
                + "\"specialty\":\"Oncology\",\"score\":0.75}");
    // before any value
    assertThat(rows.get(1).get("specialty").isNull()).isTrue();
    assertThat(rows.get(1).get("score").isNull()).isTrue();
    // Dermatology is 96 h old at T, past the group's 48 h max age
    assertThat(rows.get(2).get("specialty").isNull()).isTrue();
    assertThat(rows.get(2).get("label").asBoolean()).isTrue();
    // a value at exactly T counts
    assertThat(rows.get(3).get("specialty").asText()).isEqualTo("Cardiology");
    assertThat(rows.get(3).get("label").asDouble()).isEqualTo(0.5);
    // unknown entity: nothing
    assertThat(rows.get(4).get("hcp_id").asText()).isEqualTo("H3");
    assertThat(rows.get(4).get("specialty").isNull()).isTrue();
  }

  @Test
  void asOfInThePastHidesLaterWritesAndInTheFutureIsPinnedToNow() {
    // Everything above was written moments ago: as of an hour ago, nothing is visible.
    String hourAgo = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.SECONDS).toString();
    Http.Binary past =
        post(request(FEATURES, SPINE, "\"format\": \"csv\", \"as_of\": \"" + hourAgo + "\""), null);
    assertThat(past.header(TrainingDataApi.AS_OF_HEADER)).isEqualTo(hourAgo);
    assertThat(past.text()).doesNotContain("Oncology").doesNotContain("0.75");

    Http.Binary future =
        post(request(FEATURES, SPINE, "\"as_of\": \"2099-01-01T00:00:00Z\""), null);
    assertThat(Instant.parse(future.header(TrainingDataApi.AS_OF_HEADER)))
        .isBetween(Instant.now().minusSeconds(60), Instant.now());
    assertThat(future.text()).contains("Oncology");
  }

  @Test
  void csvFromTheAcceptHeaderOrTheFormatField() {
    Http.Binary byAccept = post(request(FEATURES, SPINE, "\"as_of\": null"), "text/csv");
    assertThat(byAccept.header("Content-Type")).startsWith("text/csv");
    assertThat(byAccept.text())
        .isEqualTo(
            """
            hcp_id,event_timestamp,label,specialty,score
            H1,2025-01-02T12:00:00Z,1,Oncology,0.75
            H1,2024-12-31T00:00:00Z,0,,
            H2,2025-01-05T00:00:00Z,true,,
            H1,2025-01-03T00:00:00Z,0.5,Cardiology,0.75
            H3,2025-01-03T00:00:00Z,x,,
            """);
    Http.Binary byField = post(request(FEATURES, SPINE, "\"format\": \"csv\""), "application/json");
    assertThat(byField.header("Content-Type")).startsWith("text/csv");
    assertThat(byField.text()).isEqualTo(byAccept.text());
  }

  @Test
  void savedSetsRerunByteIdenticalAfterLateDataAndANewVersion() throws Exception {
    Http.Binary csv =
        post(request(FEATURES, SPINE, "\"save_as\": \"ts_csv\", \"format\": \"csv\""), null);
    Http.Binary parquet =
        post(request(FEATURES, SPINE, "\"save_as\": \"ts_pq\", \"format\": \"parquet\""), null);
    assertThat(parquet.header("Content-Type")).isEqualTo("application/vnd.apache.parquet");
    assertThat(csv.header(TrainingDataApi.NAME_HEADER)).isEqualTo("ts_csv");
    Thread.sleep(5);

    // Late data for the past: a value for H1 between Jan 1 and Jan 2, and a correction of score.
    write("H1", "specialty", "Neurology", "2025-01-02T06:00:00Z");
    write("H1", "score", 0.99, "2025-01-02T00:00:00Z");
    // And a new version of specialty (type change): the saved sets stay pinned to version 1.
    store.updateFeature(new FeatureSpec("hcp", "specialty", ValueType.INT64, List.of("hcp_id")));

    Http.Binary csvAgain = http.postBinary("/api/v1/training-sets/ts_csv/run", "", "text/csv");
    assertThat(csvAgain.status()).as(csvAgain.text()).isEqualTo(200);
    assertThat(csvAgain.body()).isEqualTo(csv.body());
    assertThat(csvAgain.header(TrainingDataApi.AS_OF_HEADER))
        .isEqualTo(csv.header(TrainingDataApi.AS_OF_HEADER));
    assertThat(csvAgain.header(TrainingDataApi.FEATURES_HEADER))
        .isEqualTo("hcp:specialty@1,hcp:score@1");

    Http.Binary pqAgain =
        http.postBinary("/api/v1/training-sets/ts_pq/run", "{\"format\": \"parquet\"}", null);
    assertThat(pqAgain.status()).as(pqAgain.text()).isEqualTo(200);
    assertThat(pqAgain.body()).isEqualTo(parquet.body());
    assertThat(parquetRows(pqAgain.body()))
        .containsExactly(
            "H1|2025-01-02T12:00:00Z|Oncology|0.75",
            "H1|2024-12-31T00:00:00Z|null|null",
            "H2|2025-01-05T00:00:00Z|null|null",
            "H1|2025-01-03T00:00:00Z|Cardiology|0.75",
            "H3|2025-01-03T00:00:00Z|null|null");

    // The late data is there: a fresh request on version 1 sees it.
    String fresh =
        post(request("[\"hcp:specialty@1\", \"hcp:score\"]", SPINE, "\"format\": \"csv\""), null)
            .text();
    assertThat(fresh).contains("H1,2025-01-02T12:00:00Z,1,Neurology,0.99");

    // And the definitions are listed, pinned.
    JsonNode sets = http.get("/api/v1/training-sets").json().get("training_sets");
    assertThat(sets.findValuesAsText("name")).containsExactly("ts_csv", "ts_pq");
    JsonNode first = sets.get(0);
    assertThat(first.get("features").toString()).isEqualTo("[\"hcp:specialty@1\",\"hcp:score@1\"]");
    assertThat(Instant.parse(first.get("as_of").asText()))
        .isEqualTo(Instant.parse(csv.header(TrainingDataApi.AS_OF_HEADER)));
    assertThat(first.get("spine").get("type").asText()).isEqualTo("rows");
    assertThat(first.get("spine").get("row_count").asInt()).isEqualTo(5);
  }

  /** hcp_id|event_timestamp|specialty|score of each row, read back with DuckDB. */
  private List<String> parquetRows(byte[] parquet) throws Exception {
    Path file = dir.resolve("read.parquet");
    Files.write(file, parquet);
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
      try (ResultSet rs =
          s.executeQuery(
              "SELECT hcp_id, strftime(event_timestamp, '%Y-%m-%dT%H:%M:%SZ'), specialty, score"
                  + " FROM read_parquet('"
                  + file
                  + "')")) {
        while (rs.next()) {
          rows.add(
              rs.getString(1)
                  + "|"
                  + rs.getString(2)
                  + "|"
                  + rs.getString(3)
                  + "|"
                  + rs.getString(4));
        }
      }
    }
    return rows;
  }

  @Test
  void spinesFromSqlAndFromServerSideFiles() throws Exception {
    String sql =
        "{\"sql\": \"SELECT * FROM (VALUES ('H2', TIMESTAMPTZ '2025-01-01 06:00:00+00', 7),"
            + " ('H1', TIMESTAMPTZ '2025-01-03 01:00:00+00', 8)) t(hcp_id, ts, y)\"}";
    String fromSql =
        post(request(FEATURES, sql, "\"timestamp_column\": \"ts\", \"format\": \"csv\""), null)
            .text();
    assertThat(fromSql)
        .isEqualTo(
            """
            hcp_id,ts,y,specialty,score
            H2,2025-01-01T06:00:00Z,7,Dermatology,
            H1,2025-01-03T01:00:00Z,8,Cardiology,0.75
            """);

    Path parquet = spines.resolve("spine.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute(
          "COPY (SELECT * FROM (VALUES ('H2', TIMESTAMPTZ '2025-01-01 06:00:00+00', 7),"
              + " ('H1', TIMESTAMPTZ '2025-01-03 01:00:00+00', 8)) t(hcp_id, ts, y)) TO '"
              + parquet
              + "' (FORMAT parquet)");
    }
    String fromParquet =
        post(
                request(
                    FEATURES,
                    Http.json(Map.of("path", parquet.toString())),
                    "\"timestamp_column\": \"ts\", \"format\": \"csv\""),
                null)
            .text();
    assertThat(fromParquet).isEqualTo(fromSql);

    Path csv = spines.resolve("spine.csv");
    Files.writeString(csv, "hcp_id,ts,y\nH2,2025-01-01T06:00:00Z,7\nH1,2025-01-03T01:00:00Z,8\n");
    String fromCsv =
        post(
                request(
                    FEATURES,
                    Http.json(Map.of("path", "spine.csv")), // relative to the spine folder
                    "\"timestamp_column\": \"ts\", \"format\": \"csv\""),
                null)
            .text();
    assertThat(fromCsv).isEqualTo(fromSql);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown feature|[\"hcp:nope\"]||404|NOT_FOUND|nope",
        "unknown group|[\"nope:specialty\"]||404|NOT_FOUND|nope",
        "no features|[]||400|INVALID_ARGUMENT|features",
        "bad version|[\"hcp:specialty@x\"]||400|INVALID_ARGUMENT|which is no feature reference",
        "missing key column|[\"hcp:specialty\"]|{\"columns\":[\"id\",\"event_timestamp\"],\"rows\":[[\"H1\",\"2025-01-01T00:00:00Z\"]]}|400|INVALID_ARGUMENT|hcp_id",
        "missing timestamp column|[\"hcp:specialty\"]|{\"columns\":[\"hcp_id\",\"ts\"],\"rows\":[[\"H1\",\"2025-01-01T00:00:00Z\"]]}|400|INVALID_ARGUMENT|event_timestamp",
        "bad timestamp|[\"hcp:specialty\"]|{\"columns\":[\"hcp_id\",\"event_timestamp\"],\"rows\":[[\"H1\",\"yesterday\"]]}|400|INVALID_ARGUMENT|spine row 1, column 'event_timestamp': malformed timestamp 'yesterday'",
        "timestamp without offset|[\"hcp:specialty\"]|{\"columns\":[\"hcp_id\",\"event_timestamp\"],\"rows\":[[\"H1\",\"2025-01-01T00:00:00\"]]}|400|INVALID_ARGUMENT|offset",
        "numeric timestamp|[\"hcp:specialty\"]|{\"columns\":[\"hcp_id\",\"event_timestamp\"],\"rows\":[[\"H1\",1735689600]]}|400|INVALID_ARGUMENT|spine row 1",
        "short row|[\"hcp:specialty\"]|{\"columns\":[\"hcp_id\",\"event_timestamp\"],\"rows\":[[\"H1\"]]}|400|INVALID_ARGUMENT|spine row 1",
        "object cell|[\"hcp:specialty\"]|{\"columns\":[\"hcp_id\",\"event_timestamp\"],\"rows\":[[{\"a\":1},\"2025-01-01T00:00:00Z\"]]}|400|INVALID_ARGUMENT|hcp_id",
        "two spines|[\"hcp:specialty\"]|{\"sql\":\"SELECT 1\",\"path\":\"/x.csv\"}|400|INVALID_ARGUMENT|exactly one",
        "no spine|[\"hcp:specialty\"]|null|400|INVALID_ARGUMENT|spine",
        "spine file not csv or parquet|[\"hcp:specialty\"]|{\"path\":\"/etc/passwd\"}|400|INVALID_ARGUMENT|.parquet",
        "missing spine file|[\"hcp:specialty\"]|{\"path\":\"nonexistent.parquet\"}|400|INVALID_ARGUMENT|does not exist",
        "spine file outside the folder|[\"hcp:specialty\"]|{\"path\":\"/etc/spine.csv\"}|403|FORBIDDEN|outside",
        "spine path climbing out|[\"hcp:specialty\"]|{\"path\":\"../store/spine.csv\"}|403|FORBIDDEN|outside",
        "sql spine without the key|[\"hcp:specialty\"]|{\"sql\":\"SELECT TIMESTAMPTZ '2025-01-01 00:00:00+00' AS event_timestamp\"}|400|INVALID_ARGUMENT|hcp_id",
      })
  void callersMistakesAre4xx(
      String name, String features, String spine, int status, String code, String word) {
    String body =
        request(
            features,
            spine == null
                ? "{\"columns\":[\"hcp_id\",\"event_timestamp\"],\"rows\":[[\"H1\",\"2025-01-01T00:00:00Z\"]]}"
                : spine,
            null);
    assertError(http.postBinary("/api/v1/training-data", body, null), status, code, word);
  }

  /** By default the server reads spines only from the request: no SQL, no server-side files. */
  @Test
  void sqlAndFileSpinesAreRefusedUnlessTheServerAllowsThem() throws Exception {
    Files.writeString(
        spines.resolve("spine.csv"), "hcp_id,event_timestamp\nH1,2025-01-01T00:00:00Z\n");
    try (FeatureServer plain =
        FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"))) {
      Http client = new Http(plain.url());
      assertError(
          client.postBinary(
              "/api/v1/training-data", request(FEATURES, "{\"sql\": \"SELECT 1\"}", null), null),
          403,
          "FORBIDDEN",
          "--allow-sql-spines");
      assertError(
          client.postBinary(
              "/api/v1/training-data",
              request(
                  FEATURES,
                  Http.json(Map.of("path", spines.resolve("spine.csv").toString())),
                  null),
              null),
          403,
          "FORBIDDEN",
          "--spine-dir");
    }
  }

  @Test
  void aSymlinkOutOfTheSpineFolderIsRefused() throws Exception {
    Path outside = dir.resolve("secret.csv");
    Files.writeString(outside, "hcp_id,event_timestamp\nH1,2025-01-01T00:00:00Z\n");
    Files.createSymbolicLink(spines.resolve("link.csv"), outside);
    assertError(
        http.postBinary(
            "/api/v1/training-data",
            request(FEATURES, Http.json(Map.of("path", "link.csv")), null),
            null),
        403,
        "FORBIDDEN",
        "outside");
  }

  @Test
  void otherMistakes() {
    String ok = "{\"columns\":[\"hcp_id\",\"event_timestamp\"],\"rows\":[]}";
    assertError(
        http.postBinary(
            "/api/v1/training-data", request(FEATURES, ok, "\"format\": \"xlsx\""), null),
        400,
        "INVALID_ARGUMENT",
        "xlsx");
    assertError(
        http.postBinary(
            "/api/v1/training-data", request(FEATURES, ok, "\"save_as\": \"bad name!\""), null),
        400,
        "INVALID_ARGUMENT",
        "bad name!");
    assertError(
        http.postBinary("/api/v1/training-sets/nope/run", "", null), 404, "NOT_FOUND", "nope");
    assertError(
        http.postBinary("/api/v1/training-sets/nope/run", "{\"format\": 3}", null),
        400,
        "INVALID_ARGUMENT",
        "format");
    // An empty spine is no mistake: a header and no rows.
    Http.Binary empty = post(request(FEATURES, ok, "\"format\": \"csv\""), null);
    assertThat(empty.text()).isEqualTo("hcp_id,event_timestamp,specialty,score\n");
    // Nothing was saved by any of the failed requests.
    assertThat(http.get("/api/v1/training-sets").json().get("training_sets").size()).isZero();
    // in the spec's order, whatever the JVM's Map.of salt
    assertThat(http.get("/api/v1/training-sets").text())
        .startsWith("{\"training_sets\":[],\"total\":0");
  }

  private static void assertError(Http.Binary r, int status, String code, String word) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.header(TrainingDataApi.AS_OF_HEADER)).isNull();
    JsonNode error = r.json().get("error");
    assertThat(error).as(r.text()).isNotNull();
    assertThat(error.get("code").asText()).as(r.text()).isEqualTo(code);
    assertThat(error.get("message").asText()).contains(word).doesNotContain("Exception");
  }
}
