package io.e2i.featurestore;

import io.e2i.featurestore.spi.LineageEvents;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.OnlineCache;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.Tracker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The facade: delegates each call to the path that owns it. All paths resolve names against one
 * registry snapshot ({@link RegistryHolder}, {@link Resolver}) and order their work so that data
 * flows one way: offline store (commits between the cache's begin and end of the write), then
 * tracking. Time arguments (window bounds, as-ofs) are held to years 0000 to 9999 here, once for
 * every backend ({@link ValueType#checkTimeArgument}), as HTTP holds them.
 */
final class DefaultFeatureStore implements FeatureStore, Tracker.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultFeatureStore.class);

  private final Registry registry;
  private final OfflineStore offline;
  private final @Nullable OnlineCache cache;
  private final Tracker tracker;
  private final CacheCounters counters = new CacheCounters();
  private final RegistryOperations registryOperations;
  private final WritePath writes;
  private final ReadPath reads;
  private final HistoryPath history;
  private final TrainingData training;
  private final FreshnessPath freshness;
  private final StatisticsPath statistics;
  private final MaterializationPath materialization;
  private final OnDemandPath onDemand;
  private final LineagePath lineage;
  private final LineageEvents lineageEvents;

  DefaultFeatureStore(
      Registry registry,
      OfflineStore offline,
      @Nullable OnlineCache cache,
      Tracker tracker,
      Clock clock,
      LineageEvents lineageEvents,
      int materializationBatch) {
    this.registry = registry;
    this.lineageEvents = lineageEvents;
    this.offline = offline;
    this.cache = cache;
    this.tracker = tracker;
    StoreClock storeClock = new StoreClock(clock);
    RegistryHolder holder = new RegistryHolder(registry);
    Resolver resolver = new Resolver(holder);
    registryOperations = new RegistryOperations(holder, registry, tracker, storeClock);
    writes = new WritePath(holder, resolver, offline, cache, counters, storeClock);
    reads = new ReadPath(holder, resolver, offline, cache, counters, storeClock);
    history = new HistoryPath(holder, resolver, offline, storeClock);
    lineage = new LineagePath(holder, registry);
    onDemand = new OnDemandPath(holder, OnDemandPath.discover(), storeClock);
    training =
        new TrainingData(
            holder, resolver, registry, offline, storeClock, lineage, lineageEvents, onDemand);
    freshness = new FreshnessPath(holder, offline, storeClock);
    statistics = new StatisticsPath(holder, registry, offline, tracker, storeClock);
    materialization =
        new MaterializationPath(
            holder, writes, offline.pipelines(), storeClock, lineageEvents, materializationBatch);
    // Last: the tracker may call back at once, and every path must exist by then.
    tracker.start(this);
  }

  // ---------------------------------------------------------------- registry

  @Override
  public FeatureGroup createFeatureGroup(FeatureGroup group) {
    return registryOperations.createFeatureGroup(group);
  }

  @Override
  public FeatureGroup updateFeatureGroup(FeatureGroup group) {
    return registryOperations.updateFeatureGroup(group);
  }

  @Override
  public Optional<FeatureGroup> getFeatureGroup(String name) {
    return registryOperations.getFeatureGroup(name);
  }

  @Override
  public List<FeatureGroup> listFeatureGroups() {
    return registryOperations.listFeatureGroups();
  }

  @Override
  public Feature createFeature(FeatureSpec spec) {
    onDemand.check(spec);
    return registryOperations.createFeature(spec);
  }

  @Override
  public Feature updateFeature(FeatureSpec spec) {
    onDemand.check(spec);
    return registryOperations.updateFeature(spec);
  }

  @Override
  public Optional<Feature> getFeature(String featureGroup, String name) {
    return registryOperations.getFeature(featureGroup, name);
  }

  @Override
  public Optional<Feature> getFeature(String featureGroup, String name, int version) {
    return registryOperations.getFeature(featureGroup, name, version);
  }

  @Override
  public List<Feature> listFeatures(String featureGroup) {
    return registryOperations.listFeatures(featureGroup);
  }

  @Override
  public List<Feature> listFeatureVersions(String featureGroup, String name) {
    return registryOperations.listFeatureVersions(featureGroup, name);
  }

  @Override
  public void experimentCreated(String featureGroup, String experimentId) {
    registryOperations.experimentCreated(featureGroup, experimentId);
  }

  @Override
  public void runCreated(UUID featureId, String runId) {
    registryOperations.runCreated(featureId, runId);
  }

  // ---------------------------------------------------------------- values

  @Override
  public void writeFeatureValue(FeatureWrite write) {
    writes.writeBatchFeatures(List.of(write));
  }

  @Override
  public int writeBatchFeatures(List<FeatureWrite> writes) {
    return this.writes.writeBatchFeatures(writes);
  }

  @Override
  public EntityFeatures getEntityFeatures(OnlineRequest request) {
    ValueType.checkTimeArgument("as_of", request.asOf());
    return onDemand.read(request, reads);
  }

  @Override
  public void invalidateCache(Map<String, ?> entityValues, @Nullable String featureGroup) {
    reads.invalidateCache(entityValues, featureGroup);
  }

  @Override
  public List<FeatureValue> getHistoricalFeatures(
      Map<String, ?> entityValues,
      List<String> featureRefs,
      @Nullable Instant start,
      @Nullable Instant end) {
    ValueType.checkTimeArgument("start_time", start);
    ValueType.checkTimeArgument("end_time", end);
    return history.getHistoricalFeatures(entityValues, featureRefs, start, end);
  }

  // ---------------------------------------------------------------- freshness, statistics

  @Override
  public long updateFreshnessStatus() {
    return freshness.updateFreshnessStatus();
  }

  @Override
  public List<FreshnessReport> freshnessMonitor() {
    return freshness.freshnessMonitor();
  }

  @Override
  public FeatureStatistics computeStatistics(String featureGroup, String featureName) {
    return statistics.computeStatistics(featureGroup, featureName);
  }

  // ---------------------------------------------------------------- materialization

  @Override
  public MaterializationRun materialize(
      String featureGroup, @Nullable Instant start, @Nullable Instant end, String trigger) {
    ValueType.checkTimeArgument("start", start);
    ValueType.checkTimeArgument("end", end);
    return materialization.materialize(featureGroup, start, end, trigger);
  }

  @Override
  public void querySource(String sql, io.e2i.featurestore.spi.PipelineBackend.RowSink sink) {
    materialization.querySource(sql, sink);
  }

  @Override
  public List<MaterializationRun> materializations(@Nullable String featureGroup, int limit) {
    return materialization.runs(featureGroup, limit);
  }

  // ---------------------------------------------------------------- training data

  @Override
  public TrainingSetDefinition getTrainingData(TrainingDataRequest request, PitQuery.RowSink sink) {
    ValueType.checkTimeArgument("as_of", request.asOf());
    return training.getTrainingData(request, sink);
  }

  @Override
  public TrainingSetDefinition rerunTrainingSet(String name, PitQuery.RowSink sink) {
    return training.rerunTrainingSet(name, sink);
  }

  @Override
  public List<TrainingSetDefinition> listTrainingSets() {
    return training.listTrainingSets();
  }

  @Override
  public TrainingSetList listTrainingSets(int offset, int limit) {
    return training.listTrainingSets(offset, limit);
  }

  @Override
  public TrainingSetList listTrainingSets(int offset, int limit, java.util.Set<String> groups) {
    return training.listTrainingSets(offset, limit, groups);
  }

  @Override
  public java.util.Optional<TrainingSetDefinition> trainingSet(String name) {
    return training.trainingSet(name);
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
    // No tracker configured is not "MLflow is up": the seed's users read the flag that way.
    boolean tracking = tracker != Tracker.NONE && tracker.isHealthy();
    return new HealthStatus(offline.isHealthy(), online, tracking, details);
  }

  @Override
  public int awaitTracking(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int left = tracker.drain(timeout);
    return left + lineageEvents.drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
  }

  // ---------------------------------------------------------------- lineage

  @Override
  public LineageGraph lineage(String node, int depth, LineageGraph.Direction direction) {
    return lineage.lineage(node, depth, direction);
  }

  @Override
  public LineageGraph.Edge tagTrainingSetRun(String trainingSet, String runId) {
    return lineage.tagRun(trainingSet, runId);
  }

  @Override
  public CacheStats cacheStats() {
    return counters.stats();
  }

  @Override
  public List<ConstraintWarning> constraintWarnings() {
    return writes.constraintWarnings();
  }

  @Override
  public Optional<io.e2i.featurestore.spi.QualityQueries> qualityQueries() {
    return Optional.ofNullable(offline.quality());
  }

  @Override
  public void trackQuality(
      String featureGroup,
      String featureName,
      Map<String, String> tags,
      Map<String, Double> metrics,
      Instant at) {
    FeatureGroup group =
        getFeatureGroup(featureGroup)
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature group '" + featureGroup + "' not found"));
    Feature feature =
        getFeature(featureGroup, featureName)
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature '" + featureGroup + ":" + featureName + "' not found"));
    tracker.trackQuality(group, feature, tags, metrics, at);
  }

  /** Keys and audit times are wall-clock events: the system clock, not the store's test clock. */
  @Override
  public SecurityRegistry security() {
    return new SecurityRegistry(registry.securityStore(), Clock.systemUTC());
  }

  /** The tracker first: it calls back into the registry (the listener), which must stay open. */
  @Override
  public void close() {
    closeQuietly(tracker);
    closeQuietly(lineageEvents);
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
