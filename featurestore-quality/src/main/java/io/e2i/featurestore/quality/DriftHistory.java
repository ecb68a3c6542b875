package io.e2i.featurestore.quality;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.QualityQueries;
import java.util.List;
import java.util.Map;

/**
 * A feature's drift over time: the results its monitors (and explicit runs) kept in the drift
 * history, newest first, each as {@code GET .../drift/history} renders it. Reads go through {@code
 * store}, so a guarded store checks the caller may read the group.
 */
public final class DriftHistory {
  /** Results returned when the caller names no limit. */
  public static final int DEFAULT_LIMIT = 50;

  /** The most results one call returns. */
  public static final int MAX_LIMIT = 1000;

  private final FeatureStore store;

  public DriftHistory(FeatureStore store) {
    this.store = store;
  }

  /**
   * The feature's latest {@code limit} results, newest first; empty when it has none or the offline
   * store keeps no history.
   *
   * @throws FeatureStoreException NOT_FOUND for an unknown group or feature, INVALID_ARGUMENT for a
   *     limit outside 1..{@link #MAX_LIMIT}
   */
  public List<Map<String, Object>> of(String group, String feature, int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw FeatureStoreException.invalid(
          "limit must be a whole number from 1 to " + MAX_LIMIT + ", got " + limit);
    }
    if (store.getFeatureGroup(group).isEmpty()) {
      throw FeatureStoreException.notFound("feature group '" + group + "' not found");
    }
    if (store.getFeature(group, feature).isEmpty()) {
      throw FeatureStoreException.notFound("feature '" + group + ":" + feature + "' not found");
    }
    return store
        .qualityQueries()
        .map(q -> q.driftHistory(group, feature, limit))
        .orElse(List.of())
        .stream()
        .map(QualityQueries.DriftRecord::json)
        .map(QualityJson::parse)
        .toList();
  }
}
