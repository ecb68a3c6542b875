package io.e2i.featurestore.server;

import io.e2i.featurestore.CacheStats;
import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureRef;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureValue;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.FreshnessReport;
import io.e2i.featurestore.HealthStatus;
import io.e2i.featurestore.KeyScopes.Scope;
import io.e2i.featurestore.LineageGraph;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.SecurityRegistry;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.TrainingSetList;
import io.e2i.featurestore.spi.PitQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store as the HTTP API sees it: every call checks the request's {@link Principal} against the
 * feature groups the call really touches (after names are resolved, so a bare feature name cannot
 * slip past), and registry changes are written to the audit log under the principal's name.
 *
 * <ul>
 *   <li>read: group definitions, online reads, history, training data (every group it reads); lists
 *       show only readable groups, features, training sets and freshness rows
 *   <li>write: values (a batch needs write on every group it touches), cache invalidation,
 *       statistics; freshness update and invalidating an entity in all groups need write on every
 *       group
 *   <li>admin: creating and updating groups and features (admin implies read and write)
 * </ul>
 *
 * <p>A new {@link FeatureStore} method fails to compile here until it is classified: that is on
 * purpose.
 */
final class GuardedStore implements FeatureStore {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedStore.class);

  static final String CREATE_GROUP = "create_feature_group";
  static final String UPDATE_GROUP = "update_feature_group";
  static final String CREATE_FEATURE = "create_feature";
  static final String NEW_VERSION = "create_feature_version";
  static final String UPDATE_FEATURE = "update_feature";
  static final String SAVE_TRAINING_SET = "save_training_set";
  static final String TAG_RUN = "tag_training_set_run";

  private final FeatureStore store;
  private final SecurityRegistry security;

  private final java.util.function.Supplier<Principal> principal;

  /** Checks calls against the principal of the request the calling thread serves. */
  GuardedStore(FeatureStore store) {
    this(store, Principal::current);
  }

  GuardedStore(FeatureStore store, java.util.function.Supplier<Principal> principal) {
    this.store = store;
    this.security = store.security();
    this.principal = principal;
  }

  private Principal who() {
    return principal.get();
  }

  // ---------------------------------------------------------------- registry changes (admin)

  @Override
  public FeatureGroup createFeatureGroup(FeatureGroup group) {
    Principal p = who();
    p.require(Scope.ADMIN, group.name());
    boolean existed = store.getFeatureGroup(group.name()).isPresent();
    FeatureGroup created = store.createFeatureGroup(group);
    if (!existed) {
      audit(p, CREATE_GROUP, group.name(), null);
    }
    return created;
  }

  @Override
  public FeatureGroup updateFeatureGroup(FeatureGroup group) {
    Principal p = who();
    p.require(Scope.ADMIN, group.name());
    Optional<FeatureGroup> before = store.getFeatureGroup(group.name());
    FeatureGroup updated = store.updateFeatureGroup(group);
    List<String> changed = before.map(b -> b.differingFields(group)).orElse(List.of());
    if (!changed.isEmpty()) {
      audit(p, UPDATE_GROUP, group.name(), "changed " + String.join(", ", changed));
    }
    return updated;
  }

  @Override
  public Feature createFeature(FeatureSpec spec) {
    Principal p = who();
    p.require(Scope.ADMIN, spec.featureGroup());
    boolean existed = store.getFeature(spec.featureGroup(), spec.name()).isPresent();
    Feature created = store.createFeature(spec);
    if (!existed) {
      audit(p, CREATE_FEATURE, created.reference(), created.valueType().wireName());
    }
    return created;
  }

  @Override
  public Feature updateFeature(FeatureSpec spec) {
    Principal p = who();
    p.require(Scope.ADMIN, spec.featureGroup());
    Optional<Feature> before = store.getFeature(spec.featureGroup(), spec.name());
    Feature updated = store.updateFeature(spec);
    List<String> changed = before.map(b -> b.differingFields(spec)).orElse(List.of());
    if (!changed.isEmpty()) {
      boolean newVersion = before.get().version() != updated.version();
      audit(
          p,
          newVersion ? NEW_VERSION : UPDATE_FEATURE,
          updated.reference(),
          "changed " + String.join(", ", changed));
    }
    return updated;
  }

  /**
   * The change is committed when this runs; a failure to log it must not turn it into an error the
   * client would retry, so it is logged here instead, loudly.
   */
  private void audit(Principal p, String action, String target, @Nullable String detail) {
    try {
      security.audit(p.name(), action, target, detail);
    } catch (RuntimeException e) {
      LOG.error(
          "audit entry lost: {} {} {} ({}): {}", p.name(), action, target, detail, e.toString());
    }
  }

  // ---------------------------------------------------------------- registry reads

  @Override
  public Optional<FeatureGroup> getFeatureGroup(String name) {
    who().require(Scope.READ, name);
    return store.getFeatureGroup(name);
  }

  @Override
  public List<FeatureGroup> listFeatureGroups() {
    Principal p = who();
    List<FeatureGroup> all = store.listFeatureGroups();
    return p.unrestricted()
        ? all
        : all.stream().filter(g -> p.allows(Scope.READ, g.name())).toList();
  }

  @Override
  public Optional<Feature> getFeature(String featureGroup, String name) {
    who().require(Scope.READ, featureGroup);
    return store.getFeature(featureGroup, name);
  }

  @Override
  public Optional<Feature> getFeature(String featureGroup, String name, int version) {
    who().require(Scope.READ, featureGroup);
    return store.getFeature(featureGroup, name, version);
  }

  @Override
  public List<Feature> listFeatures(String featureGroup) {
    who().require(Scope.READ, featureGroup);
    return store.listFeatures(featureGroup);
  }

  @Override
  public List<Feature> listFeatureVersions(String featureGroup, String name) {
    who().require(Scope.READ, featureGroup);
    return store.listFeatureVersions(featureGroup, name);
  }

  // ---------------------------------------------------------------- values

  @Override
  public void writeFeatureValue(FeatureWrite write) {
    requireWrites(List.of(write));
    store.writeFeatureValue(write);
  }

  @Override
  public int writeBatchFeatures(List<FeatureWrite> writes) {
    requireWrites(writes);
    return store.writeBatchFeatures(writes);
  }

  private void requireWrites(List<FeatureWrite> writes) {
    Principal p = who();
    if (p.unrestricted()) {
      return;
    }
    Set<String> groups = new LinkedHashSet<>();
    Map<String, Set<String>> byName = new HashMap<>();
    for (FeatureWrite w : writes) {
      if (w == null || w.featureName() == null) {
        continue; // the store rejects it, naming its position
      }
      if (w.featureGroup() != null) {
        groups.add(w.featureGroup());
      } else {
        Set<String> keys = w.entityValues() == null ? Set.of() : w.entityValues().keySet();
        groups.addAll(
            byName.computeIfAbsent(
                w.featureName() + "\u0000" + String.join(",", new java.util.TreeSet<>(keys)),
                k -> groupsNamed(p, Scope.WRITE, w.featureName(), keys)));
      }
    }
    for (String g : groups) {
      p.require(Scope.WRITE, g);
    }
  }

  @Override
  public EntityFeatures getEntityFeatures(OnlineRequest request) {
    who().require(Scope.READ, request.featureGroup());
    return store.getEntityFeatures(request);
  }

  @Override
  public List<FeatureValue> getHistoricalFeatures(
      Map<String, ?> entityValues,
      List<String> featureRefs,
      @Nullable Instant start,
      @Nullable Instant end) {
    Principal p = who();
    if (!p.unrestricted()) {
      Set<String> keys = entityValues == null ? Set.of() : entityValues.keySet();
      for (String g : groupsOf(p, featureRefs, keys)) {
        p.require(Scope.READ, g);
      }
    }
    return store.getHistoricalFeatures(entityValues, featureRefs, start, end);
  }

  @Override
  public void invalidateCache(Map<String, ?> entityValues, @Nullable String featureGroup) {
    Principal p = who();
    if (featureGroup == null) {
      requireOnEveryGroup(p, Scope.WRITE);
    } else {
      p.require(Scope.WRITE, featureGroup);
    }
    store.invalidateCache(entityValues, featureGroup);
  }

  // ---------------------------------------------------------------- training data

  @Override
  public TrainingSetDefinition getTrainingData(TrainingDataRequest request, PitQuery.RowSink sink) {
    Principal p = who();
    if (!p.unrestricted()) {
      for (String g : groupsOf(p, request.featureRefs(), null)) {
        p.require(Scope.READ, g);
      }
    }
    TrainingSetDefinition definition = store.getTrainingData(request, sink);
    if (request.saveAs() != null) {
      audit(p, SAVE_TRAINING_SET, request.saveAs(), String.join(",", definition.featureRefs()));
    }
    return definition;
  }

  @Override
  public TrainingSetDefinition rerunTrainingSet(String name, PitQuery.RowSink sink) {
    Principal p = who();
    if (!p.unrestricted()) {
      TrainingSetDefinition saved =
          store
              .trainingSet(name)
              .orElseThrow(
                  () -> FeatureStoreException.notFound("training set '" + name + "' not found"));
      for (String g : groupsOf(p, saved.featureRefs(), null)) {
        p.require(Scope.READ, g);
      }
    }
    return store.rerunTrainingSet(name, sink);
  }

  @Override
  public List<TrainingSetDefinition> listTrainingSets() {
    Principal p = who();
    List<TrainingSetDefinition> all = store.listTrainingSets();
    if (p.unrestricted()) {
      return all;
    }
    List<TrainingSetDefinition> visible = new ArrayList<>();
    for (TrainingSetDefinition d : all) {
      if (readable(p, d.featureRefs())) {
        visible.add(d);
      }
    }
    return visible;
  }

  /**
   * A restricted key sees the sets whose groups it may all read: the store filters by the groups
   * the key may read (named in the registry now; groups are never dropped), so the page and its
   * total cost the sets it may see, not every saved one. A key reading every group ('*') pages as
   * an unrestricted one.
   */
  @Override
  public TrainingSetList listTrainingSets(int offset, int limit) {
    Principal p = who();
    if (p.unrestricted() || p.scopes().allowsEverything(Scope.READ)) {
      return store.listTrainingSets(offset, limit);
    }
    return store.listTrainingSets(offset, limit, readableGroups(p));
  }

  /** Within {@code groups}, the ones the key may read. */
  @Override
  public TrainingSetList listTrainingSets(int offset, int limit, Set<String> groups) {
    Principal p = who();
    Set<String> readable = new HashSet<>();
    for (String g : groups) {
      if (p.allows(Scope.READ, g)) {
        readable.add(g);
      }
    }
    return store.listTrainingSets(offset, limit, readable);
  }

  private Set<String> readableGroups(Principal p) {
    Set<String> readable = new HashSet<>();
    for (FeatureGroup g : store.listFeatureGroups()) {
      if (p.allows(Scope.READ, g.name())) {
        readable.add(g.name());
      }
    }
    return readable;
  }

  /** A set the key may not read is not there for it, as in the list. */
  @Override
  public java.util.Optional<TrainingSetDefinition> trainingSet(String name) {
    Principal p = who();
    return store.trainingSet(name).filter(d -> p.unrestricted() || readable(p, d.featureRefs()));
  }

  private boolean readable(Principal p, List<String> refs) {
    try {
      return groupsOf(p, refs, null).stream().allMatch(g -> p.allows(Scope.READ, g));
    } catch (FeatureStoreException e) {
      return false; // a reference to what no longer exists, or not visible to this key
    }
  }

  // ---------------------------------------------------------------- lineage

  /**
   * A restricted key sees the feature versions and computations of the groups it may read; the
   * edges to what it may not read are left out. Tables, training sets and runs are names only.
   */
  @Override
  public LineageGraph lineage(String node, int depth, LineageGraph.Direction direction) {
    Principal p = who();
    LineageGraph all = store.lineage(node, depth, direction);
    if (p.unrestricted()) {
      return all;
    }
    String startGroup = groupOfNode(all.nodes().getFirst());
    if (startGroup != null) {
      p.require(Scope.READ, startGroup);
    }
    Set<String> hidden = new HashSet<>();
    List<LineageGraph.Node> nodes = new ArrayList<>();
    for (LineageGraph.Node n : all.nodes()) {
      String g = groupOfNode(n);
      if (g != null && !p.allows(Scope.READ, g)) {
        hidden.add(n.id());
      } else {
        nodes.add(n);
      }
    }
    return new LineageGraph(
        nodes,
        all.edges().stream()
            .filter(e -> !hidden.contains(e.from()) && !hidden.contains(e.to()))
            .toList());
  }

  private static @Nullable String groupOfNode(LineageGraph.Node n) {
    boolean grouped =
        n.type() == LineageGraph.NodeType.FEATURE_VERSION
            || n.type() == LineageGraph.NodeType.COMPUTATION;
    int colon = n.name().indexOf(':');
    return grouped && colon > 0 ? n.name().substring(0, colon) : null;
  }

  /** Tagging a run is a write to the set's lineage: write scope on every group it reads. */
  @Override
  public LineageGraph.Edge tagTrainingSetRun(String trainingSet, String runId) {
    Principal p = who();
    if (!p.unrestricted()) {
      TrainingSetDefinition saved =
          store
              .trainingSet(trainingSet)
              .orElseThrow(
                  () ->
                      FeatureStoreException.notFound(
                          "training set '" + trainingSet + "' not found"));
      for (String g : groupsOf(p, saved.featureRefs(), null)) {
        p.require(Scope.WRITE, g);
      }
    }
    LineageGraph.Edge edge = store.tagTrainingSetRun(trainingSet, runId);
    audit(p, TAG_RUN, trainingSet, runId);
    return edge;
  }

  // ---------------------------------------------------------------- materialization

  /** Materializing writes the group's values: write scope on the group. */
  @Override
  public io.e2i.featurestore.MaterializationRun materialize(
      String featureGroup, @Nullable Instant start, @Nullable Instant end, String trigger) {
    who().require(Scope.WRITE, featureGroup);
    return store.materialize(featureGroup, start, end, trigger);
  }

  /** Runs of the groups the key may read. */
  @Override
  public List<io.e2i.featurestore.MaterializationRun> materializations(
      @Nullable String featureGroup, int limit) {
    Principal p = who();
    if (featureGroup != null) {
      p.require(Scope.READ, featureGroup);
    }
    List<io.e2i.featurestore.MaterializationRun> runs = store.materializations(featureGroup, limit);
    return p.unrestricted()
        ? runs
        : runs.stream().filter(r -> p.allows(Scope.READ, r.featureGroup())).toList();
  }

  // ---------------------------------------------------------------- operations

  @Override
  public long updateFreshnessStatus() {
    requireOnEveryGroup(who(), Scope.WRITE);
    return store.updateFreshnessStatus();
  }

  @Override
  public List<FreshnessReport> freshnessMonitor() {
    Principal p = who();
    List<FreshnessReport> all = store.freshnessMonitor();
    return p.unrestricted()
        ? all
        : all.stream().filter(r -> p.allows(Scope.READ, r.featureGroup())).toList();
  }

  @Override
  public FeatureStatistics computeStatistics(String featureGroup, String featureName) {
    who().require(Scope.WRITE, featureGroup);
    return store.computeStatistics(featureGroup, featureName);
  }

  @Override
  public HealthStatus healthCheck() {
    return store.healthCheck();
  }

  @Override
  public int awaitTracking(Duration timeout) {
    return store.awaitTracking(timeout);
  }

  @Override
  public CacheStats cacheStats() {
    return store.cacheStats();
  }

  @Override
  public List<io.e2i.featurestore.ConstraintWarning> constraintWarnings() {
    return store.constraintWarnings();
  }

  /** Validation and drift check the caller's read scope on the group before they query. */
  @Override
  public Optional<io.e2i.featurestore.spi.QualityQueries> qualityQueries() {
    return store.qualityQueries();
  }

  @Override
  public SecurityRegistry security() {
    return security;
  }

  /** The server does not own the store: its owner closes it. */
  @Override
  public void close() {}

  // ---------------------------------------------------------------- group resolution

  /** Every group some call on all groups would touch; a key needs the scope on each. */
  private void requireOnEveryGroup(Principal p, Scope scope) {
    if (p.unrestricted()) {
      return;
    }
    for (FeatureGroup g : store.listFeatureGroups()) {
      p.require(scope, g.name());
    }
  }

  /** The groups references point at; bare names as the store would resolve them, see below. */
  private Set<String> groupsOf(Principal p, List<String> refs, @Nullable Set<String> entityKeys) {
    Set<String> groups = new LinkedHashSet<>();
    for (String text : refs) {
      FeatureRef ref = FeatureRef.parse(text); // a bad reference: the store's own error
      if (ref.featureGroup() != null) {
        groups.add(ref.featureGroup());
      } else {
        groups.addAll(groupsNamed(p, Scope.READ, ref.name(), entityKeys));
      }
    }
    return groups;
  }

  /**
   * The groups a bare feature name resolves to, as the store's resolver does it: the one group with
   * a feature of that name, else those whose feature takes exactly the entity's keys; when that is
   * still not one group, all of them (the store refuses the call as ambiguous anyway). A name no
   * group has is answered here as not found unless the key may {@code scope} every group: the store
   * would reload its registry on the miss, and could find it in a group this check never saw.
   */
  private Set<String> groupsNamed(
      Principal p, Scope scope, String name, @Nullable Set<String> entityKeys) {
    List<Feature> named = new ArrayList<>();
    for (FeatureGroup g : store.listFeatureGroups()) {
      for (Feature f : store.listFeatures(g.name())) {
        if (f.name().equals(name)) {
          named.add(f);
        }
      }
    }
    if (named.isEmpty()) {
      if (p.scopes().allowsEverything(scope)) {
        return Set.of();
      }
      throw FeatureStoreException.notFound("feature '" + name + "' not found in any group");
    }
    if (named.size() > 1 && entityKeys != null) {
      List<Feature> fitting =
          named.stream().filter(f -> new HashSet<>(f.entityKeys()).equals(entityKeys)).toList();
      if (fitting.size() == 1) {
        return Set.of(fitting.getFirst().featureGroup());
      }
    }
    Set<String> groups = new LinkedHashSet<>();
    named.forEach(f -> groups.add(f.featureGroup()));
    return groups;
  }
}
