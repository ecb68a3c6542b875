package io.e2i.featurestore;

import io.e2i.featurestore.spi.PitQuery;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The feature store: every call of the seed's {@code FeatureStoreClient}. Thread-safe. Writes
 * commit to the offline store, then invalidate the online cache, then return: a read that starts
 * after a write returned sees it (read-your-writes).
 *
 * <p>Errors are {@link FeatureStoreException}s naming what was wrong; a rejected call writes
 * nothing.
 */
public interface FeatureStore extends AutoCloseable {

  /**
   * Creates a group, or returns the stored one when a group of that name exists with the same
   * definition; a different definition updates the descriptive fields and bounds (apply semantics).
   */
  FeatureGroup createFeatureGroup(FeatureGroup group);

  Optional<FeatureGroup> getFeatureGroup(String name);

  List<FeatureGroup> listFeatureGroups();

  /**
   * Creates a feature in an existing group. Applying the same spec again is a no-op; a changed
   * type, entity keys or computation query creates the next version; changed description, owner or
   * tags update the latest version in place.
   */
  Feature createFeature(FeatureSpec spec);

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

  /** Computes, stores and tracks statistics of a feature's latest version. */
  FeatureStatistics computeStatistics(String featureGroup, String featureName);

  HealthStatus healthCheck();

  CacheStats cacheStats();

  @Override
  void close();
}
