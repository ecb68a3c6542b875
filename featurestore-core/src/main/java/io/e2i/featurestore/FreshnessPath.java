package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.OfflineStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Freshness over the offline store. The bounds live on groups in the registry, the values in the
 * offline store, so each call hands the store one rule per feature and lets it count or update in
 * place rather than streaming values out. The monitor reports every latest feature of the snapshot,
 * with zero counts for features that have no values yet.
 */
final class FreshnessPath {
  private final RegistryHolder holder;
  private final OfflineStore offline;
  private final StoreClock clock;

  FreshnessPath(RegistryHolder holder, OfflineStore offline, StoreClock clock) {
    this.holder = holder;
    this.offline = offline;
    this.clock = clock;
  }

  /** Stored status covers old versions' values too; the monitor looks at latest versions only. */
  private List<FreshnessRule> rules(boolean allVersions) {
    List<FreshnessRule> rules = new ArrayList<>();
    for (GroupView view : holder.snapshot().groups()) {
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

  long updateFreshnessStatus() {
    try {
      return offline.updateFreshness(rules(true), clock.now());
    } catch (RuntimeException e) {
      throw FeatureStoreException.fromBackend("offline store freshness", e);
    }
  }

  List<FreshnessReport> freshnessMonitor() {
    Instant now = clock.now();
    List<FreshnessCounts> counts;
    try {
      counts = offline.freshness(rules(false), now);
    } catch (RuntimeException e) {
      throw FeatureStoreException.fromBackend("offline store freshness", e);
    }
    Map<UUID, FreshnessCounts> byId = new LinkedHashMap<>();
    counts.forEach(c -> byId.put(c.featureId(), c));
    List<FreshnessReport> reports = new ArrayList<>();
    for (GroupView view : holder.snapshot().groups()) {
      for (Feature f : view.latestFeatures()) {
        FreshnessCounts c =
            byId.getOrDefault(f.id(), new FreshnessCounts(f.id(), 0, 0, 0, 0, null));
        reports.add(report(f, c, now));
      }
    }
    return reports;
  }

  private static FreshnessReport report(Feature f, FreshnessCounts c, Instant now) {
    return new FreshnessReport(
        f.featureGroup(),
        f.name(),
        f.version(),
        c.totalEntities(),
        c.fresh(),
        c.stale(),
        c.expired(),
        c.lastEvent(),
        c.lastEvent() == null ? null : Duration.between(c.lastEvent(), now),
        now);
  }
}
