package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.OnlineCache;
import io.e2i.featurestore.spi.StoredValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The online read of an entity's latest values (history is {@link HistoryPath}). It looks in the
 * cache first and falls back to the offline store, which is always right; a miss takes the cache
 * generation before loading, so a write that commits meanwhile keeps the load it raced out of the
 * cache. A cache that fails only costs a trip to the offline store. Freshness is computed at read
 * time, so cached values age like stored ones.
 */
final class ReadPath {
  private final RegistryHolder holder;
  private final Resolver resolver;
  private final OfflineStore offline;
  private final @Nullable OnlineCache cache;
  private final CacheCounters counters;
  private final StoreClock clock;
  private volatile @Nullable Names lastNames;
  private final Runnable countHit;

  ReadPath(
      RegistryHolder holder,
      Resolver resolver,
      OfflineStore offline,
      @Nullable OnlineCache cache,
      CacheCounters counters,
      StoreClock clock) {
    this.holder = holder;
    this.resolver = resolver;
    this.offline = offline;
    this.cache = cache;
    this.counters = counters;
    this.clock = clock;
    this.countHit = counters::hit;
  }

  EntityFeatures getEntityFeatures(OnlineRequest request) {
    return row(request).toEntityFeatures();
  }

  /**
   * What a read answers from, before it becomes maps: the cached (or loaded) values, and the time
   * their freshness is judged at. On-demand features compute from it directly ({@link
   * OnDemandPath}), so the answer is built once.
   */
  record Row(EntityKey entity, FeatureGroup group, CachedFeatures cached, Instant at) {
    EntityFeatures toEntityFeatures() {
      return ReadPath.toEntityFeatures(entity, group, cached, at);
    }
  }

  private static final CachedFeatures NONE = new CachedFeatures(List.of());

  Row row(OnlineRequest request) {
    EntityKey entity = EntityKey.of(request.entityValues());
    GroupView view = holder.group(request.featureGroup());
    List<Feature> features = selectFeatures(view, entity, request.featureNames());
    Instant now = clock.now();
    if (features.isEmpty()) {
      return new Row(entity, view.group(), NONE, now);
    }
    // An as-of read is of the past, which the cache (latest values only) does not hold.
    if (cache == null || !request.useCache() || request.asOf() != null) {
      MemoryOnly.beforeIo();
      CachedFeatures loaded = load(entity, features, request.asOf());
      Instant at = request.asOf() == null ? now : request.asOf();
      return new Row(entity, view.group(), loaded, at);
    }
    return new Row(entity, view.group(), readThrough(cache, entity, view.group(), features), now);
  }

  private CachedFeatures readThrough(
      OnlineCache cache, EntityKey entity, FeatureGroup group, List<Feature> features) {
    CacheKey key = new CacheKey(entity, group.name(), names(features));
    if (MemoryOnly.active()) {
      return fromMemory(cache, key);
    }
    long generation;
    try {
      CachedFeatures cached = cache.get(key);
      if (cached != null) {
        counters.hit();
        return cached;
      }
      counters.miss();
      generation = cache.generation(entity, group.name());
    } catch (RuntimeException e) {
      counters.error();
      return load(entity, features, null);
    }
    CachedFeatures loaded = load(entity, features, null);
    try {
      cache.putIfCurrent(key, loaded, generation);
    } catch (RuntimeException e) {
      counters.error();
    }
    return loaded;
  }

  /**
   * A hit in the cache's memory (counted when the scope answers), or {@link MemoryOnly.WouldBlock}
   * with nothing counted: the read is then made again outside the scope, where the miss (or the
   * error) is counted once.
   */
  private CachedFeatures fromMemory(OnlineCache cache, CacheKey key) {
    CachedFeatures cached;
    try {
      cached = cache.getInMemory(key);
    } catch (RuntimeException e) {
      cached = null;
    }
    if (cached == null) {
      throw MemoryOnly.signal();
    }
    MemoryOnly.count(countHit);
    return cached;
  }

  /** No names: every latest feature of the group that takes the entity's keys. */
  private List<Feature> selectFeatures(GroupView view, EntityKey entity, List<String> names) {
    if (names.isEmpty()) {
      return fittingFeatures(view, entity);
    }
    List<Feature> selected = new ArrayList<>(names.size());
    for (String name : new LinkedHashSet<>(names)) {
      FeatureRef ref = FeatureRef.parse(name);
      if (ref.featureGroup() != null && !ref.featureGroup().equals(view.group().name())) {
        throw FeatureStoreException.invalid(
            "feature '" + name + "' is not in group '" + view.group().name() + "'");
      }
      selected.add(
          resolver.resolve(new FeatureRef(view.group().name(), ref.name(), ref.version()), entity));
    }
    selected.sort(Comparator.comparing(Feature::name));
    return selected;
  }

  private static List<Feature> fittingFeatures(GroupView view, EntityKey entity) {
    List<Feature> fitting = view.latestByEntityKeys().get(entity.keyNames());
    if (fitting != null) {
      return fitting;
    }
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

  /**
   * Versions are part of the key, so a new version never reads an older one's cached value. A read
   * naming no features gets the registry snapshot's own list each time, so the last list's names
   * are kept (by identity) instead of building the strings per read.
   */
  private List<String> names(List<Feature> features) {
    Names last = lastNames;
    if (last != null && last.features() == features) {
      return last.names();
    }
    List<String> names = new ArrayList<>(features.size());
    for (Feature f : features) {
      names.add(f.name() + "@" + f.version());
    }
    List<String> copy = List.copyOf(names);
    lastNames = new Names(features, copy);
    return copy;
  }

  /** The cache-key names of one feature list; features are immutable, so they stay right. */
  private record Names(List<Feature> features, List<String> names) {}

  private CachedFeatures load(EntityKey entity, List<Feature> features, @Nullable Instant asOf) {
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
      throw FeatureStoreException.fromBackend("offline store read", e);
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

  void invalidateCache(Map<String, ?> entityValues, @Nullable String featureGroup) {
    EntityKey entity = EntityKey.of(entityValues);
    if (featureGroup != null) {
      holder.group(featureGroup); // an unknown group is an error, cache or not
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
      counters.invalidated(1);
    } catch (RuntimeException e) {
      // Unlike after a write, nothing was committed: the caller asked for this and must know.
      counters.error();
      throw FeatureStoreException.fromBackend("online cache invalidation", e);
    }
  }
}
