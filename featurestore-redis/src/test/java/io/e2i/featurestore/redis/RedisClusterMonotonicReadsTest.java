package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.MonotonicReadsContract;
import io.e2i.featurestore.testing.InMemoryBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Monotonic reads with a near cache in front of a Redis Cluster (three masters, three replicas):
 * the marks go per slot, with the slot's epoch.
 */
class RedisClusterMonotonicReadsTest extends MonotonicReadsContract {
  private static RedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected Parts parts() {
    cluster.flushAll();
    InMemoryBackend backend = new InMemoryBackend();
    return new Parts(
        backend,
        backend,
        RedisOnlineCache.open(cluster.url(), FeatureStoreConfig.defaults().withNearCache(true)));
  }
}
