package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FreshnessReport;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  static final Path FEATURES = Path.of("../examples/features.yaml");
  static final Path HCP_VALUES = Path.of("../examples/hcp_values.csv");

  @TempDir Path dir;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    cli = new CliRunner(dir);
  }

  FeatureStore openStore() {
    return FeatureStores.open(FeatureStoreConfig.embedded(cli.dataDir.toString()));
  }

  static JsonNode json(String text) throws Exception {
    return Views.JSON.readTree(text);
  }

  /** Groups and every feature version, ids included: equal only if nothing changed. */
  List<Object> registry() {
    try (FeatureStore fs = openStore()) {
      List<Object> all = new ArrayList<>();
      for (FeatureGroup g : fs.listFeatureGroups()) {
        all.add(g);
        for (Feature f : fs.listFeatures(g.name())) {
          all.addAll(fs.listFeatureVersions(g.name(), f.name()));
        }
      }
      return all;
    }
  }

  long storedValues() {
    try (FeatureStore fs = openStore()) {
      return fs.freshnessMonitor().stream().mapToLong(FreshnessReport::totalEntities).sum();
    }
  }

  @Test
  void demoRunsTheQuickStartOnAFreshEmbeddedStore() {
    CliRunner.Run r = cli.run("demo");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains("group hcp_demographics: created")
        .contains("group hcp_targeting: created")
        .contains("group brand_performance: created")
        .contains("features: {\"specialty\":\"Oncology\",\"years_in_practice\":12}")
        .contains(
            "to_dict:  {\"hcp_id\":\"HCP123\",\"specialty\":\"Oncology\",\"years_in_practice\":12}")
        .contains("Wrote 2 features")
        .contains("\"freshness_status\":\"fresh\"")
        .contains("brand_affinity_score")
        .contains("market_share");
    // history: the older value and the newer one
    assertThat(r.out())
        .containsPattern("years_in_practice@1 +11 ")
        .containsPattern("years_in_practice@1 +12 ");

    CliRunner.Run again = cli.run("demo");
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("group hcp_demographics: unchanged");
  }

  @Test
  void demoFeaturesAreTheExampleFile() throws Exception {
    try (InputStream in = DemoCommand.class.getResourceAsStream(DemoCommand.FEATURES_RESOURCE)) {
      assertThat(new String(in.readAllBytes())).isEqualTo(Files.readString(FEATURES));
    }
  }

  @Test
  void applyingTheSameFileTwiceChangesNothing() {
    CliRunner.Run first = cli.run("apply", FEATURES.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("applied")
        .contains("11 created, 0 updated, 0 new versions, 0 unchanged");
    List<Object> before = registry();
    assertThat(before).hasSize(11);

    CliRunner.Run second = cli.run("apply", FEATURES.toString());
    assertThat(second.code()).isZero();
    assertThat(second.out()).contains("0 created, 0 updated, 0 new versions, 11 unchanged");
    assertThat(registry()).isEqualTo(before);
  }

  @Test
  void applyReportsNewVersionsAndUpdates() throws Exception {
    cli.run("apply", FEATURES.toString());
    String changed =
        Files.readString(FEATURES)
            .replace(
                "value_type: int64\n        entity_keys: [hcp_id]\n        description: Number",
                "value_type: float64\n        entity_keys: [hcp_id]\n        description: Number")
            .replace("Primary medical specialty of HCP", "Primary specialty")
            .replace("max_age_hours: 720", "max_age_hours: 700");
    Path file = dir.resolve("changed.yaml");
    Files.writeString(file, changed);

    CliRunner.Run dry = cli.run("apply", "--dry-run", file.toString());
    assertThat(dry.out())
        .contains("feature years_in_practice: new version 2")
        .contains("would apply");
    CliRunner.Run r = cli.run("apply", file.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("feature years_in_practice: new version 2 (float64)")
        .contains("feature specialty: updated (v1, string)")
        .contains("group hcp_demographics: updated")
        .contains("0 created, 2 updated, 1 new versions, 8 unchanged");
    try (FeatureStore fs = openStore()) {
      assertThat(fs.listFeatureVersions("hcp_demographics", "years_in_practice")).hasSize(2);
      assertThat(fs.getFeatureGroup("hcp_demographics").orElseThrow().maxAgeHours()).isEqualTo(700);
    }
  }

  @Test
  void ingestCsvThenGetShowsTheLatestValues() throws Exception {
    cli.run("apply", FEATURES.toString());
    CliRunner.Run r = cli.run("ingest", HCP_VALUES.toString(), "--group", "hcp_demographics");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("ingested 5 rows (9 values)");
    assertThat(r.err()).contains("writing").contains("100%");

    CliRunner.Run get =
        cli.run("get", "--group", "hcp_demographics", "--entity", "hcp_id=HCP123", "--json");
    assertThat(get.code()).as(get.err()).isZero();
    JsonNode j = json(get.out());
    assertThat(j.at("/features/specialty").asText()).isEqualTo("Oncology");
    assertThat(j.at("/features/years_in_practice").asLong()).isEqualTo(12);
    assertThat(j.at("/metadata/years_in_practice/event_timestamp").asText())
        .isEqualTo("2025-12-18T09:00:00Z");

    // an empty cell writes nothing
    JsonNode sparse =
        json(
            cli.run("get", "--group", "hcp_demographics", "--entity", "hcp_id=HCP790", "--json")
                .out());
    assertThat(sparse.at("/features/specialty").asText()).isEqualTo("Dermatology");
    assertThat(sparse.at("/features").has("years_in_practice")).isFalse();

    CliRunner.Run text = cli.run("get", "--group", "hcp_demographics", "--entity", "hcp_id=HCP456");
    assertThat(text.out())
        .containsPattern("specialty +Cardiology")
        .containsPattern("years_in_practice +15");

    CliRunner.Run history =
        cli.run("history", "--entity", "hcp_id=HCP123", "--feature", "years_in_practice", "--json");
    JsonNode h = json(history.out());
    assertThat(h).hasSize(2);
    assertThat(h.get(0).get("value").asLong()).isEqualTo(11);
    assertThat(h.get(1).get("value").asLong()).isEqualTo(12);

    CliRunner.Run ranged =
        cli.run(
            "history",
            "--entity",
            "hcp_id=HCP123",
            "--feature",
            "hcp_demographics:years_in_practice",
            "--start",
            "2025-12-10",
            "--end",
            "2025-12-31T00:00:00Z");
    assertThat(ranged.out()).contains("2025-12-18T09:00:00Z").doesNotContain("2025-12-01");
  }

  @Test
  void ingestInSeveralBatchesWritesEverything() {
    cli.run("apply", FEATURES.toString());
    CliRunner.Run r =
        cli.run(
            "ingest",
            "../examples/hcp_targeting.csv",
            "--group",
            "hcp_targeting",
            "--batch-size",
            "2",
            "--no-progress");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("ingested 3 rows (9 values)").contains("3 batch(es)");
    assertThat(r.err()).isEmpty();
    CliRunner.Run get =
        cli.run(
            "get",
            "--group",
            "hcp_targeting",
            "--entity",
            "hcp_id=HCP123,brand_id=BRAND_B",
            "--no-cache");
    assertThat(get.out()).containsPattern("brand_affinity_score +0.31");
  }

  @Test
  void ingestParquetWithTypedColumns() throws Exception {
    cli.run("apply", FEATURES.toString());
    Path parquet = dir.resolve("perf.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement()) {
      st.execute(
          "COPY (SELECT * FROM (VALUES"
              + " ('BRAND_A', 'US-NE', TIMESTAMPTZ '2025-12-18 09:00:00+00', 1250::BIGINT, 0.23::DOUBLE),"
              + " ('BRAND_A', 'US-SW', TIMESTAMPTZ '2025-12-18 09:00:00+00', 800::INTEGER, 0.11::DOUBLE),"
              + " ('BRAND_B', 'US-NE', TIMESTAMPTZ '2025-12-17 09:00:00+00', 90::BIGINT, NULL))"
              + " t(brand_id, geography_id, event_timestamp, total_nrx_30d, market_share))"
              + " TO '"
              + parquet
              + "' (FORMAT parquet)");
    }

    CliRunner.Run r = cli.run("ingest", parquet.toString(), "--group", "brand_performance");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("ingested 3 rows (5 values)");
    JsonNode j =
        json(
            cli.run(
                    "get",
                    "--group",
                    "brand_performance",
                    "--entity",
                    "brand_id=BRAND_A",
                    "--entity",
                    "geography_id=US-NE",
                    "--json")
                .out());
    assertThat(j.at("/features/total_nrx_30d").asLong()).isEqualTo(1250);
    assertThat(j.at("/features/market_share").asDouble()).isEqualTo(0.23);
    assertThat(j.at("/metadata/market_share/event_timestamp").asText())
        .isEqualTo("2025-12-18T09:00:00Z");
  }

  @Test
  void statsAndListings() {
    cli.run("apply", FEATURES.toString());
    cli.run("ingest", HCP_VALUES.toString(), "--group", "hcp_demographics", "--no-progress");

    CliRunner.Run stats = cli.run("stats", "hcp_demographics", "years_in_practice");
    assertThat(stats.code()).as(stats.err()).isZero();
    assertThat(stats.out()).contains("count     4").contains("max       15.0");
    assertThat(cli.run("groups").out()).containsPattern("hcp_demographics +2 +168 +720");
    assertThat(cli.run("features", "hcp_targeting").out())
        .containsPattern("brand_affinity_score +1 +float64 +brand_id,hcp_id");
    CliRunner.Run fresh = cli.run("freshness", "--update");
    assertThat(fresh.code()).as(fresh.err()).isZero();
    assertThat(fresh.out())
        .contains("updated freshness status of")
        .containsPattern("hcp_demographics +specialty +1 +4 ");
  }

  @Test
  void migrateOnTheEmbeddedStoreHasNothingToDo() {
    CliRunner.Run r = cli.run("migrate");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("needs no migrations");
  }

  @Test
  void verboseShowsTheStackTrace() {
    CliRunner.Run quiet = cli.run("get", "--group", "nope", "--entity", "hcp_id=1");
    assertThat(quiet.err()).doesNotContain("\tat ");
    CliRunner.Run verbose = cli.run("get", "--group", "nope", "--entity", "hcp_id=1", "--verbose");
    assertThat(verbose.code()).isEqualTo(2);
    assertThat(verbose.err()).startsWith("error: feature group 'nope' not found").contains("\tat ");
  }

  @Test
  void configComesFromFileThenEnvironmentThenFlagsAndHidesSecrets() throws Exception {
    Path config = dir.resolve("fs.yaml");
    Files.writeString(
        config,
        "offline_url: embedded:/from/file\ncache_ttl_seconds: 60\noptions:\n  prepare_threshold: 0\n");
    cli.env.remove("FS_OFFLINE_URL");

    assertThat(cli.run("config", "--config", config.toString()).out())
        .contains("offline_url: embedded:/from/file")
        .contains("cache_ttl_seconds: 60")
        .contains("prepare_threshold: 0");
    cli.env.put("FS_OFFLINE_URL", "postgresql://app:s3cret@db.example:5432/fs");
    cli.env.put("FS_CACHE_TTL_SECONDS", "120");
    CliRunner.Run env = cli.run("config", "--config", config.toString());
    assertThat(env.out())
        .contains("offline_url: postgresql://app:***@db.example:5432/fs")
        .contains("cache_ttl_seconds: 120")
        .doesNotContain("s3cret");
    assertThat(
            cli.run(
                    "config",
                    "--config",
                    config.toString(),
                    "--offline-url",
                    "embedded:/flag",
                    "--cache-ttl-seconds",
                    "5")
                .out())
        .contains("offline_url: embedded:/flag")
        .contains("cache_ttl_seconds: 5");
    assertThat(cli.run("config").out())
        .contains("online_url: memory")
        .contains("tracking_uri: none");

    Files.writeString(config, "offline_ur1: embedded:/typo\n");
    CliRunner.Run typo = cli.run("config", "--config", config.toString());
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.errLines()).singleElement().asString().contains("unknown key 'offline_ur1'");
  }

  @Test
  void unreachableServerExitsWithThree() {
    CliRunner.Run r =
        cli.run(
            "get",
            "--server",
            "http://127.0.0.1:1",
            "--group",
            "hcp_demographics",
            "--entity",
            "hcp_id=HCP123");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .startsWith("error: server http://127.0.0.1:1 is unreachable");
  }

  @Test
  void usageErrorsAreOneLine() {
    CliRunner.Run r = cli.run("get", "--group", "g", "--entity", "hcp_id=1", "--bogus");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .startsWith("error: Unknown option: '--bogus'");
    CliRunner.Run help = cli.run("ingest", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--timestamp-column").contains("--offline-url");
    CliRunner.Run none = cli.run();
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.errLines()).hasSize(1);
  }

  /** The command list shows each command's first description line: a whole sentence each. */
  @Test
  void theCommandListShowsWholeSummaries() {
    CliRunner.Run help = cli.run("--help");
    assertThat(help.code()).isZero();
    String text = help.out().replaceAll("\\s+", " ");
    assertThat(text)
        .contains("keys Creates, lists and revokes API keys. audit")
        .contains("API key use aggregated per flush. help");
  }

  static Map<String, String> env(String k, String v) {
    return Map.of(k, v);
  }
}
