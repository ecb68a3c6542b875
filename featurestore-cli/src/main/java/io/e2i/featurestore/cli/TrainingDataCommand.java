package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.io.TrainingDataFormat;
import io.e2i.featurestore.io.TrainingDataWriter;
import io.e2i.featurestore.spi.PitQuery;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    mixinStandardHelpOptions = true,
    name = "training-data",
    description = {
      "Builds a point-in-time correct training set: for each spine row (entity keys + timestamp),"
          + " each feature's latest value at or before the row's time, none past the group's max"
          + " age. Rows keep their order and extra columns.",
      "",
      "  training-data --feature g:f1,g:f2 --spine s.parquet -o t.parquet --save-as v1",
      "  training-data --rerun v1 -o t.parquet",
      ""
    })
final class TrainingDataCommand extends BaseCommand {

  @Option(
      names = "--feature",
      split = ",",
      paramLabel = "REF",
      description = "group:feature or group:feature@version; repeatable or comma-separated.")
  List<String> features = new ArrayList<>();

  @Option(
      names = "--spine",
      paramLabel = "FILE",
      description = "Spine file, .csv or .parquet: entity key columns, a timestamp column, extras.")
  @Nullable Path spine;

  @Option(
      names = "--spine-sql",
      paramLabel = "SQL",
      description = "Spine as a SQL query run on the offline store.")
  @Nullable String spineSql;

  @Option(
      names = "--timestamp-column",
      paramLabel = "NAME",
      defaultValue = "event_timestamp",
      description = "The spine's timestamp column (default: ${DEFAULT-VALUE}).")
  String timestampColumn;

  @Option(
      names = "--as-of",
      paramLabel = "T",
      description =
          "Ignore values written after this ingestion time (default, and at most: now). Pinned"
              + " either way, so the same set can be rebuilt later.")
  @Nullable String asOf;

  @Option(
      names = "--save-as",
      paramLabel = "NAME",
      description = "Save the definition (pinned versions, spine, as-of) under this name.")
  @Nullable String saveAs;

  @Option(
      names = "--rerun",
      paramLabel = "NAME",
      description = "Re-run a saved training set: same rows as when it was saved.")
  @Nullable String rerun;

  @Option(
      names = {"--output", "-o"},
      paramLabel = "FILE",
      description =
          "Output file; its extension (.parquet, .csv, .json) gives the format."
              + " Default: JSON on stdout.")
  @Nullable Path output;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "json, csv or parquet (default: from --output, else json).")
  @Nullable String format;

  @Override
  int execute() throws IOException {
    TrainingDataFormat fmt = format();
    TrainingDataRequest job = request();
    try (FeatureStore fs = openStore()) {
      if (output == null) {
        // Data on stdout, the summary on stderr, so the output can be piped.
        Run run = write(fs, job, fmt, new WriterOutputStream(out()));
        out().flush();
        summary(err(), run, "stdout");
      } else {
        Run run = writeFile(fs, job, fmt);
        summary(out(), run, output.toString());
      }
    }
    return Main.EXIT_OK;
  }

  /** What ran and what came out. */
  private record Run(TrainingSetDefinition definition, long rows) {}

  private TrainingDataFormat format() {
    TrainingDataFormat fromName =
        output == null ? null : TrainingDataFormat.fromFileName(output.getFileName().toString());
    TrainingDataFormat fmt;
    if (format != null) {
      fmt = TrainingDataFormat.parse(format);
    } else if (output == null) {
      fmt = TrainingDataFormat.JSON;
    } else if (fromName == null) {
      throw FeatureStoreException.invalid(
          "cannot tell the format of --output "
              + output
              + " from its extension; name it .parquet, .csv or .json, or pass --format");
    } else {
      fmt = fromName;
    }
    if (fmt == TrainingDataFormat.PARQUET && output == null) {
      throw FeatureStoreException.invalid("parquet output needs --output FILE.parquet");
    }
    return fmt;
  }

  /**
   * The request, or null to re-run a saved set. Checks the flags before the store is opened, so a
   * usage mistake costs nothing.
   */
  private @Nullable TrainingDataRequest request() {
    if (rerun != null) {
      if (!features.isEmpty()
          || spine != null
          || spineSql != null
          || asOf != null
          || saveAs != null) {
        throw FeatureStoreException.invalid(
            "--rerun takes the saved definition as it is; drop --feature, --spine, --spine-sql,"
                + " --as-of and --save-as");
      }
      return null;
    }
    if (features.isEmpty()) {
      throw FeatureStoreException.invalid(
          "name the features with --feature group:feature (repeatable), or re-run a saved set"
              + " with --rerun NAME");
    }
    if ((spine == null) == (spineSql == null)) {
      throw FeatureStoreException.invalid(
          "give exactly one spine: --spine FILE.csv|FILE.parquet or --spine-sql \"SELECT ...\"");
    }
    PitQuery.Spine s;
    if (spine != null) {
      TrainingDataFormat kind = TrainingDataFormat.fromFileName(spine.getFileName().toString());
      if (kind == null || kind == TrainingDataFormat.JSON) {
        throw FeatureStoreException.invalid(
            "--spine " + spine + " must be a .csv or .parquet file (by its extension)");
      }
      if (!Files.isRegularFile(spine)) {
        throw FeatureStoreException.invalid("--spine " + spine + ": no such file");
      }
      s = new PitQuery.Spine.File(spine.toAbsolutePath(), timestampColumn);
    } else {
      s = new PitQuery.Spine.Sql(Objects.requireNonNull(spineSql, "--spine-sql"), timestampColumn);
    }
    Instant at = asOf == null ? null : Times.parse("--as-of", asOf);
    if (at != null && at.isAfter(Instant.now())) {
      // A future as-of would let a re-run take in values written after this run.
      at = null; // the store pins now
    }
    return new TrainingDataRequest(s, features, at, saveAs);
  }

  private Run write(
      FeatureStore fs,
      @Nullable TrainingDataRequest job,
      TrainingDataFormat fmt,
      OutputStream out) {
    TrainingDataWriter writer = fmt.writer(out);
    TrainingSetDefinition definition =
        job == null
            ? fs.rerunTrainingSet(Objects.requireNonNull(rerun, "--rerun"), writer)
            : fs.getTrainingData(job, writer);
    writer.finish();
    return new Run(definition, writer.rowCount());
  }

  /**
   * Writes next to the target and moves it into place at the end, so a failed run never leaves a
   * half-written file where a complete one is expected.
   */
  private Run writeFile(FeatureStore fs, @Nullable TrainingDataRequest job, TrainingDataFormat fmt)
      throws IOException {
    Path output = Objects.requireNonNull(this.output, "--output");
    Path target = output.toAbsolutePath();
    Path parent = target.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw FeatureStoreException.invalid("--output " + output + ": no such directory " + parent);
    }
    Path tmp = Files.createTempFile(parent, "." + target.getFileName(), ".part");
    try {
      Run run;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        run = write(fs, job, fmt, out);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return run;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void summary(PrintWriter to, Run run, String where) {
    TrainingSetDefinition d = run.definition();
    to.println(
        "wrote "
            + run.rows()
            + " rows to "
            + where
            + " (features "
            + String.join(", ", d.featureRefs())
            + "; as of "
            + d.asOf()
            + ")");
    String saved = rerun != null ? rerun : saveAs;
    if (saved != null) {
      to.println(
          (rerun != null ? "re-ran" : "saved as")
              + " '"
              + saved
              + "'; rebuild with: featurestore training-data --rerun "
              + saved
              + " --output FILE");
    }
    to.flush();
  }
}
