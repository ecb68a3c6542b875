package io.e2i.featurestore;

import io.e2i.featurestore.LineageGraph.Direction;
import io.e2i.featurestore.LineageGraph.Edge;
import io.e2i.featurestore.LineageGraph.Node;
import io.e2i.featurestore.LineageGraph.NodeType;
import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.Registry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The lineage graph: source table -> computation -> feature version -> training set -> run. What
 * the registry model already says (a group's source table, a version's computation query or
 * expression) is read from the registry snapshot, so it can never disagree with the definitions;
 * what only a run knows (a saved training set's pinned versions, the runs tagged on a set) is
 * stored by the registry as edges. A walk goes breadth-first, one stored-edge query per level.
 */
final class LineagePath {
  static final int MAX_DEPTH = 10;
  static final int DEFAULT_DEPTH = 5;
  static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

  private final RegistryHolder holder;
  private final Registry registry;
  private volatile @Nullable DerivedIndex index;

  LineagePath(RegistryHolder holder, Registry registry) {
    this.holder = holder;
    this.registry = registry;
  }

  // ---------------------------------------------------------------- writes

  /** Records a saved training set's inputs: its pinned feature versions, replacing older ones. */
  void trainingSetSaved(String name, List<String> featureRefs) {
    String set = NodeType.TRAINING_SET.id(name);
    List<Edge> edges = new ArrayList<>();
    for (String ref : featureRefs) {
      edges.add(new Edge(NodeType.FEATURE_VERSION.id(ref), set, "used_by"));
    }
    registry.replaceLineageInto(set, edges);
  }

  /** Tags a saved training set with the run (e.g. an MLflow run) that trained on it. */
  Edge tagRun(String trainingSet, String runId) {
    Names.check("training set name", trainingSet);
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      throw FeatureStoreException.invalid(
          "run_id must be 1-128 letters, digits, '_', '.', ':' or '-' starting with a letter or"
              + " digit, got '"
              + runId
              + "'");
    }
    if (!registry.loadTrainingSets().containsKey(trainingSet)) {
      throw FeatureStoreException.notFound("training set '" + trainingSet + "' not found");
    }
    Edge edge = new Edge(NodeType.TRAINING_SET.id(trainingSet), NodeType.RUN.id(runId), "trained");
    registry.addLineageEdge(edge);
    return edge;
  }

  // ---------------------------------------------------------------- walks

  LineageGraph lineage(String nodeText, int depth, Direction direction) {
    if (depth < 1 || depth > MAX_DEPTH) {
      throw FeatureStoreException.invalid(
          "depth must be between 1 and " + MAX_DEPTH + ", got " + depth);
    }
    RegistrySnapshot snapshot = holder.snapshot();
    String start = resolve(nodeText, snapshot);
    Map<String, Node> nodes = new LinkedHashMap<>();
    Set<Edge> edges = new LinkedHashSet<>();
    nodes.put(start, node(start, snapshot));
    if (direction != Direction.UPSTREAM) {
      walk(start, depth, true, snapshot, nodes, edges);
    }
    if (direction != Direction.DOWNSTREAM) {
      walk(start, depth, false, snapshot, nodes, edges);
    }
    return new LineageGraph(List.copyOf(nodes.values()), List.copyOf(edges));
  }

  private void walk(
      String start,
      int depth,
      boolean downstream,
      RegistrySnapshot snapshot,
      Map<String, Node> nodes,
      Set<Edge> edges) {
    Set<String> seen = new LinkedHashSet<>(List.of(start));
    List<String> frontier = List.of(start);
    for (int level = 0; level < depth && !frontier.isEmpty(); level++) {
      List<Edge> found = new ArrayList<>();
      List<String> stored = new ArrayList<>();
      for (String id : frontier) {
        found.addAll(derived(id, downstream, snapshot));
        if (hasStoredEdges(id, downstream)) {
          stored.add(id);
        }
      }
      if (!stored.isEmpty()) {
        found.addAll(registry.lineageEdges(stored, downstream));
      }
      List<String> next = new ArrayList<>();
      for (Edge e : found) {
        edges.add(e);
        String other = downstream ? e.to() : e.from();
        if (seen.add(other)) {
          next.add(other);
          nodes.computeIfAbsent(other, id -> node(id, snapshot));
        }
      }
      frontier = next;
    }
  }

  /** Feature versions, training sets and runs are the ends of stored edges. */
  private static boolean hasStoredEdges(String id, boolean downstream) {
    NodeType type = NodeType.ofId(id);
    return type == NodeType.TRAINING_SET
        || (downstream && type == NodeType.FEATURE_VERSION)
        || (!downstream && type == NodeType.RUN);
  }

  /** The edges the registry model implies around one node. */
  private List<Edge> derived(String id, boolean downstream, RegistrySnapshot snapshot) {
    NodeType type = NodeType.ofId(id);
    if (type == null) {
      return List.of();
    }
    String name = id.substring(type.prefix().length() + 1);
    return switch (type) {
      case SOURCE_TABLE -> downstream ? index(snapshot).fromTable(id) : List.of();
      case COMPUTATION ->
          downstream
              ? List.of(new Edge(id, NodeType.FEATURE_VERSION.id(name), "computes"))
              : feature(name, snapshot).map(f -> inputsOf(f, snapshot)).orElse(List.of());
      case FEATURE_VERSION ->
          downstream
              ? index(snapshot).usersOf(id)
              : feature(name, snapshot).map(f -> upstreamOf(f, snapshot)).orElse(List.of());
      case TRAINING_SET, RUN -> List.of();
    };
  }

  /** A version's own upstream: its computation, else its group's source table. */
  private static List<Edge> upstreamOf(Feature f, RegistrySnapshot snapshot) {
    String id = NodeType.FEATURE_VERSION.id(f.reference());
    if (f.computationQuery() != null || f.expression() != null) {
      return List.of(new Edge(NodeType.COMPUTATION.id(f.reference()), id, "computes"));
    }
    return snapshot
        .group(f.featureGroup())
        .map(GroupView::group)
        .map(FeatureGroup::sourceTable)
        .map(t -> List.of(new Edge(NodeType.SOURCE_TABLE.id(t), id, "feeds")))
        .orElse(List.of());
  }

  /** What a computation reads: the tables its query names, or the features its expression uses. */
  static List<Edge> inputsOf(Feature f, RegistrySnapshot snapshot) {
    String computation = NodeType.COMPUTATION.id(f.reference());
    List<Edge> edges = new ArrayList<>();
    String query = f.computationQuery();
    String expression = f.expression();
    if (query != null) {
      List<String> tables = SqlTables.named(query);
      if (tables.isEmpty()) {
        String source =
            snapshot
                .group(f.featureGroup())
                .map(GroupView::group)
                .map(FeatureGroup::sourceTable)
                .orElse(null);
        tables = source == null ? List.of() : List.of(source);
      }
      tables.forEach(t -> edges.add(new Edge(NodeType.SOURCE_TABLE.id(t), computation, "reads")));
    } else if (expression != null) {
      snapshot
          .group(f.featureGroup())
          .ifPresent(
              g -> {
                for (String name : SqlTables.identifiers(expression)) {
                  if (!name.equals(f.name())) {
                    g.latest(name)
                        .ifPresent(
                            used ->
                                edges.add(
                                    new Edge(
                                        NodeType.FEATURE_VERSION.id(used.reference()),
                                        computation,
                                        "reads")));
                  }
                }
              });
    }
    return edges;
  }

  // ---------------------------------------------------------------- names

  /**
   * The node id a caller meant: a kind-prefixed id, or a feature reference ({@code group:name@v},
   * or {@code group:name} for the latest version). Any other text names no node: a 404 that says
   * what a node looks like.
   */
  String resolve(String text, RegistrySnapshot snapshot) {
    String t = text.trim();
    NodeType type = NodeType.ofId(t);
    if (type == null) {
      return featureId(t, snapshot); // group:feature[@version]
    }
    String name = t.substring(type.prefix().length() + 1);
    if (name.isEmpty()) {
      throw FeatureStoreException.notFound("node '" + t + "' names nothing after the ':'");
    }
    return switch (type) {
      case FEATURE_VERSION -> featureId(name, snapshot);
      case COMPUTATION -> {
        Feature f = feature(name, snapshot).orElse(null);
        if (f == null || (f.computationQuery() == null && f.expression() == null)) {
          throw FeatureStoreException.notFound("no computation '" + name + "'");
        }
        yield t;
      }
      case SOURCE_TABLE -> {
        if (index(snapshot).fromTable(t).isEmpty()) {
          throw FeatureStoreException.notFound("no feature reads table '" + name + "'");
        }
        yield t;
      }
      case TRAINING_SET, RUN -> {
        if (registry.lineageEdges(List.of(t), false).isEmpty()) {
          throw FeatureStoreException.notFound(
              "no " + type.wireName().replace('_', ' ') + " '" + name + "' in the lineage");
        }
        yield t;
      }
    };
  }

  private static String featureId(String reference, RegistrySnapshot snapshot) {
    FeatureRef ref = parsedOrNone(reference);
    if (ref.featureGroup() == null) {
      throw FeatureStoreException.notFound(
          "node '"
              + reference
              + "' is no lineage node: name a feature as group:feature@version, or give a"
              + " kind-prefixed id such as training_set:NAME, run:ID, table:NAME");
    }
    GroupView g =
        snapshot
            .group(ref.featureGroup())
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature group '" + ref.featureGroup() + "' not found"));
    Optional<Feature> f =
        ref.version() == null ? g.latest(ref.name()) : g.version(ref.name(), ref.version());
    return NodeType.FEATURE_VERSION.id(
        f.orElseThrow(() -> FeatureStoreException.notFound("feature '" + reference + "' not found"))
            .reference());
  }

  /** The reference, or one without a group (which names no node) when it does not parse. */
  private static FeatureRef parsedOrNone(String reference) {
    try {
      return FeatureRef.parse(reference);
    } catch (FeatureStoreException e) {
      return new FeatureRef(null, "_", null);
    }
  }

  private static Optional<Feature> feature(String reference, RegistrySnapshot snapshot) {
    try {
      FeatureRef ref = FeatureRef.parse(reference);
      String group = ref.featureGroup();
      Integer version = ref.version();
      if (group == null || version == null) {
        return Optional.empty();
      }
      return snapshot.group(group).flatMap(g -> g.version(ref.name(), version));
    } catch (FeatureStoreException e) {
      return Optional.empty();
    }
  }

  private static Node node(String id, RegistrySnapshot snapshot) {
    NodeType type = java.util.Objects.requireNonNull(NodeType.ofId(id), id);
    String name = id.substring(type.prefix().length() + 1);
    Map<String, String> attributes = new LinkedHashMap<>();
    if (type == NodeType.FEATURE_VERSION || type == NodeType.COMPUTATION) {
      feature(name, snapshot)
          .ifPresent(
              f -> {
                if (type == NodeType.FEATURE_VERSION) {
                  attributes.put("group", f.featureGroup());
                  attributes.put("feature", f.name());
                  attributes.put("version", Integer.toString(f.version()));
                  attributes.put("value_type", f.valueType().wireName());
                } else if (f.computationQuery() != null) {
                  attributes.put("query", f.computationQuery());
                } else if (f.expression() != null) {
                  attributes.put("expression", f.expression());
                }
              });
    }
    return new Node(id, type, name, attributes);
  }

  // ---------------------------------------------------------------- derived index

  private DerivedIndex index(RegistrySnapshot snapshot) {
    DerivedIndex i = index;
    if (i == null || i.snapshot != snapshot) {
      i = new DerivedIndex(snapshot);
      index = i;
    }
    return i;
  }

  /**
   * The downstream edges the model implies, by start node, built once per registry snapshot: a walk
   * down from a table would otherwise scan every feature.
   */
  private static final class DerivedIndex {
    final RegistrySnapshot snapshot;
    final Map<String, List<Edge>> downstream = new HashMap<>();

    DerivedIndex(RegistrySnapshot snapshot) {
      this.snapshot = snapshot;
      for (GroupView g : snapshot.groups()) {
        for (List<Feature> versions : g.versionsByName().values()) {
          for (Feature f : versions) {
            for (Edge e : upstreamOf(f, snapshot)) {
              add(e);
            }
            if (f.computationQuery() != null || f.expression() != null) {
              for (Edge e : inputsOf(f, snapshot)) {
                add(e);
              }
            }
          }
        }
      }
    }

    private void add(Edge e) {
      if (!e.kind().equals("computes")) {
        downstream.computeIfAbsent(e.from(), k -> new ArrayList<>()).add(e);
      }
    }

    List<Edge> fromTable(String tableId) {
      return downstream.getOrDefault(tableId, List.of());
    }

    /** On-demand computations whose expression uses this version. */
    List<Edge> usersOf(String featureId) {
      return downstream.getOrDefault(featureId, List.of());
    }
  }
}
