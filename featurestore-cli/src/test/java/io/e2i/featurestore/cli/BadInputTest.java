package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FreshnessReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input ends in one line naming what is wrong, a non-zero exit code, no stack
 * trace, and nothing written. Bad rows come after good ones, so a partial write would show.
 */
class BadInputTest {
  @TempDir Path dir;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    cli = new CliRunner(dir);
    assertThat(cli.run("apply", CliTest.FEATURES.toString()).code()).isZero();
  }

  static final String HEADER = "hcp_id,event_timestamp,specialty,years_in_practice\n";
  static final String GOOD =
      "HCP1,2025-12-18T09:00:00Z,Oncology,12\nHCP2,2025-12-18T09:00:00Z,Cardiology,3\n";

  /** name, file name, file content (null: none), expected message part, arguments ({file}). */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "unknown group",
            "v.csv",
            HEADER + GOOD,
            "feature group 'nope' not found",
            List.of("ingest", "{file}", "--group", "nope")),
        Arguments.of(
            "unknown feature column",
            "v.csv",
            "hcp_id,event_timestamp,specialty,favourite_colour\nHCP1,2025-12-18T09:00:00Z,Oncology,blue\n",
            "column 'favourite_colour' is not a feature of group 'hcp_demographics'",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "wrong type cell",
            "v.csv",
            HEADER + GOOD + "HCP3,2025-12-18T09:00:00Z,Oncology,twelve\n",
            "v.csv row 3: column 'years_in_practice' (int64) for entity {\"hcp_id\":\"HCP3\"}: 'twelve' is not an int64",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "wrong type cell after several full batches",
            "v.csv",
            HEADER + GOOD + GOOD.replace("HCP", "HCQ") + "HCP3,2025-12-18T09:00:00Z,Oncology,1.5\n",
            "v.csv row 5: column 'years_in_practice' (int64)",
            List.of("ingest", "{file}", "--group", "hcp_demographics", "--batch-size", "1")),
        Arguments.of(
            "malformed timestamp",
            "v.csv",
            HEADER + GOOD + "HCP3,yesterday,Oncology,1\n",
            "v.csv row 3: malformed timestamp 'yesterday' in column 'event_timestamp'",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "impossible date",
            "v.csv",
            HEADER + GOOD + "HCP3,2025-13-45T00:00:00Z,Oncology,1\n",
            "malformed timestamp '2025-13-45T00:00:00Z'",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "missing timestamp column",
            "v.csv",
            "hcp_id,specialty\nHCP1,Oncology\n",
            "has no timestamp column 'event_timestamp'",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "missing entity key column",
            "t.csv",
            "hcp_id,event_timestamp,total_trx_30d,brand_affinity_score\nHCP1,2025-12-18T09:00:00Z,4,0.5\n",
            "missing entity key column 'brand_id' that feature 'brand_affinity_score' needs",
            List.of("ingest", "{file}", "--group", "hcp_targeting")),
        Arguments.of(
            "missing entity key column named by flag",
            "v.csv",
            HEADER + GOOD,
            "missing entity key column 'npi'",
            List.of(
                "ingest", "{file}", "--group", "hcp_demographics", "--entity-keys", "hcp_id,npi")),
        Arguments.of(
            "empty entity key",
            "v.csv",
            HEADER + GOOD + ",2025-12-18T09:00:00Z,Oncology,1\n",
            "v.csv row 3: entity key 'hcp_id' is empty",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "unsupported file type",
            "v.json",
            "{}",
            "expected a .csv, .tsv or .parquet file",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "missing file",
            null,
            null,
            "not found",
            List.of("ingest", "{file}", "--group", "hcp_demographics")),
        Arguments.of(
            "get: unknown group",
            null,
            null,
            "feature group 'nope' not found",
            List.of("get", "--group", "nope", "--entity", "hcp_id=HCP1")),
        Arguments.of(
            "get: unknown feature",
            null,
            null,
            "feature 'hcp_demographics:shoe_size' not found",
            List.of(
                "get",
                "--group",
                "hcp_demographics",
                "--entity",
                "hcp_id=HCP1",
                "--feature",
                "shoe_size")),
        Arguments.of(
            "get: wrong entity key",
            null,
            null,
            "no feature of group 'hcp_demographics' takes entity keys [brand_id]",
            List.of("get", "--group", "hcp_demographics", "--entity", "brand_id=B1")),
        Arguments.of(
            "get: --entity without '='",
            null,
            null,
            "Value for option '--entity' (KEY=VALUE) should be in KEY=VALUE",
            List.of("get", "--group", "hcp_demographics", "--entity", "HCP1")),
        Arguments.of(
            "get: malformed --as-of",
            null,
            null,
            "--as-of: malformed timestamp 'noon'",
            List.of(
                "get",
                "--group",
                "hcp_demographics",
                "--entity",
                "hcp_id=HCP1",
                "--as-of",
                "noon")),
        Arguments.of(
            "history: --start past year 9999",
            null,
            null,
            "'--start': timestamp +999999999-12-31T23:59:59Z is out of range: years 0000 to 9999",
            List.of(
                "history",
                "--entity",
                "hcp_id=HCP1",
                "--feature",
                "specialty",
                "--start",
                "+999999999-12-31T23:59:59Z")),
        Arguments.of(
            "history: --end before year 0000",
            null,
            null,
            "'--end': timestamp -999999999-01-01T00:00:00Z is out of range: years 0000 to 9999",
            List.of(
                "history",
                "--entity",
                "hcp_id=HCP1",
                "--feature",
                "specialty",
                "--end",
                "-999999999-01-01T00:00:00Z")),
        Arguments.of(
            "history: an age past any time",
            null,
            null,
            "--start: malformed timestamp '-99999999999999999999d'",
            List.of(
                "history",
                "--entity",
                "hcp_id=HCP1",
                "--feature",
                "specialty",
                "--start",
                "-99999999999999999999d")),
        Arguments.of(
            "get: --as-of before year 0000",
            null,
            null,
            "'--as-of': timestamp -999999999-01-01T00:00:00Z is out of range",
            List.of(
                "get",
                "--group",
                "hcp_demographics",
                "--entity",
                "hcp_id=HCP1",
                "--as-of",
                "-999999999-01-01T00:00:00Z")),
        Arguments.of(
            "validate: --start before year 0000",
            null,
            null,
            "'--start': timestamp -999999999-01-01T00:00:00Z is out of range",
            List.of("validate", "hcp_demographics", "--start", "-999999999-01-01T00:00:00Z")),
        Arguments.of(
            "training-data: --as-of before year 0000",
            "s.csv",
            "hcp_id,event_timestamp\nHCP1,2025-12-18T09:00:00Z\n",
            "'--as-of': timestamp -999999999-01-01T00:00:00Z is out of range",
            List.of(
                "training-data",
                "--feature",
                "hcp_demographics:specialty",
                "--spine",
                "{file}",
                "--as-of",
                "-999999999-01-01T00:00:00Z")),
        Arguments.of(
            "history: missing entity key",
            null,
            null,
            "missing entity key hcp_id",
            List.of("history", "--entity", "brand_id=B1", "--feature", "specialty")),
        Arguments.of(
            "history: unknown feature",
            null,
            null,
            "feature 'shoe_size' not found in any group",
            List.of("history", "--entity", "hcp_id=HCP1", "--feature", "shoe_size")),
        Arguments.of(
            "stats: unknown feature",
            null,
            null,
            "feature 'shoe_size' not found in group 'hcp_demographics'",
            List.of("stats", "hcp_demographics", "shoe_size")),
        Arguments.of(
            "apply: unknown value type",
            "f.yaml",
            "groups:\n  - name: g1\n    features:\n      - name: f1\n        value_type: int64\n        entity_keys: [k]\n"
                + "  - name: g2\n    features:\n      - name: f2\n        value_type: decimal\n        entity_keys: [k]\n",
            "group 'g2' feature 'f2': unknown value_type 'decimal'",
            List.of("apply", "{file}")),
        Arguments.of(
            "apply: typo in a key",
            "f.yaml",
            "groups:\n  - name: g1\n    max_age_hour: 3\n",
            "group 'g1': unknown key 'max_age_hour'",
            List.of("apply", "{file}")),
        Arguments.of(
            "apply: not YAML",
            "f.yaml",
            "groups: [unclosed\n",
            "is not valid YAML",
            List.of("apply", "{file}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void oneLineNonZeroExitNothingWritten(
      String name, String fileName, String content, String expected, List<String> args)
      throws Exception {
    Path file = dir.resolve(fileName == null ? "absent.csv" : fileName);
    if (content != null) {
      Files.writeString(file, content);
    }
    List<String> registryBefore = registry();

    CliRunner.Run r =
        cli.run(
            args.stream().map(a -> a.replace("{file}", file.toString())).toArray(String[]::new));

    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.errLines()).as(r.err()).hasSize(1);
    assertThat(r.errLines().getFirst()).startsWith("error: ").contains(expected);
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(storedValues()).isZero();
    assertThat(registry()).isEqualTo(registryBefore);
  }

  private long storedValues() {
    try (FeatureStore fs = open()) {
      return fs.freshnessMonitor().stream().mapToLong(FreshnessReport::totalEntities).sum();
    }
  }

  private List<String> registry() {
    try (FeatureStore fs = open()) {
      return fs.listFeatureGroups().stream()
          .flatMap(
              g ->
                  Stream.concat(
                      Stream.of(g.toString()),
                      fs.listFeatures(g.name()).stream().map(Object::toString)))
          .toList();
    }
  }

  private FeatureStore open() {
    return FeatureStores.open(FeatureStoreConfig.embedded(cli.dataDir.toString()));
  }
}
