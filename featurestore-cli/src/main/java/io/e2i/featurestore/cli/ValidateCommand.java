package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.quality.QualityJson;
import io.e2i.featurestore.quality.QualityService;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    mixinStandardHelpOptions = true,
    name = "validate",
    description =
        "Checks a group's stored values (latest feature versions) against their constraints,"
            + " computed in the offline store: per feature, values checked, violations per"
            + " constraint, a few example entities. Exit code 4 with --fail-on-violations when"
            + " any value breaks a constraint.")
final class ValidateCommand extends ReadCommand {
  static final int EXIT_VIOLATIONS = 4;

  @Parameters(index = "0", paramLabel = "GROUP")
  String group;

  @Option(names = "--start", paramLabel = "T", description = "Earliest event time (inclusive).")
  @Nullable String start;

  @Option(names = "--end", paramLabel = "T", description = "Latest event time (inclusive).")
  @Nullable String end;

  @Option(names = "--fail-on-violations", description = "Exit with code 4 when violations exist.")
  boolean failOnViolations;

  @Override
  int execute() {
    Instant from = start == null ? null : Times.parse("--start", start);
    Instant to = end == null ? null : Times.parse("--end", end);
    JsonNode report;
    if (server != null) {
      Map<String, Object> body = new LinkedHashMap<>();
      if (from != null) {
        body.put("start", from.toString());
      }
      if (to != null) {
        body.put("end", to.toString());
      }
      report = remote(server).post("/api/v1/feature-groups/" + group + "/validate", body);
    } else {
      try (FeatureStore fs = openStore()) {
        report =
            Views.tree(
                QualityJson.report(
                    new QualityService(fs, Clock.systemUTC()).validate(group, from, to)));
      }
    }
    if (json) {
      out().println(Views.pretty(report));
    } else {
      print(report);
    }
    return failOnViolations && report.path("violations").asLong() > 0
        ? EXIT_VIOLATIONS
        : Main.EXIT_OK;
  }

  private void print(JsonNode report) {
    out()
        .println(
            report.path("feature_group").asText()
                + ": "
                + report.path("violations").asLong()
                + " violations");
    Table t =
        new Table(
            "FEATURE",
            "VERSION",
            "MODE",
            "CHECKED",
            "NULLS",
            "CONSTRAINT",
            "VIOLATIONS",
            "EXAMPLES");
    for (JsonNode f : report.path("features")) {
      String name = f.path("feature_name").asText();
      if (f.path("rules").isEmpty()) {
        t.row(
            name,
            f.path("version").asInt(),
            f.path("validation").asText(),
            f.path("checked").asLong(),
            f.path("nulls").asLong(),
            "-",
            0,
            "");
      }
      for (JsonNode r : f.path("rules")) {
        t.row(
            name,
            f.path("version").asInt(),
            f.path("validation").asText(),
            f.path("checked").asLong(),
            f.path("nulls").asLong(),
            r.path("constraint").asText(),
            r.path("violations").asLong(),
            r.path("examples").toString());
      }
    }
    t.print(out(), "  ");
  }
}
