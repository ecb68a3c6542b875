package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    mixinStandardHelpOptions = true,
    name = "freshness",
    description = "Shows the freshness monitor: fresh / stale / expired counts per feature.")
final class FreshnessCommand extends ReadCommand {

  @Option(
      names = "--update",
      description = "First persist every value's freshness status (update_freshness_status).")
  boolean update;

  @Override
  int execute() {
    JsonNode result;
    Long changed = null;
    if (server != null) {
      RemoteClient client = remote(server);
      if (update) {
        JsonNode u = client.post("/api/v1/freshness/update", java.util.Map.of());
        changed = u.path("updated").asLong(u.path("changed").asLong(0));
      }
      result = unwrap(client.get("/api/v1/freshness"));
    } else {
      try (FeatureStore fs = openStore()) {
        if (update) {
          changed = fs.updateFreshnessStatus();
        }
        result = Views.freshness(fs.freshnessMonitor());
      }
    }
    if (json) {
      out().println(Views.pretty(result));
    } else {
      if (changed != null) {
        out().println("updated freshness status of " + changed + " values");
      }
      Printer.freshness(out(), result);
    }
    return Main.EXIT_OK;
  }

  private static JsonNode unwrap(JsonNode result) {
    if (result.isObject()) {
      for (String key : List.of("features", "freshness", "reports", "data")) {
        if (result.path(key).isArray()) {
          return result.get(key);
        }
      }
    }
    return result;
  }
}
