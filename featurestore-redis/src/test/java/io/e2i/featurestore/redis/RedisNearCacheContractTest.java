package io.e2i.featurestore.redis;

/** The contract with the near cache in front of Redis. */
class RedisNearCacheContractTest extends RedisContractTest {
  @Override
  protected boolean nearCache() {
    return true;
  }
}
