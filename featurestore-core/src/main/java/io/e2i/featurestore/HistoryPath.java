package io.e2i.featurestore;

import io.e2i.featurestore.spi.HistorySink;
import io.e2i.featurestore.spi.OfflineStore;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An entity's history: every stored value of some features in a time range, read from the offline
 * store only (the cache holds latest values). All references are resolved before the store is
 * queried, so a bad one costs no query; freshness is computed as of now, as for online reads.
 */
final class HistoryPath {
  private final RegistryHolder holder;
  private final Resolver resolver;
  private final OfflineStore offline;
  private final StoreClock clock;

  HistoryPath(RegistryHolder holder, Resolver resolver, OfflineStore offline, StoreClock clock) {
    this.holder = holder;
    this.resolver = resolver;
    this.offline = offline;
    this.clock = clock;
  }

  List<FeatureValue> getHistoricalFeatures(
      Map<String, ?> entityValues,
      List<String> featureRefs,
      @Nullable Instant start,
      @Nullable Instant end) {
    EntityKey entity = EntityKey.of(entityValues);
    if (featureRefs == null || featureRefs.isEmpty()) {
      throw FeatureStoreException.invalid("feature_names must name at least one feature");
    }
    if (start != null && end != null && start.isAfter(end)) {
      throw FeatureStoreException.invalid("start_time " + start + " is after end_time " + end);
    }
    Map<UUID, Feature> byId = new LinkedHashMap<>();
    for (String ref : featureRefs) {
      Feature f = resolver.resolve(FeatureRef.parse(ref), entity);
      byId.put(f.id(), f);
    }
    // Output order: feature name, group, version, then event time. The store hands the values over
    // in that order (features as listed here, each oldest first), so nothing is sorted per value.
    List<Feature> ranked =
        byId.values().stream()
            .sorted(
                Comparator.comparing(Feature::name)
                    .thenComparing(Feature::featureGroup)
                    .thenComparingInt(Feature::version))
            .toList();
    Sink sink = new Sink(entity, ranked, clock.now());
    try {
      offline.history(
          entity,
          ranked.stream().map(Feature::id).toList(),
          ranked.stream().map(Feature::valueType).toList(),
          start,
          end,
          sink);
    } catch (RuntimeException e) {
      throw FeatureStoreException.fromBackend("offline store read", e);
    }
    return sink.values;
  }

  /** Builds the FeatureValues; per feature, what every value of it shares is looked up once. */
  private final class Sink implements HistorySink {
    private final EntityKey entity;
    private final List<Feature> features;
    private final List<Freshness> freshness;
    private final ArrayList<FeatureValue> values = new ArrayList<>();

    Sink(EntityKey entity, List<Feature> features, Instant now) {
      this.entity = entity;
      this.features = features;
      this.freshness = new ArrayList<>(features.size());
      for (Feature f : features) {
        freshness.add(Freshness.of(holder.group(f.featureGroup()).group(), now));
      }
    }

    @Override
    public void expect(int count) {
      values.ensureCapacity(count);
    }

    @Override
    public void value(
        int feature, @Nullable Object value, Instant eventTimestamp, Instant writtenAt) {
      Feature f = features.get(feature);
      values.add(
          new FeatureValue(
              f.featureGroup(),
              f.name(),
              f.version(),
              entity,
              value,
              eventTimestamp,
              writtenAt,
              freshness.get(feature).at(eventTimestamp)));
    }
  }

  /**
   * A group's freshness as of {@code now} as two cutoffs on the event time: the same as {@link
   * FeatureGroup#freshnessAt} ({@code now - t > maxAge} is {@code t < now - maxAge}) without three
   * Durations per value. A cutoff before the first Instant is none.
   */
  record Freshness(@Nullable Instant expiredBefore, @Nullable Instant staleBefore) {
    static Freshness of(FeatureGroup g, Instant now) {
      return new Freshness(cutoff(now, g.maxAge()), cutoff(now, g.expectedUpdateFrequency()));
    }

    private static @Nullable Instant cutoff(Instant now, @Nullable Duration age) {
      if (age == null) {
        return null;
      }
      try {
        return now.minus(age);
      } catch (DateTimeException | ArithmeticException e) {
        return null; // no event time is that old
      }
    }

    FreshnessStatus at(Instant eventTimestamp) {
      if (expiredBefore != null && eventTimestamp.isBefore(expiredBefore)) {
        return FreshnessStatus.EXPIRED;
      }
      if (staleBefore != null && eventTimestamp.isBefore(staleBefore)) {
        return FreshnessStatus.STALE;
      }
      return FreshnessStatus.FRESH;
    }
  }
}
