package io.e2i.featurestore.mlflow;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A registry that outlives the stores using it (close is a no-op), so a test can "restart" the
 * feature store on the same registry, and an offline store whose statistics the test sets. This
 * module only tracks; values are other modules' business.
 */
final class InMemoryBackend {
  final Registry registry = new MemRegistry();
  final StatsStore offline = new StatsStore();

  static final class MemRegistry implements Registry {
    private final Map<String, FeatureGroup> groups = new LinkedHashMap<>();
    private final Map<UUID, Feature> features = new LinkedHashMap<>();

    @Override
    public synchronized List<FeatureGroup> loadGroups() {
      return new ArrayList<>(groups.values());
    }

    @Override
    public synchronized List<Feature> loadFeatures() {
      return new ArrayList<>(features.values());
    }

    @Override
    public synchronized boolean insertGroup(FeatureGroup group) {
      return groups.putIfAbsent(group.name(), group) == null;
    }

    @Override
    public synchronized void updateGroup(FeatureGroup group) {
      groups.put(group.name(), group);
    }

    @Override
    public synchronized boolean insertFeature(Feature feature) {
      boolean exists =
          features.values().stream()
              .anyMatch(
                  f ->
                      f.featureGroup().equals(feature.featureGroup())
                          && f.name().equals(feature.name())
                          && f.version() == feature.version());
      if (exists) {
        return false;
      }
      features.put(feature.id(), feature);
      return true;
    }

    @Override
    public synchronized void updateFeature(Feature feature) {
      features.put(feature.id(), feature);
    }
  }

  static final class StatsStore implements OfflineStore {
    volatile FeatureStatistics next;

    @Override
    public void write(List<ValueRow> rows, Instant writtenAt) {
      throw new UnsupportedOperationException("not needed by tracking tests");
    }

    @Override
    public Map<UUID, StoredValue> latest(
        EntityKey entity, Collection<UUID> featureIds, Instant eventAsOf, Instant writtenAsOf) {
      return Map.of();
    }

    @Override
    public List<StoredValue> history(
        EntityKey entity, Collection<UUID> featureIds, Instant start, Instant end) {
      return List.of();
    }

    @Override
    public long updateFreshness(Collection<FreshnessRule> rules, Instant now) {
      return 0;
    }

    @Override
    public List<FreshnessCounts> freshness(Collection<FreshnessRule> rules, Instant now) {
      return List.of();
    }

    @Override
    public FeatureStatistics statistics(UUID featureId, ValueType type, Instant now) {
      return next;
    }

    @Override
    public boolean isHealthy() {
      return true;
    }

    @Override
    public String describe() {
      return "test";
    }

    @Override
    public void close() {}
  }
}
