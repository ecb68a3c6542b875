package io.e2i.featurestore;

import io.e2i.featurestore.spi.PitQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The feature store: every call of the seed's {@code FeatureStoreClient}. Thread-safe. Writes
 * invalidate the online cache and keep it from caching their scopes, commit to the offline store,
 * invalidate again, then return: a read that starts after a write returned sees it
 * (read-your-writes), and once any read has returned a write's value, no later read returns an
 * older one (monotonic reads, cached or not, also while the write is in flight).
 *
 * <p>Errors are {@link FeatureStoreException}s naming what was wrong; a rejected call writes
 * nothing.
 */
public interface FeatureStore extends AutoCloseable {

  /**
   * Creates a group and returns it as stored. Creating it again with the same definition changes
   * nothing and returns the stored group (so a client may retry); a different definition under the
   * same name is a {@link FeatureStoreException.Code#CONFLICT} naming the fields that differ, and
   * changes nothing: a change goes through {@link #updateFeatureGroup}.
   */
  FeatureGroup createFeatureGroup(FeatureGroup group);

  /**
   * Replaces the definition of an existing group with {@code group} (the whole definition: a field
   * left unset becomes unset); its creation time and tracking ids stay. {@link
   * FeatureStoreException.Code#NOT_FOUND} when no group has that name.
   */
  FeatureGroup updateFeatureGroup(FeatureGroup group);

  Optional<FeatureGroup> getFeatureGroup(String name);

  List<FeatureGroup> listFeatureGroups();

  /**
   * Creates a feature (version 1) in an existing group and returns it as stored. Creating it again
   * with the same definition as its latest version changes nothing; a different definition is a
   * {@link FeatureStoreException.Code#CONFLICT} naming the fields that differ, and changes nothing:
   * a change goes through {@link #updateFeature}.
   */
  Feature createFeature(FeatureSpec spec);

  /**
   * Changes an existing feature to {@code spec} (the whole definition) and returns its latest
   * version: a changed value type, entity keys or computation query creates the next version (older
   * versions and their values stay readable); changed description, owner or tags only update the
   * latest version in place; the same definition changes nothing. {@link
   * FeatureStoreException.Code#NOT_FOUND} when the group or feature does not exist.
   */
  Feature updateFeature(FeatureSpec spec);

  /** The latest version, or empty. */
  Optional<Feature> getFeature(String featureGroup, String name);

  Optional<Feature> getFeature(String featureGroup, String name, int version);

  /** The latest version of each feature of the group. */
  List<Feature> listFeatures(String featureGroup);

  /** Every version of a feature, oldest first. */
  List<Feature> listFeatureVersions(String featureGroup, String name);

  /** Writes one value to the latest version of its feature. */
  void writeFeatureValue(FeatureWrite write);

  default void writeFeatureValue(
      String featureName,
      Map<String, ?> entityValues,
      Object value,
      Instant eventTimestamp,
      String featureGroup) {
    writeFeatureValue(
        new FeatureWrite(featureName, entityValues, value, eventTimestamp, featureGroup));
  }

  /** Writes all values in one transaction, or none of them; returns how many were written. */
  int writeBatchFeatures(List<FeatureWrite> writes);

  EntityFeatures getEntityFeatures(OnlineRequest request);

  default EntityFeatures getEntityFeatures(Map<String, ?> entityValues, String featureGroup) {
    return getEntityFeatures(OnlineRequest.of(entityValues, featureGroup));
  }

  default EntityFeatures getEntityFeatures(
      Map<String, ?> entityValues, String featureGroup, boolean useCache) {
    return getEntityFeatures(
        new OnlineRequest(entityValues, featureGroup, List.of(), useCache, null));
  }

  /**
   * All values of the referenced features ({@code name}, {@code group:name} or {@code
   * group:name@version}) for one entity with {@code start <= event_timestamp <= end}, ordered by
   * feature name, then time. A null bound is open.
   */
  List<FeatureValue> getHistoricalFeatures(
      Map<String, ?> entityValues,
      List<String> featureRefs,
      @Nullable Instant start,
      @Nullable Instant end);

  /** Persists the freshness status of every stored value as of now; returns how many changed. */
  long updateFreshnessStatus();

  /** Fresh / stale / expired counts per feature over each entity's latest value, as of now. */
  List<FreshnessReport> freshnessMonitor();

  /** Drops cached reads of the entity, in one group or (null) in all groups. */
  void invalidateCache(Map<String, ?> entityValues, @Nullable String featureGroup);

  /**
   * Builds a point-in-time correct training set inside the offline store and streams it to the
   * sink: the spine's columns in order, then one column per feature (named after the feature, or
   * {@code group__feature} when two groups share a name). Returns the definition that was run, with
   * versions and as-of pinned (and saved when the request names it).
   */
  TrainingSetDefinition getTrainingData(TrainingDataRequest request, PitQuery.RowSink sink);

