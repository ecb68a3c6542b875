package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    mixinStandardHelpOptions = true,
    name = "history",
    description = "Lists stored values of features for one entity (get_historical_features).")
final class HistoryCommand extends ReadCommand {

  @Option(
      names = "--entity",
      required = true,
      split = ",",
      paramLabel = "KEY=VALUE",
      description = "Entity key, repeatable or comma-separated: hcp_id=HCP123")
  Map<String, String> entity = new LinkedHashMap<>();

  @Option(
      names = "--feature",
      required = true,
      split = ",",
      paramLabel = "REF",
      description = "Feature: name, group:name or group:name@version; repeatable.")
  List<String> features = new ArrayList<>();

  @Option(names = "--start", paramLabel = "T", description = "Earliest event time (inclusive).")
  @Nullable String start;

  @Option(names = "--end", paramLabel = "T", description = "Latest event time (inclusive).")
  @Nullable String end;

  @Override
  int execute() {
    Instant from = start == null ? null : Times.parse("--start", start);
    Instant to = end == null ? null : Times.parse("--end", end);
    JsonNode result;
    if (server != null) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("entity_values", entity);
      body.put("feature_names", features);
      if (from != null) {
        body.put("start_time", from.toString());
      }
      if (to != null) {
        body.put("end_time", to.toString());
      }
      result = remote(server).post("/api/v1/historical-features", body);
      // The server may wrap the list: {"values": [...]} or {"records": [...]}.
      if (result.isObject()) {
        for (String key : List.of("values", "records", "features", "data")) {
          if (result.path(key).isArray()) {
            result = result.get(key);
            break;
          }
        }
      }
    } else {
      try (FeatureStore fs = openStore()) {
        result = Views.history(fs.getHistoricalFeatures(entity, features, from, to));
      }
    }
    if (json) {
      out().println(Views.pretty(result));
    } else {
      Printer.history(out(), result);
    }
    return Main.EXIT_OK;
  }
}
