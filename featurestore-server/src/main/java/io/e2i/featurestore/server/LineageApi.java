package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.LineageGraph;
import io.javalin.http.Context;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lineage over HTTP (issue 14): {@code GET /api/v1/lineage?node=&depth=&direction=} answers {@code
 * {nodes, edges}}; {@code POST /api/v1/training-sets/{name}/runs {run_id}} tags a saved training
 * set with the run (an MLflow run id) that trained on it.
 */
final class LineageApi {
  static final String LINEAGE = "/api/v1/lineage";
  static final String RUNS = "/api/v1/training-sets/{name}/runs";
  static final List<String> RUN_FIELDS = List.of("run_id");

  private final FeatureStore store;
  private final Api api;

  LineageApi(FeatureStore store, Api api) {
    this.store = store;
    this.api = api;
  }

  List<Endpoint> endpoints() {
    return List.of(
        new Endpoint(
            "GET",
            LINEAGE,
            "lineage",
            "Lineage around a node (source table -> computation -> feature version -> training"
                + " set -> run): downstream of a feature version names the training sets and runs"
                + " that use it",
            null,
            200,
            "Lineage",
            List.of(400, 404),
            this::lineage),
        new Endpoint(
            "POST",
            RUNS,
            "tag_training_set_run",
            "Tag a saved training set with a run that trained on it (e.g. an MLflow run id)",
            "TrainingSetRunTag",
            201,
            "TrainingSetRunTagged",
            List.of(400, 404),
            this::tagRun));
  }

  private Object lineage(Context ctx) {
    String node = ctx.queryParam("node");
    if (node == null || node.isEmpty() || node.codePointCount(0, node.length()) > MAX_NODE) {
      throw ApiException.badRequest(
          "query parameter 'node' is required (1 to "
              + MAX_NODE
              + " characters), e.g. node=hcp_targeting:total_trx_30d@1");
    }
    int depth = QueryNumbers.between("depth", ctx.queryParam("depth"), 1, MAX_DEPTH, DEFAULT_DEPTH);
    String d = ctx.queryParam("direction");
    LineageGraph.Direction direction =
        d == null ? LineageGraph.Direction.BOTH : LineageGraph.Direction.parse(d);
    return graph(store.lineage(node, depth, direction));
  }

  static final int MAX_NODE = 1024;
  static final int DEFAULT_DEPTH = 5;
  static final int MAX_DEPTH = 10;

  private Object tagRun(Context ctx) throws java.io.IOException {
    String name = Wire.name("training set name", ctx.pathParam("name"));
    ObjectNode b;
    try (InputStream in = api.body(ctx)) {
      b = Wire.readObject(in);
    }
    Wire.knownFields(b, "run tag", RUN_FIELDS);
    String runId = Wire.requiredText(b, "run_id");
    LineageGraph.Edge edge = store.tagTrainingSetRun(name, runId);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("training_set", name);
    out.put("run_id", runId);
    out.put("edge", edge(edge));
    return out;
  }

  static Map<String, Object> graph(LineageGraph g) {
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
    g.edges().forEach(e -> edges.add(edge(e)));
    // in the spec's order every time (Map.of iterates in an order salted per JVM)
    Map<String, Object> graph = new LinkedHashMap<>();
    graph.put("nodes", nodes);
    graph.put("edges", edges);
    return graph;
  }

  private static Map<String, Object> edge(LineageGraph.Edge e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("from", e.from());
    m.put("to", e.to());
    m.put("kind", e.kind());
    return m;
  }
}
