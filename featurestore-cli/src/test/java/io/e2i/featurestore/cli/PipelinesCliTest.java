package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** suggest -> apply -> materialize on the embedded store, the output file used unchanged. */
class PipelinesCliTest {
  @TempDir Path dir;

  @Test
  void suggestApplyMaterialize() throws Exception {
    CliRunner cli = new CliRunner(dir);
    StringBuilder csv = new StringBuilder("hcp_id,ts,trx,channel\n");
    for (int i = 0; i < 400; i++) {
      csv.append("H")
          .append(i % 20)
          .append(",2025-01-")
          .append(String.format("%02d", 1 + i % 28))
          .append(" 10:00:00+00,")
          .append(i % 13)
          .append(',')
          .append(i % 3 == 0 ? "web" : "rep")
          .append('\n');
    }
    Path source = dir.resolve("rx.csv");
    Files.writeString(source, csv);
    String table = "read_csv('" + source + "', header = true)";
    Path yaml = dir.resolve("suggested.yaml");
    CliRunner.Run suggest =
        cli.run(
            "suggest",
            "--source",
            table,
            "--entity",
            "hcp_id",
            "--timestamp",
            "ts",
            "--group",
            "rx",
            "--top",
            "8",
            "-o",
            yaml.toString());
    assertThat(suggest.code()).as(suggest.err()).isZero();
    assertThat(suggest.out()).contains("wrote 8 of");
    assertThat(Files.readString(yaml)).contains("computation_query:");

    CliRunner.Run apply = cli.run("apply", yaml.toString());
    assertThat(apply.code()).as(apply.err()).isZero();
    CliRunner.Run run =
        cli.run(
            "materialize",
            "rx",
            "--start",
            "2025-01-01",
            "--end",
            "2025-02-01",
            "--step",
            "P7D",
            "--no-progress");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("materialized rx").contains("in 5 run(s)");
    try (FeatureStore fs =
        FeatureStores.open(FeatureStoreConfig.embedded(cli.dataDir.toString()))) {
      assertThat(fs.getEntityFeatures(Map.of("hcp_id", "H1"), "rx").features()).isNotEmpty();
      assertThat(fs.materializations("rx", 10)).hasSize(5);
    }
    CliRunner.Run bad = cli.run("materialize", "nope");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("nope");
  }

  /**
   * A file path or unknown table as --source printed only DuckDB's "Parser Error: syntax error".
   */
  @Test
  void suggestNamesASourceItCannotRead() {
    CliRunner cli = new CliRunner(dir);
    CliRunner.Run path =
        cli.run("suggest", "--source", "/nonexistent", "--entity", "id", "--timestamp", "ts");
    assertThat(path.code()).isNotZero();
    assertThat(path.err())
        .contains("'/nonexistent'", "read_csv('/nonexistent')", "no file /nonexistent exists")
        .doesNotContain("Parser Error");
    CliRunner.Run table =
        cli.run("suggest", "--source", "no_such_table", "--entity", "id", "--timestamp", "ts");
    assertThat(table.code()).isNotZero();
    assertThat(table.err()).contains("cannot read source 'no_such_table'", "read_csv(");
  }
}
