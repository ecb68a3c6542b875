package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.OnlineCache;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.Tracker;
import io.e2i.featurestore.spi.ValueRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The facade: validates, resolves names against the registry snapshot, and orders the work so that
 * data flows one way: offline store (commits first), then cache invalidation, then tracking.
 */
final class DefaultFeatureStore implements FeatureStore, Tracker.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultFeatureStore.class);

  private final Registry registry;
  private final OfflineStore offline;
  private final OnlineCache cache; // null: no online cache
  private final Tracker tracker;
  private final Clock clock;
  private final Object registryLock = new Object();
  private volatile RegistrySnapshot snapshot;
  private volatile long lastReload;

  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder cacheErrors = new LongAdder();

  DefaultFeatureStore(
      Registry registry, OfflineStore offline, OnlineCache cache, Tracker tracker, Clock clock) {
    this.registry = registry;
    this.offline = offline;
    this.cache = cache;
    this.tracker = tracker;
    this.clock = clock;
    reload();
    tracker.start(this);
  }

  // ---------------------------------------------------------------- registry

  private void reload() {
    synchronized (registryLock) {
      snapshot = RegistrySnapshot.of(registry.loadGroups(), registry.loadFeatures());
      lastReload = System.nanoTime();
    }
  }

  /**
   * Another instance may have changed the registry: before reporting a name as unknown, reload at
   * most once a second.
   */
  private RegistrySnapshot snapshotAfterMiss() {
    if (System.nanoTime() - lastReload > 1_000_000_000L) {
      reload();
    }
    return snapshot;
  }

  private GroupView group(String name) {
    if (name == null || name.isBlank()) {
      throw FeatureStoreException.invalid("feature_group is required");
    }
    return snapshot
        .group(name)
        .or(() -> snapshotAfterMiss().group(name))
        .orElseThrow(
            () -> FeatureStoreException.notFound("feature group '" + name + "' not found"));
  }

  @Override
  public FeatureGroup createFeatureGroup(FeatureGroup group) {
    FeatureGroup result;
    boolean created = false;
    synchronized (registryLock) {
      reload();
      Optional<GroupView> existing = snapshot.group(group.name());
      if (existing.isEmpty()) {
        created = registry.insertGroup(group.withCreatedAt(now()));
        if (!created) {
          reload(); // another instance created it meanwhile
          return createFeatureGroup(group);
        }
      } else if (!existing.get().group().sameDefinition(group)) {
        FeatureGroup stored = existing.get().group();
        registry.updateGroup(
            group
                .withCreatedAt(stored.createdAt())
                .withMlflowExperimentId(stored.mlflowExperimentId()));
      }
      reload();
      result = snapshot.group(group.name()).orElseThrow().group();
    }
    if (created) {
      tracker.trackGroup(result);
    }
    return result;
  }

  @Override
  public Optional<FeatureGroup> getFeatureGroup(String name) {
    return snapshot.group(name).or(() -> snapshotAfterMiss().group(name)).map(GroupView::group);
  }

  @Override
  public List<FeatureGroup> listFeatureGroups() {
    return snapshot.groups().stream().map(GroupView::group).toList();
  }

  @Override
  public Feature createFeature(FeatureSpec spec) {
    Feature result;
    boolean newVersion = false;
    synchronized (registryLock) {
      reload();
      GroupView view =
          snapshot
              .group(spec.featureGroup())
              .orElseThrow(
                  () ->
                      FeatureStoreException.notFound(
                          "feature group '"
                              + spec.featureGroup()
                              + "' not found; create it before its features"));
      Optional<Feature> latest = view.latest(spec.name());
      if (latest.isEmpty() || latest.get().definitionDiffers(spec)) {
        int version = latest.map(f -> f.version() + 1).orElse(1);
        if (!registry.insertFeature(Feature.fromSpec(spec, version, now()))) {
          reload();
          return createFeature(spec);
        }
        newVersion = true;
      } else if (latest.get().metadataDiffers(spec)) {
        registry.updateFeature(latest.get().withMetadata(spec));
      }
      reload();
      result = snapshot.group(spec.featureGroup()).orElseThrow().latest(spec.name()).orElseThrow();
    }
    if (newVersion) {
      tracker.trackFeature(group(spec.featureGroup()).group(), result);
    }
    return result;
  }

  @Override
  public Optional<Feature> getFeature(String featureGroup, String name) {
    return getFeatureGroup(featureGroup).flatMap(g -> snapshot.group(g.name()).get().latest(name));
  }

  @Override
  public Optional<Feature> getFeature(String featureGroup, String name, int version) {
    return getFeatureGroup(featureGroup)
        .flatMap(g -> snapshot.group(g.name()).get().version(name, version));
  }

  @Override
  public List<Feature> listFeatures(String featureGroup) {
    return group(featureGroup).latestFeatures();
  }

  @Override
  public List<Feature> listFeatureVersions(String featureGroup, String name) {
    List<Feature> versions = group(featureGroup).versionsByName().get(name);
    if (versions == null) {
      throw FeatureStoreException.notFound(
          "feature '" + name + "' not found in group '" + featureGroup + "'");
    }
    return versions;
  }

  @Override
  public void experimentCreated(String featureGroup, String experimentId) {
    synchronized (registryLock) {
      reload();
      snapshot
          .group(featureGroup)
          .ifPresent(v -> registry.updateGroup(v.group().withMlflowExperimentId(experimentId)));
      reload();
    }
  }

  @Override
  public void runCreated(UUID featureId, String runId) {
    synchronized (registryLock) {
      reload();
      snapshot.byId(featureId).ifPresent(f -> registry.updateFeature(f.withMlflowRunId(runId)));
      reload();
    }
  }

  // ---------------------------------------------------------------- resolution

  /**
   * Resolves a reference for an entity. Without a group, the one latest feature of that name whose
   * entity keys are the entity's; several is a conflict, none is not-found.
   */
  private Feature resolve(FeatureRef ref, EntityKey entity) {
    Feature feature;
    if (ref.featureGroup() != null) {
      GroupView view = group(ref.featureGroup());
      Optional<Feature> found =
          ref.version() == null ? view.latest(ref.name()) : view.version(ref.name(), ref.version());
      feature =
          found.orElseThrow(
              () ->
                  FeatureStoreException.notFound(
                      "feature '"
                          + ref
                          + "' not found"
                          + (view.versionsByName().containsKey(ref.name())
                              ? "; versions: "
                                  + view.versionsByName().get(ref.name()).stream()
                                      .map(Feature::version)
                                      .toList()
                              : "")));
    } else {
      feature = resolveByName(ref.name(), entity);
      if (ref.version() != null) {
        return resolve(new FeatureRef(feature.featureGroup(), ref.name(), ref.version()), entity);
      }
    }
    if (entity != null) {
      checkEntityKeys(feature, entity);
    }
    return feature;
  }

  private Feature resolveByName(String name, EntityKey entity) {
    List<Feature> named = snapshot.latestNamed(name);
    if (named.isEmpty()) {
      named = snapshotAfterMiss().latestNamed(name);
    }
    if (named.isEmpty()) {
      throw FeatureStoreException.notFound("feature '" + name + "' not found in any group");
    }
    if (named.size() == 1) {
      return named.getFirst();
    }
    List<Feature> fitting =
        named.stream().filter(f -> f.entityKeys().equals(entity.keyNames())).toList();
    if (fitting.size() == 1) {
      return fitting.getFirst();
    }
    throw new FeatureStoreException(
        FeatureStoreException.Code.CONFLICT,
        "feature '"
            + name
            + "' exists in groups "
            + named.stream().map(Feature::featureGroup).toList()
            + "; name the feature_group");
  }

  private static void checkEntityKeys(Feature feature, EntityKey entity) {
    if (feature.entityKeys().equals(entity.keyNames())) {
      return;
    }
    List<String> missing = new ArrayList<>(feature.entityKeys());
    missing.removeAll(entity.keyNames());
    List<String> extra = new ArrayList<>(entity.keyNames());
    extra.removeAll(feature.entityKeys());
    StringBuilder msg =
        new StringBuilder("feature '")
            .append(feature.featureGroup())
            .append(':')
            .append(feature.name())
            .append("' takes entity keys ")
            .append(feature.entityKeys())
            .append(", got ")
            .append(entity);
    if (!missing.isEmpty()) {
      msg.append(": missing entity key ").append(String.join(", ", missing));
    }
    if (!extra.isEmpty()) {
      msg.append(missing.isEmpty() ? ": " : "; ").append("unexpected entity key ");
      msg.append(String.join(", ", extra));
    }
    throw FeatureStoreException.invalid(msg.toString());
  }

  // ---------------------------------------------------------------- writes

  @Override
  public void writeFeatureValue(FeatureWrite write) {
    writeBatchFeatures(List.of(write));
  }

  @Override
  public int writeBatchFeatures(List<FeatureWrite> writes) {
    if (writes == null || writes.isEmpty()) {
      return 0;
    }
    Instant writtenAt = now();
    List<ValueRow> rows = new ArrayList<>(writes.size());
    Set<Map.Entry<EntityKey, String>> touched = new LinkedHashSet<>();
    for (int i = 0; i < writes.size(); i++) {
      FeatureWrite w = writes.get(i);
      ValueRow row = validate(w, i, writes.size(), writtenAt);
      rows.add(row);
      touched.add(Map.entry(row.entity(), featureGroupOf(row)));
    }
    try {
      offline.write(rows, writtenAt);
    } catch (FeatureStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw FeatureStoreException.unavailable(
          "offline store write failed, nothing was written: " + e.getMessage(), e);
    }
    invalidate(touched);
    return rows.size();
  }

  private String featureGroupOf(ValueRow row) {
    return snapshot.byId(row.featureId()).orElseThrow().featureGroup();
  }

  private ValueRow validate(FeatureWrite w, int index, int total, Instant writtenAt) {
    String where = total > 1 ? "value #" + (index + 1) + ": " : "";
    if (w == null) {
      throw FeatureStoreException.invalid(where + "null write");
    }
    try {
      EntityKey entity = EntityKey.of(w.entityValues());
      if (w.featureName() == null || w.featureName().isBlank()) {
        throw FeatureStoreException.invalid("feature_name is required");
      }
      Feature feature = resolve(new FeatureRef(w.featureGroup(), w.featureName(), null), entity);
      Object value;
      try {
        value = feature.valueType().normalize(w.value());
      } catch (IllegalArgumentException e) {
        throw FeatureStoreException.typeMismatch(
            "feature '"
                + feature.featureGroup()
                + ":"
                + feature.name()
                + "' ("
                + feature.valueType().wireName()
                + ") for entity "
                + entity
                + " rejects value "
                + describe(w.value())
                + ": "
                + e.getMessage());
      }
      Instant eventTimestamp =
          w.eventTimestamp() == null
              ? writtenAt
              : w.eventTimestamp().truncatedTo(ChronoUnit.MICROS);
      return new ValueRow(feature.id(), entity, value, eventTimestamp);
    } catch (FeatureStoreException e) {
      if (where.isEmpty()) {
        throw e;
      }
      throw new FeatureStoreException(
          e.code(), where + e.getMessage() + "; nothing was written", e);
    }
  }

  private static String describe(Object value) {
    return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
  }

  private void invalidate(Set<Map.Entry<EntityKey, String>> scopes) {
    if (cache == null) {
      return;
    }
    try {
      cache.invalidateAll(scopes);
      invalidations.add(scopes.size());
    } catch (RuntimeException e) {
      // The write is committed; the cache must recover by itself (see OnlineCache).
      cacheErrors.increment();
      LOG.warn("online cache invalidation of {} entities failed: {}", scopes.size(), e.toString());
    }
  }

  // ---------------------------------------------------------------- online reads

  @Override
  public EntityFeatures getEntityFeatures(OnlineRequest request) {
    EntityKey entity = EntityKey.of(request.entityValues());
    GroupView view = group(request.featureGroup());
    List<Feature> features = selectFeatures(view, entity, request.featureNames());
    Instant now = now();
    if (features.isEmpty()) {
      return new EntityFeatures(entity, Map.of(), Map.of());
    }
    boolean cacheable = cache != null && request.useCache() && request.asOf() == null;
    CacheKey key = null;
    long generation = 0;
    if (cacheable) {
      key = new CacheKey(entity, view.group().name(), names(features));
      try {
        CachedFeatures cached = cache.get(key);
        if (cached != null) {
          hits.increment();
          return toEntityFeatures(entity, view.group(), cached, now);
        }
        misses.increment();
        generation = cache.generation(entity, view.group().name());
      } catch (RuntimeException e) {
        cacheErrors.increment();
        cacheable = false;
      }
    }
    CachedFeatures loaded = load(entity, features, request.asOf());
    if (cacheable) {
      try {
        cache.putIfCurrent(key, loaded, generation);
      } catch (RuntimeException e) {
        cacheErrors.increment();
      }
    }
    return toEntityFeatures(
        entity, view.group(), loaded, request.asOf() == null ? now : request.asOf());
  }

  private List<Feature> selectFeatures(GroupView view, EntityKey entity, List<String> names) {
    if (names.isEmpty()) {
      List<Feature> fitting = view.latestByEntityKeys().get(entity.keyNames());
      if (fitting == null) {
        if (view.versionsByName().isEmpty()) {
          return List.of();
        }
        throw FeatureStoreException.invalid(
            "no feature of group '"
                + view.group().name()
                + "' takes entity keys "
                + entity.keyNames()
                + "; its features take "
                + view.latestByEntityKeys().keySet().stream()
                    .sorted(Comparator.comparing(Object::toString))
                    .toList());
      }
      return fitting;
    }
    List<Feature> selected = new ArrayList<>(names.size());
    for (String name : new LinkedHashSet<>(names)) {
      FeatureRef ref = FeatureRef.parse(name);
      if (ref.featureGroup() != null && !ref.featureGroup().equals(view.group().name())) {
        throw FeatureStoreException.invalid(
            "feature '" + name + "' is not in group '" + view.group().name() + "'");
      }
      selected.add(resolve(new FeatureRef(view.group().name(), ref.name(), ref.version()), entity));
    }
    selected.sort(Comparator.comparing(Feature::name));
    return selected;
  }

  private static List<String> names(List<Feature> features) {
    List<String> names = new ArrayList<>(features.size());
    for (Feature f : features) {
      names.add(f.name() + "@" + f.version());
    }
    return names;
  }

  private CachedFeatures load(EntityKey entity, List<Feature> features, Instant asOf) {
    List<UUID> ids = new ArrayList<>(features.size());
    for (Feature f : features) {
      ids.add(f.id());
    }
    Map<UUID, StoredValue> stored;
    try {
      stored = offline.latest(entity, ids, asOf, null);
    } catch (FeatureStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw FeatureStoreException.unavailable("offline store read failed: " + e.getMessage(), e);
    }
    List<CachedFeatures.Entry> entries = new ArrayList<>(stored.size());
    for (Feature f : features) {
      StoredValue v = stored.get(f.id());
      if (v != null) {
        entries.add(
            new CachedFeatures.Entry(
                f.name(),
                f.version(),
                f.valueType(),
                ValueCodec.decode(f.valueType(), v.valueJson()),
                v.eventTimestamp()));
      }
    }
    return new CachedFeatures(entries);
  }

  private static EntityFeatures toEntityFeatures(
      EntityKey entity, FeatureGroup group, CachedFeatures cached, Instant now) {
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, FeatureMetadata> metadata = new LinkedHashMap<>();
    for (CachedFeatures.Entry e : cached.entries()) {
      values.put(e.featureName(), e.value());
      metadata.put(
          e.featureName(),
          new FeatureMetadata(
              group.name(),
              e.version(),
              e.eventTimestamp(),
              group.freshnessAt(e.eventTimestamp(), now)));
    }
    return new EntityFeatures(entity, values, metadata);
  }

  @Override
  public void invalidateCache(Map<String, ?> entityValues, String featureGroup) {
    EntityKey entity = EntityKey.of(entityValues);
    if (featureGroup != null) {
      group(featureGroup);
    }
    if (cache == null) {
      return;
    }
    try {
      if (featureGroup == null) {
        cache.invalidateEntity(entity);
      } else {
        cache.invalidate(entity, featureGroup);
      }
      invalidations.increment();
    } catch (RuntimeException e) {
      cacheErrors.increment();
      throw FeatureStoreException.unavailable("online cache unreachable: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- history

  @Override
  public List<FeatureValue> getHistoricalFeatures(
      Map<String, ?> entityValues, List<String> featureRefs, Instant start, Instant end) {
    EntityKey entity = EntityKey.of(entityValues);
    if (featureRefs == null || featureRefs.isEmpty()) {
      throw FeatureStoreException.invalid("feature_names must name at least one feature");
    }
    if (start != null && end != null && start.isAfter(end)) {
      throw FeatureStoreException.invalid("start_time " + start + " is after end_time " + end);
    }
    Map<UUID, Feature> byId = new LinkedHashMap<>();
    for (String ref : featureRefs) {
      Feature f = resolve(FeatureRef.parse(ref), entity);
      byId.put(f.id(), f);
    }
    List<StoredValue> stored;
    try {
      stored = offline.history(entity, byId.keySet(), start, end);
    } catch (RuntimeException e) {
      throw FeatureStoreException.unavailable("offline store read failed: " + e.getMessage(), e);
    }
    Instant now = now();
    // Output order: feature name, group, version, then event time. Features are ranked once so the
    // sort compares an int and an Instant per pair (7,200 values in a 30-day history of 10).
    Map<UUID, Integer> rank = historyRanks(byId.values());
    List<StoredValue> ordered = new ArrayList<>(stored);
    ordered.sort(
        Comparator.<StoredValue>comparingInt(v -> rank.get(v.featureId()))
            .thenComparing(StoredValue::eventTimestamp));
    List<FeatureValue> values = new ArrayList<>(ordered.size());
    for (StoredValue v : ordered) {
      Feature f = byId.get(v.featureId());
      FeatureGroup g = group(f.featureGroup()).group();
      values.add(
          new FeatureValue(
              f.featureGroup(),
              f.name(),
              f.version(),
              entity,
              ValueCodec.decode(f.valueType(), v.valueJson()),
              v.eventTimestamp(),
              v.writtenAt(),
              g.freshnessAt(v.eventTimestamp(), now)));
    }
    return values;
  }

  private static Map<UUID, Integer> historyRanks(Collection<Feature> features) {
    List<Feature> sorted =
        features.stream()
            .sorted(
                Comparator.comparing(Feature::name)
                    .thenComparing(Feature::featureGroup)
                    .thenComparingInt(Feature::version))
            .toList();
    Map<UUID, Integer> rank = new HashMap<>();
    for (int i = 0; i < sorted.size(); i++) {
      rank.put(sorted.get(i).id(), i);
    }
    return rank;
  }

  // ---------------------------------------------------------------- freshness

  private List<FreshnessRule> rules(boolean allVersions) {
    List<FreshnessRule> rules = new ArrayList<>();
    for (GroupView view : snapshot.groups()) {
      Duration expected = view.group().expectedUpdateFrequency();
      Duration maxAge = view.group().maxAge();
      for (List<Feature> versions : view.versionsByName().values()) {
        for (Feature f : allVersions ? versions : List.of(versions.getLast())) {
          rules.add(new FreshnessRule(f.id(), expected, maxAge));
        }
      }
    }
    return rules;
  }

  @Override
  public long updateFreshnessStatus() {
    try {
      return offline.updateFreshness(rules(true), now());
    } catch (RuntimeException e) {
      throw FeatureStoreException.unavailable("offline store unavailable: " + e.getMessage(), e);
    }
  }

  @Override
  public List<FreshnessReport> freshnessMonitor() {
    Instant now = now();
    List<FreshnessCounts> counts;
    try {
      counts = offline.freshness(rules(false), now);
    } catch (RuntimeException e) {
      throw FeatureStoreException.unavailable("offline store unavailable: " + e.getMessage(), e);
    }
    Map<UUID, FreshnessCounts> byId = new LinkedHashMap<>();
    counts.forEach(c -> byId.put(c.featureId(), c));
    List<FreshnessReport> reports = new ArrayList<>();
    for (GroupView view : snapshot.groups()) {
      for (Feature f : view.latestFeatures()) {
        FreshnessCounts c =
            byId.getOrDefault(f.id(), new FreshnessCounts(f.id(), 0, 0, 0, 0, null));
        reports.add(
            new FreshnessReport(
                f.featureGroup(),
                f.name(),
                f.version(),
                c.totalEntities(),
                c.fresh(),
                c.stale(),
                c.expired(),
                c.lastEvent(),
                c.lastEvent() == null ? null : Duration.between(c.lastEvent(), now),
                now));
      }
    }
    return reports;
  }

  // ---------------------------------------------------------------- training data

  @Override
  public TrainingSetDefinition getTrainingData(TrainingDataRequest request, PitQuery.RowSink sink) {
    // Pinning as-of to "now" when unset makes every run, saved or not, reproducible later.
    // A future as-of would let later writes into a re-run, so it is pinned to now as well.
    Instant now = now();
    Instant asOf = request.asOf() == null || request.asOf().isAfter(now) ? now : request.asOf();
    List<Feature> features = new ArrayList<>();
    for (String text : request.featureRefs()) {
      features.add(resolveForTraining(FeatureRef.parse(text)));
    }
    PitQuery.Spine spine = checkSpine(request.spine(), features);
    List<PitQuery.PitFeature> columns = pitColumns(features, spine);
    try {
      offline.pointInTimeJoin(new PitQuery(spine, columns, asOf), sink);
    } catch (FeatureStoreException e) {
      throw e;
    } catch (UnsupportedOperationException e) {
      throw FeatureStoreException.invalid(e.getMessage());
    } catch (RuntimeException e) {
      throw FeatureStoreException.unavailable("training data failed: " + e.getMessage(), e);
    }
    TrainingSetDefinition definition =
        new TrainingSetDefinition(
            request.saveAs() == null ? "unsaved" : request.saveAs(),
            spine,
            features.stream().map(Feature::reference).toList(),
            asOf,
            now());
    if (request.saveAs() != null) {
      registry.saveTrainingSet(definition.name(), TrainingSets.toJson(definition));
    }
    return definition;
  }

  @Override
  public TrainingSetDefinition rerunTrainingSet(String name, PitQuery.RowSink sink) {
    String json = registry.loadTrainingSets().get(name);
    if (json == null) {
      throw FeatureStoreException.notFound("training set '" + name + "' not found");
    }
    TrainingSetDefinition saved = TrainingSets.fromJson(json);
    getTrainingData(
        new TrainingDataRequest(saved.spine(), saved.featureRefs(), saved.asOf(), null), sink);
    return saved;
  }

  @Override
  public List<TrainingSetDefinition> listTrainingSets() {
    return registry.loadTrainingSets().values().stream()
        .map(TrainingSets::fromJson)
        .sorted(Comparator.comparing(TrainingSetDefinition::name))
        .toList();
  }

  private Feature resolveForTraining(FeatureRef ref) {
    if (ref.featureGroup() != null) {
      return resolve(ref, null);
    }
    List<Feature> named = snapshot.latestNamed(ref.name());
    if (named.size() != 1) {
      throw FeatureStoreException.invalid(
          "training data needs 'group:feature' references; '"
              + ref
              + "' "
              + (named.isEmpty()
                  ? "is not a feature"
                  : "is in groups " + named.stream().map(Feature::featureGroup).toList()));
    }
    return resolve(
        new FeatureRef(named.getFirst().featureGroup(), ref.name(), ref.version()), null);
  }

  /** Checks in-memory spines up front, so a bad row is named before any work is done. */
  private static PitQuery.Spine checkSpine(PitQuery.Spine spine, List<Feature> features) {
    if (!(spine instanceof PitQuery.Spine.Rows rows)) {
      return spine;
    }
    int ts = rows.columns().indexOf(rows.timestampColumn());
    if (ts < 0) {
      throw FeatureStoreException.invalid(
          "spine has no timestamp column '"
              + rows.timestampColumn()
              + "'; columns: "
              + rows.columns());
    }
    for (Feature f : features) {
      for (String key : f.entityKeys()) {
        if (!rows.columns().contains(key)) {
          throw FeatureStoreException.invalid(
              "spine lacks entity key column '" + key + "' needed by " + f.reference());
        }
      }
    }
    List<Object[]> normalized = new ArrayList<>(rows.rows().size());
    for (int i = 0; i < rows.rows().size(); i++) {
      Object[] row = rows.rows().get(i);
      if (row.length != rows.columns().size()) {
        throw FeatureStoreException.invalid(
            "spine row "
                + (i + 1)
                + " has "
                + row.length
                + " values for "
                + rows.columns().size()
                + " columns");
      }
      Object[] copy = row.clone();
      try {
        copy[ts] = ValueType.toInstant(row[ts]);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw FeatureStoreException.invalid("spine row " + (i + 1) + ": " + e.getMessage());
      }
      normalized.add(copy);
    }
    return new PitQuery.Spine.Rows(rows.columns(), rows.timestampColumn(), normalized);
  }

  private List<PitQuery.PitFeature> pitColumns(List<Feature> features, PitQuery.Spine spine) {
    Map<String, Long> nameCounts = new java.util.HashMap<>();
    features.forEach(f -> nameCounts.merge(f.name(), 1L, Long::sum));
    Set<String> used = new java.util.HashSet<>();
    if (spine instanceof PitQuery.Spine.Rows rows) {
      used.addAll(rows.columns());
    }
    List<PitQuery.PitFeature> columns = new ArrayList<>();
    for (Feature f : features) {
      String column = nameCounts.get(f.name()) > 1 ? f.featureGroup() + "__" + f.name() : f.name();
      if (!used.add(column)) {
        throw FeatureStoreException.invalid(
            "output column '" + column + "' would appear twice (" + f.reference() + ")");
      }
      columns.add(
          new PitQuery.PitFeature(
              f.id(),
              column,
              f.valueType(),
              f.entityKeys(),
              group(f.featureGroup()).group().maxAge()));
    }
    return columns;
  }

  // ---------------------------------------------------------------- statistics

  @Override
  public FeatureStatistics computeStatistics(String featureGroup, String featureName) {
    GroupView view = group(featureGroup);
    Feature feature =
        view.latest(featureName)
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature '" + featureName + "' not found in group '" + featureGroup + "'"));
    FeatureStatistics stats = offline.statistics(feature.id(), feature.valueType(), now());
    synchronized (registryLock) {
      reload();
      Feature current = snapshot.byId(feature.id()).orElse(feature);
      registry.updateFeature(current.withStatistics(StatisticsMaps.toMap(stats)));
      reload();
    }
    tracker.trackStatistics(view.group(), snapshot.byId(feature.id()).orElse(feature), stats);
    return stats;
  }

  // ---------------------------------------------------------------- operations

  @Override
  public HealthStatus healthCheck() {
    boolean online = cache != null && cache.isHealthy();
    Map<String, String> details = new LinkedHashMap<>();
    details.put("offline_store", offline.describe());
    details.put("online_cache", cache == null ? "none" : cache.describe());
    details.put("tracking", tracker.describe());
    details.put("cache_hit_rate", String.format("%.4f", cacheStats().hitRate()));
    return new HealthStatus(offline.isHealthy(), online, tracker.isHealthy(), details);
  }

  @Override
  public CacheStats cacheStats() {
    return new CacheStats(hits.sum(), misses.sum(), invalidations.sum(), cacheErrors.sum());
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  @Override
  public void close() {
    closeQuietly(tracker);
    if (cache != null) {
      closeQuietly(cache);
    }
    closeQuietly(offline);
    closeQuietly(registry);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.warn("closing {} failed: {}", closeable, e.toString());
    }
  }
}
