package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code training-data} and {@code training-sets} on an embedded store. */
class TrainingDataCliTest {
  static final String F1 = "hcp_demographics:specialty";
  static final String F2 = "hcp_demographics:years_in_practice";

  @TempDir Path dir;
  CliRunner cli;
  Path spine;

  @BeforeEach
  void setUp() throws Exception {
    cli = new CliRunner(dir);
    assertThat(cli.run("apply", CliTest.FEATURES.toString()).code()).isZero();
    CliRunner.Run ingest =
        cli.run(
            "ingest",
            CliTest.HCP_VALUES.toString(),
            "--group",
            "hcp_demographics",
            "--no-progress");
    assertThat(ingest.code()).as(ingest.err()).isZero();
    spine = dir.resolve("spine.csv");
    // Out of time order; HCP789's value is 45 days old at its row, past the 30-day max age.
    Files.writeString(
        spine,
        """
        hcp_id,event_timestamp,label
        HCP123,2025-12-10T00:00:00Z,1
        HCP123,2025-12-20T00:00:00Z,0
        HCP456,2025-12-01T00:00:00Z,1
        HCP789,2026-02-01T00:00:00Z,0
        """);
  }

  static final String EXPECTED_CSV =
      """
      hcp_id,event_timestamp,label,specialty,years_in_practice
      HCP123,2025-12-10T00:00:00Z,1,Oncology,11
      HCP123,2025-12-20T00:00:00Z,0,Oncology,12
      HCP456,2025-12-01T00:00:00Z,1,,
      HCP789,2026-02-01T00:00:00Z,0,,
      """;

