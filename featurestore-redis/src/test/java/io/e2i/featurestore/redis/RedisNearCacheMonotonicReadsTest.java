package io.e2i.featurestore.redis;

/** Monotonic reads with the near cache in front of Redis. */
class RedisNearCacheMonotonicReadsTest extends RedisMonotonicReadsTest {
  @Override
  protected boolean nearCache() {
    return true;
  }
}