  /** Re-runs a saved training set: same spine, same versions, same as-of, same rows. */
  TrainingSetDefinition rerunTrainingSet(String name, PitQuery.RowSink sink);

  List<TrainingSetDefinition> listTrainingSets();

  /**
   * Up to {@code limit} saved training sets from {@code offset} on, in name order, and the number
   * on all pages: the store pages, so only the page's definitions are read.
   */
  TrainingSetList listTrainingSets(int offset, int limit);

  /**
   * As {@link #listTrainingSets(int, int)}, only the sets that read no feature group outside {@code
   * groups}, counted alone in the total: what an API key that may read those groups sees. The
   * registry filters by the groups it keeps beside each set, so the page costs the sets in it
   * whatever the number of sets the key may not see.
   */
  TrainingSetList listTrainingSets(int offset, int limit, java.util.Set<String> groups);

  /** The training set saved under {@code name}, or empty. */
  java.util.Optional<TrainingSetDefinition> trainingSet(String name);

  /**
   * The lineage around a node: source table -> computation -> feature version -> training set ->
   * run. {@code node} is a kind-prefixed id ({@code table:hcps}, {@code feature:g:f@1}, {@code
   * training_set:churn}, {@code run:abc}, {@code computation:g:f@1}) or a feature reference ({@code
   * g:f@1}, {@code g:f} for the latest version). Downstream of a feature version answers "which
   * training sets and runs use it".
   */
  default LineageGraph lineage(String node, int depth, LineageGraph.Direction direction) {
    throw new UnsupportedOperationException("lineage");
  }

  /** Tags a saved training set with a run that used it (e.g. an MLflow run id). */
  default LineageGraph.Edge tagTrainingSetRun(String trainingSet, String runId) {
    throw new UnsupportedOperationException("lineage");
  }

  /**
   * Materializes a group: runs the {@code computation_query} of each of its features over the
   * window {@code [start, end)} and writes the rows through the normal write path, all in one
   * transaction. Without {@code start} the run is incremental, from the group's watermark (the end
   * of the last incremental run that succeeded); without {@code end} it runs to now. Re-running a
   * window changes no value. A failing query writes nothing: {@link
   * FeatureStoreException.Code#INVALID_ARGUMENT} naming the feature and the database's message (the
   * failed run is recorded); {@link FeatureStoreException.Code#CONFLICT} while another run of the
   * group holds its lock.
   */
  default MaterializationRun materialize(
      String featureGroup, @Nullable Instant start, @Nullable Instant end) {
    return materialize(featureGroup, start, end, MaterializationRun.MANUAL);
  }

  /** As {@link #materialize(String, Instant, Instant)}, recording who triggered the run. */
  default MaterializationRun materialize(
      String featureGroup, @Nullable Instant start, @Nullable Instant end, String trigger) {
    throw FeatureStoreException.invalid("this feature store cannot materialize");
  }

  /**
   * Runs a read-only query over the offline database (where source tables live) and streams its
   * rows; for local tools such as feature suggestions, never over HTTP. {@code INVALID_ARGUMENT}
   * with the database's message when the query fails.
   */
  default void querySource(String sql, io.e2i.featurestore.spi.PipelineBackend.RowSink sink) {
    throw FeatureStoreException.invalid("this feature store cannot query source tables");
  }

  /** The latest materialization runs, newest first, of one group or (null) of all. */
  default List<MaterializationRun> materializations(@Nullable String featureGroup, int limit) {
    return List.of();
  }

  /**
   * Values written in {@link ValidationMode#WARN} mode although they break a constraint, per
   * feature and constraint, since the store opened.
   */
  default List<ConstraintWarning> constraintWarnings() {
    return List.of();
  }

  /**
   * The offline store's in-database aggregations for data quality (validation reports, drift), or
   * empty when it has none. Used by {@code featurestore-quality}.
   */
  default Optional<io.e2i.featurestore.spi.QualityQueries> qualityQueries() {
    return Optional.empty();
  }

  /**
   * Records data-quality facts (e.g. a drift monitor's result) on the tracking run of the feature's
   * latest version: tags and metrics stamped {@code at}. Queued like all tracking; no-op without a
   * tracker.
   */
  default void trackQuality(
      String featureGroup,
      String featureName,
      Map<String, String> tags,
      Map<String, Double> metrics,
      Instant at) {}

  /** Computes, stores and tracks statistics of a feature's latest version. */
  FeatureStatistics computeStatistics(String featureGroup, String featureName);

  HealthStatus healthCheck();

  /**
   * Waits up to {@code timeout} until every queued tracking call (MLflow) has reached the tracking
   * server; for a short-lived process before it closes the store. Never throws; what remains stays
   * queued for the next process.
   *
   * @return how many calls are still queued (0 without tracking)
   */
  int awaitTracking(Duration timeout);

  CacheStats cacheStats();

  /** API keys and the audit log, kept in this store's registry. */
  default SecurityRegistry security() {
    return SecurityRegistry.unsupported();
  }

  @Override
  void close();
}
