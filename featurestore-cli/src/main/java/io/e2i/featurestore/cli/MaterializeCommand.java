package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.MaterializationRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs a group's computation queries: incrementally from the watermark, or a backfill of {@code
 * [--start, --end)}, optionally in steps (one transaction each) so a long backfill shows progress
 * and a failure keeps the steps before it.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "materialize",
    description =
        "Runs the computation_query of each feature of GROUP through the write path:"
            + " incrementally from the group's watermark, or a backfill of [--start, --end).")
final class MaterializeCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "GROUP")
  String group;

  @Option(
      names = "--start",
      paramLabel = "TIME",
      description = "Backfill from here (inclusive): ISO-8601, a date, or an age such as -30d.")
  @Nullable String start;

  @Option(
      names = "--end",
      paramLabel = "TIME",
      description = "Up to here (exclusive; default: now).")
  @Nullable String end;

  @Option(
      names = "--step",
      paramLabel = "DURATION",
      description =
          "With --start: one run (one transaction) per step, e.g. P1D or PT6H (default: one run).")
  @Nullable Duration step;

  @Option(names = "--no-progress", description = "Draw no progress bar.")
  boolean noProgress;

  @Override
  int execute() {
    Instant now = Instant.now();
    Instant from = start == null ? null : Times.parse("--start", start);
    Instant to = end == null ? now : Times.parse("--end", end);
    if (step != null && (from == null || step.isNegative() || step.isZero())) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--step needs --start and a positive duration");
    }
    List<Instant[]> windows = windows(from, to);
    try (FeatureStore fs = openStore()) {
      ProgressBar bar =
          new ProgressBar(err(), "materializing " + group, windows.size(), !noProgress);
      long rows = 0;
      long millis = 0;
      List<MaterializationRun> runs = new ArrayList<>();
      for (int i = 0; i < windows.size(); i++) {
        Instant[] w = windows.get(i);
        MaterializationRun run;
        try {
          run = fs.materialize(group, w[0], w[1]);
        } catch (RuntimeException e) {
          bar.abort();
          throw e;
        }
        runs.add(run);
        rows += run.rows();
        millis += run.durationMillis();
        bar.update(i + 1);
      }
      bar.finish(windows.size());
      MaterializationRun last = runs.getLast();
      out()
          .printf(
              "materialized %s: %,d values in %d run(s) (%s, window %s .. %s) in %.1f s%n",
              group,
              rows,
              runs.size(),
              last.kind().wireName(),
              runs.getFirst().windowStart() == null ? "watermark" : runs.getFirst().windowStart(),
              last.windowEnd(),
              millis / 1000.0);
    }
    return Main.EXIT_OK;
  }

  private List<Instant[]> windows(@Nullable Instant from, Instant to) {
    List<Instant[]> windows = new ArrayList<>();
    if (from == null || step == null) {
      windows.add(new Instant[] {from, to});
      return windows;
    }
    for (Instant s = from; s.isBefore(to); s = s.plus(step)) {
      Instant e = s.plus(step);
      windows.add(new Instant[] {s, e.isAfter(to) ? to : e});
    }
    if (windows.isEmpty()) {
      windows.add(new Instant[] {from, to});
    }
    return windows;
  }
}
