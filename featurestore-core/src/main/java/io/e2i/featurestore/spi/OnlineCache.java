package io.e2i.featurestore.spi;

import io.e2i.featurestore.CacheStats;
import io.e2i.featurestore.EntityKey;
import org.jspecify.annotations.Nullable;

/**
 * The online cache in front of the offline store. Read-your-writes rests on the generation: a
 * reader takes {@link #generation} before reading the offline store and caches its result with
 * {@link #putIfCurrent}, which drops it if an invalidation happened in between. So a value read
 * before a write committed can never be cached after that write's invalidation. A write brackets
 * its commit with {@link #beginWrite} and {@link #endWrite}, so that no read returns its value and
 * a later read an older one, not even while the write is in flight.
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

  /**
   * Called by a write before its rows can become visible to any read: drops the scopes' entries,
   * advances their generations and marks the scopes written, so that {@link #putIfCurrent} caches
   * nothing for them until the matching {@link #endWrite}. Reads then stay monotonic while the
   * write is in flight: an entry cached before it is gone before its rows are visible, and a load
   * that may predate them is never cached, so once any read (cached or not) has returned the
   * write's value, no later read returns an older one. Marks nest: a scope stays marked until every
   * write that began on it has ended.
   *
   * <p>The default only invalidates, which keeps read-your-writes after the acknowledgement (with
   * {@link #endWrite}) but not monotonic reads during the write.
   */
  default void beginWrite(
      java.util.Collection<? extends java.util.Map.Entry<EntityKey, String>> scopes) {
    invalidateAll(scopes);
  }

  /**
   * Called once for every {@link #beginWrite} that succeeded, after the write committed or failed:
   * unmarks the scopes and advances their generations again, so that a load which began while the
   * write was in flight (and may have read the old rows) is not cached after it.
   */
  default void endWrite(
      java.util.Collection<? extends java.util.Map.Entry<EntityKey, String>> scopes) {
    invalidateAll(scopes);
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
