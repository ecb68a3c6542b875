package io.e2i.featurestore.spi;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import java.util.List;

/**
 * Durable storage of feature groups and feature versions. The core keeps an in-memory snapshot of
 * it and calls back here only on changes, so implementations need not be fast, only atomic.
 */
public interface Registry extends AutoCloseable {

  List<FeatureGroup> loadGroups();

  /** Every version of every feature. */
  List<Feature> loadFeatures();

  /**
   * Inserts a group.
   *
   * @return false, changing nothing, when a group of that name exists already
   */
  boolean insertGroup(FeatureGroup group);

  /** Replaces the stored group of the same name. */
  void updateGroup(FeatureGroup group);

  /**
   * Inserts a feature version.
   *
   * @return false, changing nothing, when that (group, name, version) exists already
   */
  boolean insertFeature(Feature feature);

  /** Replaces the stored version with the same id (metadata, statistics, tracking id). */
  void updateFeature(Feature feature);

  /**
   * Saves a training set definition under its name, replacing one of the same name. Definitions are
   * stored as JSON ({@link io.e2i.featurestore.TrainingSets#toJson}).
   */
  default void saveTrainingSet(String name, String definitionJson) {
    throw new UnsupportedOperationException("this registry cannot save training sets");
  }

  /** Every saved training set: name to definition JSON. */
  default java.util.Map<String, String> loadTrainingSets() {
    return java.util.Map.of();
  }

  /**
   * One page of the saved training sets' definition JSON, in name order (by code point, as {@link
   * String#compareTo} orders the names the API allows): the store pages, so a page of n costs n
   * definitions whatever the number saved. This default reads them all; registries override it.
   */
  default List<String> loadTrainingSets(int offset, int limit) {
    return loadTrainingSets().entrySet().stream()
        .sorted(java.util.Map.Entry.comparingByKey())
        .skip(offset)
        .limit(limit)
        .map(java.util.Map.Entry::getValue)
        .toList();
  }

  /** How many training sets are saved. */
  default int countTrainingSets() {
    return loadTrainingSets().size();
  }

  /**
   * As {@link #loadTrainingSets(int, int)}, only the sets that read no group outside {@code groups}
   * ({@link io.e2i.featurestore.TrainingSets#groups}): a key restricted to some groups is served by
   * the registry's filter, so its page costs the sets it may see, not every saved one. This default
   * reads them all; registries override it.
   */
  default List<String> loadTrainingSets(int offset, int limit, java.util.Set<String> groups) {
    return readableBy(groups).skip(offset).limit(limit).toList();
  }

  /** How many saved training sets read no group outside {@code groups}. */
  default int countTrainingSets(java.util.Set<String> groups) {
    return (int) readableBy(groups).count();
  }

  private java.util.stream.Stream<String> readableBy(java.util.Set<String> groups) {
    return loadTrainingSets().entrySet().stream()
        .sorted(java.util.Map.Entry.comparingByKey())
        .map(java.util.Map.Entry::getValue)
        .filter(json -> groups.containsAll(io.e2i.featurestore.TrainingSets.groups(json)));
  }

  /** The definition JSON saved under {@code name}, or null. */
  default @org.jspecify.annotations.Nullable String loadTrainingSet(String name) {
    return loadTrainingSets().get(name);
  }

  /**
   * Replaces the stored lineage edges that end at {@code node} with {@code edges} (each ending at
   * it), in one transaction: a training set saved again under its name keeps only its new inputs.
   * Edges the registry model implies (table, computation, feature version) are not stored; only
   * training-set inputs and run tags are.
   */
  default void replaceLineageInto(String node, List<io.e2i.featurestore.LineageGraph.Edge> edges) {
    throw new UnsupportedOperationException("this registry cannot keep lineage");
  }

  /** Adds one edge (a training set tagged with a run); adding it again changes nothing. */
  default void addLineageEdge(io.e2i.featurestore.LineageGraph.Edge edge) {
    throw new UnsupportedOperationException("this registry cannot keep lineage");
  }

  /** The stored edges leaving ({@code downstream}) or entering (upstream) any of {@code nodes}. */
  default List<io.e2i.featurestore.LineageGraph.Edge> lineageEdges(
      java.util.Collection<String> nodes, boolean downstream) {
    return List.of();
  }

  /**
   * Where this registry keeps API keys and the audit log, or null when it cannot keep them (then no
   * key can be created, and a server on it runs without keys, bound to the loopback interface).
   */
  default @org.jspecify.annotations.Nullable SecurityStore securityStore() {
    return null;
  }

  @Override
  default void close() {}
}
