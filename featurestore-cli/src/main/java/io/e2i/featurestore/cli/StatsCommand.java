package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.StatisticsMaps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    mixinStandardHelpOptions = true,
    name = "stats",
    description = "Computes, stores and prints statistics of a feature's latest version.")
final class StatsCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "GROUP")
  String group;

  @Parameters(index = "1", paramLabel = "FEATURE")
  String feature;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin TrackingWait trackingWait;

  @Override
  int execute() {
    try (FeatureStore fs = openStore();
        TrackingWait.Handle tracked = trackingWait.on(fs, env(), err())) {
      FeatureStatistics s = fs.computeStatistics(group, feature);
      if (json) {
        out().println(Views.pretty(Views.tree(StatisticsMaps.toMap(s))));
        return Main.EXIT_OK;
      }
      out().println(group + ":" + feature);
      out()
          .printf(
              "  count     %d%n  nulls     %d%n  distinct  %d%n",
              s.count(), s.nulls(), s.distinct());
      if (s.mean() != null) {
        out().printf("  min       %s%n  max       %s%n", s.min(), s.max());
        out().printf("  mean      %s%n  stddev    %s%n", s.mean(), s.stddev());
        out().printf("  p50       %s%n  p90       %s%n  p99       %s%n", s.p50(), s.p90(), s.p99());
      }
      if (!s.topValues().isEmpty()) {
        out().println("  top values:");
        Table t = new Table("VALUE", "COUNT");
        s.topValues().forEach(v -> t.row(v.value(), v.count()));
        t.print(out(), "    ");
      }
      if (!s.histogram().isEmpty()) {
        out().println("  histogram:");
        Table t = new Table("FROM", "TO", "COUNT");
        s.histogram().forEach(b -> t.row(b.lower(), b.upper(), b.count()));
        t.print(out(), "    ");
      }
    }
    return Main.EXIT_OK;
  }
}
