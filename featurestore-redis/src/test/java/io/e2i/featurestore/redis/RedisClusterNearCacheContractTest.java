package io.e2i.featurestore.redis;

/** The contract with a near cache in front of a Redis Cluster (three masters, three replicas). */
class RedisClusterNearCacheContractTest extends RedisClusterContractTest {
  @Override
  protected boolean nearCache() {
    return true;
  }
}
