package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.Tracker;

/**
 * Feature statistics: computed by the offline store outside the registry lock (it scans every
 * value), then stored on the feature under the lock, and tracked only once stored.
 */
final class StatisticsPath {
  private final RegistryHolder holder;
  private final Registry registry;
  private final OfflineStore offline;
  private final Tracker tracker;
  private final StoreClock clock;

  StatisticsPath(
      RegistryHolder holder,
      Registry registry,
      OfflineStore offline,
      Tracker tracker,
      StoreClock clock) {
    this.holder = holder;
    this.registry = registry;
    this.offline = offline;
    this.tracker = tracker;
    this.clock = clock;
  }

  FeatureStatistics computeStatistics(String featureGroup, String featureName) {
    GroupView view = holder.group(featureGroup);
    Feature feature =
        view.latest(featureName)
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature '" + featureName + "' not found in group '" + featureGroup + "'"));
    FeatureStatistics stats = offline.statistics(feature.id(), feature.valueType(), clock.now());
    // The feature is re-read under the lock: a tracking id or metadata stored meanwhile is kept.
    holder.update(
        snapshot -> {
          Feature current = snapshot.byId(feature.id()).orElse(feature);
          registry.updateFeature(current.withStatistics(StatisticsMaps.toMap(stats)));
        });
    tracker.trackStatistics(
        view.group(), holder.snapshot().byId(feature.id()).orElse(feature), stats);
    return stats;
  }
}
