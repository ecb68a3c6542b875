package io.e2i.featurestore;

import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.StoredValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    List<StoredValue> stored;
    try {
      stored = offline.history(entity, byId.keySet(), start, end);
    } catch (RuntimeException e) {
      throw FeatureStoreException.fromBackend("offline store read", e);
    }
    return toFeatureValues(entity, byId, stored, clock.now());
  }

  private List<FeatureValue> toFeatureValues(
      EntityKey entity, Map<UUID, Feature> byId, List<StoredValue> stored, Instant now) {
    // Output order: feature name, group, version, then event time. Features are ranked once so the
    // sort compares an int and an Instant per pair (7,200 values in a 30-day history of 10).
    Map<UUID, Integer> rank = historyRanks(byId.values());
    List<StoredValue> ordered = new ArrayList<>(stored);
    ordered.sort(
        Comparator.<StoredValue>comparingInt(v -> rank.get(v.featureId()))
            .thenComparing(StoredValue::eventTimestamp));
    List<FeatureValue> values = new ArrayList<>(ordered.size());
    for (StoredValue v : ordered) {
      Feature f = Objects.requireNonNull(byId.get(v.featureId()));
      FeatureGroup g = holder.group(f.featureGroup()).group();
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
}