  @Test
  void csvFileFromACsvSpine() throws Exception {
    Path out = dir.resolve("train.csv");
    CliRunner.Run r =
        cli.run(
            "training-data",
            "--feature",
            F1,
            "--feature",
            F2,
            "--spine",
            spine.toString(),
            "--output",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(Files.readString(out)).isEqualTo(EXPECTED_CSV);
    assertThat(r.out())
        .startsWith("wrote 4 rows to " + out)
        .contains("hcp_demographics:specialty@1, hcp_demographics:years_in_practice@1")
        .contains("as of 20");
    // No temporary file is left behind.
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
  }

  @Test
  void jsonOnStdoutByDefaultWithTheSummaryOnStderr() throws Exception {
    CliRunner.Run r =
        cli.run("training-data", "--feature", F1 + "," + F2, "--spine", spine.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode body = CliTest.json(r.out());
    assertThat(body.get("row_count").asInt()).isEqualTo(4);
    assertThat(body.get("rows").get(0).toString())
        .isEqualTo(
            "{\"hcp_id\":\"HCP123\",\"event_timestamp\":\"2025-12-10T00:00:00Z\",\"label\":1,"
                + "\"specialty\":\"Oncology\",\"years_in_practice\":11}");
    assertThat(r.err()).startsWith("wrote 4 rows to stdout");

    CliRunner.Run csv =
        cli.run(
            "training-data",
            "--feature",
            F1 + "," + F2,
            "--spine",
            spine.toString(),
            "--format",
            "csv");
    assertThat(csv.out()).isEqualTo(EXPECTED_CSV);
  }

  @Test
  void savedSetsRerunByteIdenticalAfterLateData() throws Exception {
    Path parquet = dir.resolve("train.parquet");
    Path csv = dir.resolve("train.csv");
    CliRunner.Run saved =
        cli.run(
            "training-data",
            "--feature",
            F1,
            "--feature",
            F2,
            "--spine",
            spine.toString(),
            "--save-as",
            "hcp_v1",
            "--output",
            parquet.toString());
    assertThat(saved.code()).as(saved.err()).isZero();
    assertThat(saved.out()).contains("saved as 'hcp_v1'");
    assertThat(cli.run("training-data", "--rerun", "hcp_v1", "--output", csv.toString()).code())
        .isZero();
    byte[] parquetBefore = Files.readAllBytes(parquet);
    byte[] csvBefore = Files.readAllBytes(csv);
    assertThat(new String(csvBefore)).isEqualTo(EXPECTED_CSV);
    Thread.sleep(5);

    // Late data: a value for HCP123 before its first spine row, written after the set was saved.
    Path late = dir.resolve("late.csv");
    Files.writeString(
        late, "hcp_id,event_timestamp,specialty\nHCP123,2025-12-05T00:00:00Z,Neurology\n");
    assertThat(
            cli.run("ingest", late.toString(), "--group", "hcp_demographics", "--no-progress")
                .code())
        .isZero();

    Path parquet2 = dir.resolve("again.parquet");
    Path csv2 = dir.resolve("again.csv");
    CliRunner.Run rerun =
        cli.run("training-data", "--rerun", "hcp_v1", "--output", parquet2.toString());
    assertThat(rerun.code()).as(rerun.err()).isZero();
    assertThat(rerun.out()).contains("re-ran 'hcp_v1'");
    assertThat(cli.run("training-data", "--rerun", "hcp_v1", "-o", csv2.toString()).code())
        .isZero();
    assertThat(Files.readAllBytes(parquet2)).isEqualTo(parquetBefore);
    assertThat(Files.readAllBytes(csv2)).isEqualTo(csvBefore);

    // Without the saved as-of, the late value shows.
    CliRunner.Run fresh =
        cli.run("training-data", "--feature", F1, "--spine", spine.toString(), "--format", "csv");
    assertThat(fresh.out()).contains("HCP123,2025-12-10T00:00:00Z,1,Neurology");

    CliRunner.Run list = cli.run("training-sets");
    assertThat(list.code()).isZero();
    assertThat(list.out())
        .containsPattern(
            "hcp_v1 +hcp_demographics:specialty@1,hcp_demographics:years_in_practice@1 +20\\S+"
                + " +file \\S*spine.csv");
    JsonNode json = CliTest.json(cli.run("training-sets", "--json").out());
    assertThat(json.get("training_sets").get(0).get("name").asText()).isEqualTo("hcp_v1");
  }

  @Test
  void sqlSpineAndAsOfBeforeTheData() throws Exception {
    String sql =
        "SELECT * FROM (VALUES ('HCP456', TIMESTAMPTZ '2025-12-19 00:00:00+00'))"
            + " t(hcp_id, ts)";
    CliRunner.Run r =
        cli.run(
            "training-data",
            "--feature",
            F1,
            "--spine-sql",
            sql,
            "--timestamp-column",
            "ts",
            "--format",
            "csv");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("hcp_id,ts,specialty\nHCP456,2025-12-19T00:00:00Z,Cardiology\n");
    // As of a time before anything was ingested: nothing.
    CliRunner.Run before =
        cli.run(
            "training-data",
            "--feature",
            F1,
            "--spine-sql",
            sql,
            "--timestamp-column",
            "ts",
            "--format",
            "csv",
            "--as-of",
            "2020-01-01");
    assertThat(before.out()).isEqualTo("hcp_id,ts,specialty\nHCP456,2025-12-19T00:00:00Z,\n");
    // A future as-of is pinned to now, so the saved set stays reproducible.
    CliRunner.Run future =
        cli.run(
            "training-data",
            "--feature",
            F1,
            "--spine-sql",
            sql,
            "--timestamp-column",
            "ts",
            "--format",
            "csv",
            "--as-of",
            "2099-01-01",
            "--save-as",
            "later");
    assertThat(future.code()).as(future.err()).isZero();
    assertThat(future.err()).doesNotContain("2099").contains("as of 20");
    assertThat(cli.run("training-sets").out()).doesNotContain("2099");
    assertThat(cli.run("training-data", "--rerun", "later", "--format", "csv").out())
        .isEqualTo(future.out());
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(List.of("training-data", "--spine", "{spine}"), "--feature"),
        Arguments.of(List.of("training-data", "--feature", F1), "exactly one spine"),
        Arguments.of(
            List.of("training-data", "--feature", F1, "--spine", "{spine}", "--spine-sql", "x"),
            "exactly one spine"),
        Arguments.of(
            List.of("training-data", "--feature", F1, "--spine", "{dir}/nope.csv"), "no such file"),
        Arguments.of(
            List.of("training-data", "--feature", F1, "--spine", "{dir}/spine.txt"),
            ".csv or .parquet"),
        Arguments.of(
            List.of("training-data", "--feature", "hcp_demographics:nope", "--spine", "{spine}"),
            "nope"),
        Arguments.of(
            List.of("training-data", "--feature", F1, "--spine", "{spine}", "--as-of", "someday"),
            "--as-of: malformed timestamp 'someday'"),
        Arguments.of(
            List.of(
                "training-data", "--feature", F1, "--spine", "{spine}", "--timestamp-column", "ts"),
            "no timestamp column 'ts'"),
        Arguments.of(
            List.of(
                "training-data",
                "--feature",
                "hcp_targeting:total_trx_30d",
                "--spine-sql",
                "SELECT TIMESTAMPTZ '2025-12-01 00:00:00+00' AS event_timestamp"),
            "entity key column 'hcp_id'"),
        Arguments.of(
            List.of("training-data", "--feature", F1, "--spine", "{spine}", "--format", "parquet"),
            "--output"),
        Arguments.of(
            List.of("training-data", "--feature", F1, "--spine", "{spine}", "-o", "{dir}/out.txt"),
            "--format"),
        Arguments.of(
            List.of("training-data", "--feature", F1, "--spine", "{spine}", "--format", "xlsx"),
            "xlsx"),
        Arguments.of(
            List.of(
                "training-data", "--feature", F1, "--spine", "{spine}", "--save-as", "bad name"),
            "bad name"),
        Arguments.of(List.of("training-data", "--rerun", "nope"), "training set 'nope' not found"),
        Arguments.of(List.of("training-data", "--rerun", "x", "--feature", F1), "--rerun takes"));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void mistakesAreOneLineWithExitTwoAndWriteNothing(List<String> args, String message)
      throws Exception {
    Path out = dir.resolve("out.csv");
    List<String> argv = new ArrayList<>();
    for (String a : args) {
      argv.add(a.replace("{spine}", spine.toString()).replace("{dir}", dir.toString()));
    }
    if (!argv.contains("-o") && !argv.contains("--format") && !argv.contains("--rerun")) {
      argv.addAll(List.of("--output", out.toString()));
    }
    Files.writeString(dir.resolve("spine.txt"), "x");
    CliRunner.Run r = cli.run(argv.toArray(String[]::new));
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines().getFirst()).startsWith("error: ").contains(message);
    assertThat(out).doesNotExist();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
    assertThat(cli.run("training-sets").out()).contains("no saved training sets");
  }
}
