package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.pipelines.FeatureSuggester;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a features YAML of candidate windowed aggregations over a source table. */
@Command(
    mixinStandardHelpOptions = true,
    name = "suggest",
    description =
        "Inspects a source table (or a DuckDB table function such as read_csv('f.csv')) and writes"
            + " a features YAML of candidate windowed aggregations, best first; `apply` then"
            + " `materialize` run it unchanged.")
final class SuggestCommand extends BaseCommand {

  @Option(names = "--source", required = true, paramLabel = "TABLE", description = "Source table.")
  String source;

  @Option(names = "--entity", required = true, paramLabel = "COLUMN", description = "Entity key.")
  String entity;

  @Option(
      names = "--timestamp",
      required = true,
      paramLabel = "COLUMN",
      description = "Event time column.")
  String timestamp;

  @Option(
      names = "--label",
      paramLabel = "COLUMN",
      description = "Rank by correlation / mutual information with this column.")
  @Nullable String label;

  @Option(
      names = "--group",
      paramLabel = "NAME",
      description = "Feature group of the output (default: suggested_<source>).")
  @Nullable String group;

  @Option(
      names = "--top",
      defaultValue = "20",
      paramLabel = "N",
      description = "How many candidates to write (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the YAML here (default: standard output).")
  @Nullable Path output;

  @Override
  int execute() {
    if (top <= 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--top must be positive, got " + top);
    }
    String name = group != null ? group : FeatureSuggester.name("suggested_" + source);
    try (FeatureStore fs = openStore()) {
      List<FeatureSuggester.Candidate> all =
          new FeatureSuggester(fs, source, entity, timestamp, label).suggest();
      List<FeatureSuggester.Candidate> best = all.subList(0, Math.min(top, all.size()));
      String yaml = FeatureSuggester.yaml(name, source, best);
      if (output == null) {
        out().print(yaml);
      } else {
        try {
          Files.writeString(output, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        out().printf("wrote %d of %d candidates to %s%n", best.size(), all.size(), output);
      }
    }
    return Main.EXIT_OK;
  }
}
