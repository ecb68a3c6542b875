package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.LineageGraph;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code featurestore lineage NODE}: where a feature version comes from and what uses it. The
 * impact question "which training sets and models use hcp_targeting:total_trx_30d@1?" is {@code
 * featurestore lineage hcp_targeting:total_trx_30d@1 --direction downstream}.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "lineage",
    description =
        "Shows the lineage around a node: source table -> computation -> feature version ->"
            + " training set -> run (GET /api/v1/lineage).")
final class LineageCommand extends ReadCommand {

  @Parameters(
      index = "0",
      paramLabel = "NODE",
      description =
          "group:feature@version (group:feature: the latest), or table:NAME, training_set:NAME,"
              + " run:ID, computation:group:feature@version")
  String node = "";

  @Option(
      names = "--direction",
      paramLabel = "DIR",
      description = "upstream, downstream or both (default: ${DEFAULT-VALUE})")
  String direction = "both";

  @Option(
      names = "--depth",
      paramLabel = "N",
      description = "edges to walk, 1 to 10 (default: ${DEFAULT-VALUE})")
  int depth = 5;

  @Override
  int execute() {
    LineageGraph.Direction dir = LineageGraph.Direction.parse(direction);
    JsonNode graph;
    if (server != null) {
      graph =
          remote(server)
              .get(
                  "/api/v1/lineage?depth="
                      + depth
                      + "&direction="
                      + dir.wireName()
                      + "&node="
                      + URLEncoder.encode(node, StandardCharsets.UTF_8));
    } else {
      try (FeatureStore fs = openStore()) {
        graph = Views.tree(json(fs.lineage(node, depth, dir)));
      }
    }
    if (json) {
      out().println(Views.pretty(graph));
    } else {
      print(out(), graph, dir);
    }
    return Main.EXIT_OK;
  }

  /** The HTTP API's shape: {nodes: [{id, type, name, attributes}], edges: [{from, to, kind}]}. */
  static Map<String, Object> json(LineageGraph g) {
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (LineageGraph.Node n : g.nodes()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", n.id());
      m.put("type", n.type().wireName());
      m.put("name", n.name());
      m.put("attributes", n.attributes());
      nodes.add(m);
    }
    List<Map<String, Object>> edges = new ArrayList<>();
    for (LineageGraph.Edge e : g.edges()) {
      edges.add(Map.of("from", e.from(), "to", e.to(), "kind", e.kind()));
    }
    return Map.of("nodes", nodes, "edges", edges);
  }

  /** Nodes by kind along the data flow, then the edges. */
  static void print(PrintWriter out, JsonNode graph, LineageGraph.Direction dir) {
    JsonNode nodes = graph.path("nodes");
    out.printf(
        "lineage of %s (%s): %d nodes, %d edges%n",
        nodes.path(0).path("id").asText(),
        dir.wireName(),
        nodes.size(),
        graph.path("edges").size());
    for (LineageGraph.NodeType type : LineageGraph.NodeType.values()) {
      List<String> names = new ArrayList<>();
      for (JsonNode n : nodes) {
        if (n.path("type").asText().equals(type.wireName())) {
          names.add(n.path("name").asText());
        }
      }
      if (!names.isEmpty()) {
        out.printf(
            "%-17s %s%n",
            type.wireName().replace('_', ' ') + " (" + names.size() + "):",
            String.join(", ", names));
      }
    }
    for (JsonNode e : graph.path("edges")) {
      out.printf(
          "  %s -%s-> %s%n",
          e.path("from").asText(), e.path("kind").asText(), e.path("to").asText());
    }
  }
}
