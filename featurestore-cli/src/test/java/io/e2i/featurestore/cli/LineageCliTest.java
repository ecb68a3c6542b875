package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lineage} and {@code tag-run} on an embedded store (issue 14). */
class LineageCliTest {
  @TempDir Path dir;
  CliRunner cli;

  @BeforeEach
  void setUp() throws Exception {
    cli = new CliRunner(dir);
    assertThat(cli.run("apply", CliTest.FEATURES.toString()).code()).isZero();
    Path spine = dir.resolve("spine.csv");
    Files.writeString(spine, "hcp_id,event_timestamp\nHCP123,2025-12-10T00:00:00Z\n");
    CliRunner.Run saved =
        cli.run(
            "training-data",
            "--feature",
            "hcp_demographics:specialty",
            "--spine",
            spine.toString(),
            "--save-as",
            "churn",
            "--output",
            dir.resolve("out.csv").toString());
    assertThat(saved.code()).as(saved.err()).isZero();
  }

  @Test
  void theImpactQuestionFromTheCommandLine() throws Exception {
    CliRunner.Run tagged = cli.run("tag-run", "churn", "0123abcd");
    assertThat(tagged.code()).as(tagged.err()).isZero();
    assertThat(tagged.out()).contains("tagged training set churn with run 0123abcd");

    CliRunner.Run r =
        cli.run("lineage", "hcp_demographics:specialty@1", "--direction", "downstream");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("lineage of feature:hcp_demographics:specialty@1 (downstream): 3 nodes, 2 edges")
        .contains("training set (1): churn")
        .contains("run (1):")
        .contains("training_set:churn -trained-> run:0123abcd");

    JsonNode json =
        CliTest.json(cli.run("lineage", "run:0123abcd", "--json", "--depth", "10").out());
    assertThat(json.get("nodes").toString())
        .contains("table:hcps", "feature:hcp_demographics:specialty@1");
  }

  @Test
  void badNodesAndDirectionsAreUsageErrors() {
    CliRunner.Run unknown = cli.run("lineage", "hcp_demographics:nope@1");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("nope");
    CliRunner.Run sideways = cli.run("lineage", "hcp_demographics:specialty", "--direction", "up");
    assertThat(sideways.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(sideways.err()).contains("upstream, downstream or both");
    assertThat(cli.run("tag-run", "ghost", "r1").err()).contains("ghost");
  }
}
