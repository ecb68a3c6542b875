package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code featurestore validate GROUP}: constraints from YAML apply, a report from the store. */
class ValidateCliTest {
  @TempDir Path dir;
  CliRunner cli;

  @BeforeEach
  void setUp() throws Exception {
    cli = new CliRunner(dir);
    Path file = dir.resolve("features.yaml");
    Files.writeString(
        file,
        """
        groups:
          - name: hcp
            validation: warn
            features:
              - name: visits
                value_type: int64
                entity_keys: [hcp_id]
                constraints: {min: 0, max: 100}
        """);
    CliRunner.Run apply = cli.run("apply", file.toString());
    assertThat(apply.code()).as(apply.err()).isZero();
    try (FeatureStore fs =
        FeatureStores.open(FeatureStoreConfig.embedded(cli.dataDir.toString()))) {
      Instant t = Instant.parse("2025-03-01T00:00:00Z");
      fs.writeFeatureValue("visits", Map.of("hcp_id", "H1"), 50, t, "hcp");
      fs.writeFeatureValue("visits", Map.of("hcp_id", "H2"), 150, t, "hcp");
      fs.writeFeatureValue(
          "visits", Map.of("hcp_id", "H3"), 250, t.plusSeconds(86_400 * 30), "hcp");
    }
  }

  @Test
  void reportsViolationsPerConstraintWithExamples() throws Exception {
    CliRunner.Run r = cli.run("validate", "hcp", "--end", "2025-03-02T00:00:00Z", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertThat(report.at("/features/0/checked").asLong()).isEqualTo(2);
    assertThat(report.at("/features/0/rules/1/constraint").asText()).isEqualTo("max");
    assertThat(report.at("/features/0/rules/1/violations").asLong()).isEqualTo(1);
    assertThat(report.at("/features/0/rules/1/examples/0/hcp_id").asText()).isEqualTo("H2");

    CliRunner.Run table = cli.run("validate", "hcp", "--fail-on-violations");
    assertThat(table.code()).isEqualTo(ValidateCommand.EXIT_VIOLATIONS);
    assertThat(table.out()).contains("hcp: 2 violations").contains("visits").contains("max");
  }
}
