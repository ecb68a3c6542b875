package io.e2i.featurestore.spi;

import io.e2i.featurestore.CacheStats;
import io.e2i.featurestore.EntityKey;
import org.jspecify.annotations.Nullable;

/**
 * The online cache in front of the offline store. Read-your-writes rests on the generation: a
 * reader takes {@link #generation} before reading the offline store and caches its result with
 * {@link #putIfCurrent}, which drops it if an invalidation happened in between. So a value read
 * before a write committed can never be cached after that write's invalidation.
 *
 * <p>Any method may throw when the cache is unreachable; the core then serves from the offline
 * store and keeps writes going. An implementation that failed to invalidate must not serve entries
 * that may predate the failure once it is reachable again.
 */
public interface OnlineCache extends AutoCloseable {

  /** The cached features, or null on a miss. */
  @Nullable CachedFeatures get(CacheKey key);

  /**
   * The cached features if this process's memory holds them (an in-process cache, a remote cache's
   * valid near copy), found without I/O and without waiting on a lock that I/O holds; null
   * otherwise, including a remote cache without a near copy. Counts a hit like {@link #get}, but
   * through {@link io.e2i.featurestore.MemoryOnly#count} (applied only if the scope answers), and
   * never a miss: after a null the caller reads with {@link #get}, which counts it. The server
   * answers reads in its I/O thread with this (see {@link io.e2i.featurestore.MemoryOnly}).
   */
  default @Nullable CachedFeatures getInMemory(CacheKey key) {
    return null;
  }

  /** The current invalidation generation of an entity in a group. */
  long generation(EntityKey entity, String featureGroup);

  /**
   * Caches the value unless the generation of its entity and group moved past {@code generation}.
   */
  void putIfCurrent(CacheKey key, CachedFeatures value, long generation);

  /** Drops every cached entry of the entity in the group and advances its generation. */
  void invalidate(EntityKey entity, String featureGroup);

  /**
   * Invalidates many (entity, group) pairs, as a batch write touches; remote caches override this
   * to save round trips.
   */
  default void invalidateAll(
      java.util.Collection<? extends java.util.Map.Entry<EntityKey, String>> scopes) {
    for (java.util.Map.Entry<EntityKey, String> scope : scopes) {
      invalidate(scope.getKey(), scope.getValue());
    }
  }

  /** Drops every cached entry of the entity, in every group. */
  void invalidateEntity(EntityKey entity);

  /** Counters of this cache's own layer (e.g. near-cache hits); may be all zero. */
  default CacheStats stats() {
    return new CacheStats(0, 0, 0, 0);
  }

  /** A cheap liveness probe; never throws. */
  boolean isHealthy();

  String describe();

  @Override
  void close();
}
