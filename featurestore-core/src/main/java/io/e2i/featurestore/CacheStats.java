package io.e2i.featurestore;

/**
 * Online-read counters since start. Reads that bypass the cache (use_cache=false) count neither.
 */
public record CacheStats(long hits, long misses, long invalidations, long errors) {

  public double hitRate() {
    long total = hits + misses;
    return total == 0 ? 0.0 : (double) hits / total;
  }
}
