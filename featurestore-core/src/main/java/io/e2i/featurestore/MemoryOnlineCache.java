package io.e2i.featurestore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.OnlineCache;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The in-process online cache (Caffeine): entries expire {@code ttl} after they are written. Each
 * (entity, group) has a small state holding its generation and the feature-name lists cached for
 * it, so an invalidation finds every entry of the entity and group without a scan, and the number
 * of writes in flight on it: while one is, nothing is cached for the scope (see {@link
 * OnlineCache#beginWrite}). A hit reads only the entries, so none of this costs it anything.
 */
final class MemoryOnlineCache implements OnlineCache {

  private record GroupKey(EntityKey entity, String featureGroup) {}

  /** Guarded by itself. */
  private static final class GroupState {
    long generation;
    int writes; // in flight: while > 0, putIfCurrent caches nothing
    final Set<List<String>> cachedNames = new HashSet<>();

    GroupState(long generation) {
      this.generation = generation;
    }
  }

  private final Cache<CacheKey, CachedFeatures> entries;
  private final Cache<GroupKey, GroupState> states;

  /**
   * Every generation comes from this one counter, so a state evicted and made again never repeats a
   * generation that a read in flight still holds (its late put is refused, not taken as current).
   */
  private final AtomicLong generations = new AtomicLong();

  /**
   * The states of scopes with a write in flight, held here so that the states cache cannot evict
   * one mid-write (a state made again would not know of the write and accept fills), and so that a
   * write of a scope nobody reads adds nothing to the states cache. A state is made only under this
   * map's lock of its key, so a read and a write beginning at once never make two.
   */
  private final Map<GroupKey, GroupState> writing = new ConcurrentHashMap<>();

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
    GroupKey key = new GroupKey(entity, featureGroup);
    GroupState state = states.getIfPresent(key);
    if (state == null) {
      state = stateOf(key);
    }
    synchronized (state) {
      return state.generation;
    }
  }

  /**
   * The scope's state, made if missing; while a write is in flight, the one it holds (not put into
   * the states cache: a fill during the write is refused anyway).
   */
  private GroupState stateOf(GroupKey key) {
    GroupState[] found = new GroupState[1];
    writing.compute(
        key,
        (k, held) -> {
          found[0] =
              held != null
                  ? held
                  : states.get(k, x -> new GroupState(generations.incrementAndGet()));
          return held;
        });
    return found[0];
  }

  @Override
  public void putIfCurrent(CacheKey key, CachedFeatures value, long generation) {
    GroupState state = states.getIfPresent(new GroupKey(key.entity(), key.featureGroup()));
    if (state == null) {
      return; // evicted meanwhile: we cannot tell whether an invalidation happened
    }
    synchronized (state) {
      if (state.generation == generation && state.writes == 0) {
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
      drop(entity, featureGroup, state);
    }
  }

  /** Advances the generation and drops the entries; the caller holds the state's lock. */
  private void drop(EntityKey entity, String featureGroup, GroupState state) {
    state.generation = generations.incrementAndGet();
    for (List<String> names : state.cachedNames) {
      entries.invalidate(new CacheKey(entity, featureGroup, names));
    }
    state.cachedNames.clear();
  }

  @Override
  public void beginWrite(Collection<? extends Map.Entry<EntityKey, String>> scopes) {
    for (Map.Entry<EntityKey, String> scope : scopes) {
      EntityKey entity = scope.getKey();
      String group = scope.getValue();
      writing.compute(
          new GroupKey(entity, group),
          (key, held) -> {
            GroupState state = held != null ? held : states.getIfPresent(key);
            if (state == null) { // never read, or evicted: no read holds a generation of it
              state = new GroupState(generations.incrementAndGet());
            }
            synchronized (state) {
              state.writes++;
              drop(entity, group, state);
            }
            return state;
          });
    }
  }

  @Override
  public void endWrite(Collection<? extends Map.Entry<EntityKey, String>> scopes) {
    for (Map.Entry<EntityKey, String> scope : scopes) {
      EntityKey entity = scope.getKey();
      String group = scope.getValue();
      writing.computeIfPresent(
          new GroupKey(entity, group),
          (key, state) -> {
            synchronized (state) {
              state.writes--;
              drop(entity, group, state); // a load that began during the write may be old
              return state.writes > 0 ? state : null;
            }
          });
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
    writing.clear();
  }
}
