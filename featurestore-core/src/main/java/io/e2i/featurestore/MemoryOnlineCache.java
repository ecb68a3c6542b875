package io.e2i.featurestore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.OnlineCache;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The in-process online cache (Caffeine): entries expire {@code ttl} after they are written. Each
 * (entity, group) has a small state holding its generation and the feature-name lists cached for
 * it, so an invalidation finds every entry of the entity and group without a scan.
 */
final class MemoryOnlineCache implements OnlineCache {

  private record GroupKey(EntityKey entity, String featureGroup) {}

  /** Guarded by itself. */
  private static final class GroupState {
    long generation;
    final Set<List<String>> cachedNames = new HashSet<>();
  }

  private final Cache<CacheKey, CachedFeatures> entries;
  private final Cache<GroupKey, GroupState> states;

  MemoryOnlineCache(Duration ttl, long maxEntries) {
    this.entries = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxEntries).build();
    // A state must outlive every read that took its generation, so it is kept a while past the
    // TTL of the entries it indexes.
    this.states =
        Caffeine.newBuilder()
            .expireAfterAccess(ttl.plus(Duration.ofMinutes(5)))
            .maximumSize(maxEntries)
            .build();
  }

  @Override
  public @Nullable CachedFeatures get(CacheKey key) {
    return entries.getIfPresent(key);
  }

  /** Everything this cache holds is in memory. */
  @Override
  public @Nullable CachedFeatures getInMemory(CacheKey key) {
    return entries.getIfPresent(key);
  }

  @Override
  public long generation(EntityKey entity, String featureGroup) {
    GroupState state = states.get(new GroupKey(entity, featureGroup), k -> new GroupState());
    synchronized (state) {
      return state.generation;
    }
  }

  @Override
  public void putIfCurrent(CacheKey key, CachedFeatures value, long generation) {
    GroupState state = states.getIfPresent(new GroupKey(key.entity(), key.featureGroup()));
    if (state == null) {
      return; // evicted meanwhile: we cannot tell whether an invalidation happened
    }
    synchronized (state) {
      if (state.generation == generation) {
        state.cachedNames.add(key.featureNames());
        entries.put(key, value);
      }
    }
  }

  @Override
  public void invalidate(EntityKey entity, String featureGroup) {
    GroupState state = states.getIfPresent(new GroupKey(entity, featureGroup));
    if (state == null) {
      return; // nothing cached and no read in flight holds a generation
    }
    synchronized (state) {
      state.generation++;
      for (List<String> names : state.cachedNames) {
        entries.invalidate(new CacheKey(entity, featureGroup, names));
      }
      state.cachedNames.clear();
    }
  }

  @Override
  public void invalidateEntity(EntityKey entity) {
    for (GroupKey key : List.copyOf(states.asMap().keySet())) {
      if (key.entity().equals(entity)) {
        invalidate(entity, key.featureGroup());
      }
    }
  }

  @Override
  public boolean isHealthy() {
    return true;
  }

  @Override
  public String describe() {
    return "memory (Caffeine, " + entries.estimatedSize() + " entries)";
  }

  @Override
  public void close() {
    entries.invalidateAll();
    states.invalidateAll();
  }
}
