package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.OnlineRequest;
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
    name = "get",
    description = "Reads the latest feature values of one entity (get_entity_features).")
final class GetCommand extends ReadCommand {

  @Option(names = "--group", required = true, paramLabel = "GROUP", description = "Feature group.")
  String group;

  @Option(
      names = "--entity",
      required = true,
      split = ",",
      paramLabel = "KEY=VALUE",
      description = "Entity key, repeatable or comma-separated: hcp_id=HCP123")
  Map<String, String> entity = new LinkedHashMap<>();

  @Option(
      names = "--feature",
      split = ",",
      paramLabel = "NAME",
      description = "Feature to read (default: all of the group that fit the entity).")
  List<String> features = new ArrayList<>();

  @Option(names = "--no-cache", description = "Bypass the online cache.")
  boolean noCache;

  @Option(
      names = "--as-of",
      paramLabel = "T",
      description = "Read what was true at this event time.")
  @Nullable String asOf;

  @Override
  int execute() {
    Instant at = asOf == null ? null : Times.parse("--as-of", asOf);
    JsonNode result;
    if (server != null) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("entity_values", entity);
      body.put("feature_group", group);
      if (!features.isEmpty()) {
        body.put("feature_names", features);
      }
      body.put("use_cache", !noCache);
      if (at != null) {
        body.put("as_of", at.toString());
      }
      result = remote(server).post("/api/v1/online-features", body);
      if (!result.has("feature_group")) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) result).put("feature_group", group);
      }
    } else {
      try (FeatureStore fs = openStore()) {
        result =
            Views.online(
                group,
                fs.getEntityFeatures(new OnlineRequest(entity, group, features, !noCache, at)));
      }
    }
    if (json) {
      out().println(Views.pretty(result));
    } else {
      Printer.online(out(), result);
    }
    return Main.EXIT_OK;
  }
}
