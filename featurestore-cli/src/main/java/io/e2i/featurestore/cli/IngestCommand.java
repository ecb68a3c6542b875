package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    mixinStandardHelpOptions = true,
    name = "ingest",
    description = {
      "Writes a CSV or Parquet file of feature values into a feature group.",
      "Columns: entity keys, an event timestamp and features. Every cell is checked before",
      "anything is written; empty cells are skipped."
    })
final class IngestCommand extends BaseCommand {

  @Parameters(paramLabel = "FILE", description = ".csv, .tsv or .parquet")
  Path file;

  @Option(names = "--group", required = true, paramLabel = "GROUP", description = "Feature group.")
  String group;

  @Option(
      names = "--entity-keys",
      split = ",",
      paramLabel = "COLUMN",
      description = "Entity key columns (default: the group's entity keys found in the file).")
  List<String> entityKeys = new ArrayList<>();

  @Option(
      names = "--timestamp-column",
      defaultValue = "event_timestamp",
      paramLabel = "COLUMN",
      description = "Event time column (default: ${DEFAULT-VALUE}).")
  String timestampColumn;

  @Option(
      names = "--batch-size",
      defaultValue = "50000",
      paramLabel = "N",
      description = "Values per write transaction (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--dry-run", description = "Check the file, write nothing.")
  boolean dryRun;

  @Option(names = "--no-progress", description = "Draw no progress bar.")
  boolean noProgress;

  @Override
  int execute() {
    if (batchSize <= 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--batch-size must be positive, got " + batchSize);
    }
    long started = System.nanoTime();
    try (FeatureStore fs = openStore()) {
      Ingester.Result r =
          new Ingester(
                  fs,
                  group,
                  entityKeys,
                  timestampColumn,
                  batchSize,
                  new Ingester.ProgressOut(err(), !noProgress))
              .ingest(file, dryRun);
      double seconds = (System.nanoTime() - started) / 1e9;
      out()
          .printf(
              "%s %,d rows (%,d values) from %s into %s%s in %.1f s%n",
              dryRun ? "checked" : "ingested",
              r.rows(),
              r.values(),
              file,
              group,
              dryRun ? ", wrote nothing (dry run)" : ", " + r.batches() + " batch(es)",
              seconds);
    }
    return Main.EXIT_OK;
  }
}
