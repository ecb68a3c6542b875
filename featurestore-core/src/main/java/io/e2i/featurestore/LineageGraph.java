package io.e2i.featurestore;

import java.util.List;
import java.util.Map;

/**
 * A piece of the lineage graph: source table -> computation -> feature version -> training set ->
 * MLflow run. Node ids carry their kind as a prefix ({@code table:hcps}, {@code computation:g:f@1},
 * {@code feature:g:f@1}, {@code training_set:churn}, {@code run:abc}), so an id names one node
 * across every store.
 */
public record LineageGraph(List<Node> nodes, List<Edge> edges) {

  public LineageGraph {
    nodes = List.copyOf(nodes);
    edges = List.copyOf(edges);
  }

  /** Which way to walk from the node asked about. */
  public enum Direction {
    UPSTREAM,
    DOWNSTREAM,
    BOTH;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Direction parse(String text) {
      for (Direction d : values()) {
        if (d.wireName().equals(text)) {
          return d;
        }
      }
      throw FeatureStoreException.invalid(
          "direction must be upstream, downstream or both, got '" + text + "'");
    }
  }

  /** The kinds of node, with their id prefixes. */
  public enum NodeType {
    SOURCE_TABLE("table"),
    COMPUTATION("computation"),
    FEATURE_VERSION("feature"),
    TRAINING_SET("training_set"),
    RUN("run");

    private final String prefix;

    NodeType(String prefix) {
      this.prefix = prefix;
    }

    public String prefix() {
      return prefix;
    }

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public String id(String name) {
      return prefix + ":" + name;
    }

    static @org.jspecify.annotations.Nullable NodeType ofId(String id) {
      int colon = id.indexOf(':');
      if (colon < 0) {
        return null;
      }
      String p = id.substring(0, colon);
      for (NodeType t : values()) {
        if (t.prefix.equals(p)) {
          return t;
        }
      }
      return null;
    }
  }

  /**
   * @param id the node's id, kind-prefixed
   * @param type its kind
   * @param name the id without the prefix
   * @param attributes what the node says about itself (a query's text, a feature's type, ...)
   */
  public record Node(String id, NodeType type, String name, Map<String, String> attributes) {
    public Node {
      attributes = Map.copyOf(attributes);
    }
  }

  /**
   * @param kind {@code reads} (table to computation), {@code computes} (computation to feature),
   *     {@code feeds} (a table straight to a feature with no computation), {@code used_by} (feature
   *     to training set), {@code trained} (training set to run)
   */
  public record Edge(String from, String to, String kind) {}
}
