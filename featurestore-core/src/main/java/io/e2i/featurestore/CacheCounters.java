package io.e2i.featurestore;

import java.util.concurrent.atomic.LongAdder;

/**
 * The online cache counters behind {@link FeatureStore#cacheStats()}. Shared by the read path
 * (hits, misses) and the write path (invalidations), so one place sums what both saw; adders
 * because every read increments one.
 */
final class CacheCounters {
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder errors = new LongAdder();

  void hit() {
    hits.increment();
  }

  void miss() {
    misses.increment();
  }

  void invalidated(long scopes) {
    invalidations.add(scopes);
  }

  void error() {
    errors.increment();
  }

  CacheStats stats() {
    return new CacheStats(hits.sum(), misses.sum(), invalidations.sum(), errors.sum());
  }
}
