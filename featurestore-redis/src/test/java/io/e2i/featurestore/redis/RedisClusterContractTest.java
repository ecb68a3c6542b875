package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreContract;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract with the reference offline store and a Redis Cluster (three masters, three replicas)
 * as the online cache.
 */
class RedisClusterContractTest extends FeatureStoreContract {
  private static RedisCluster cluster;
  private InMemoryBackend backend;

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

  protected boolean nearCache() {
    return false;
  }

  @Override
  protected FeatureStore open(Clock clock) {
    cluster.flushAll();
    backend = new InMemoryBackend();
    return build(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return build(clock);
  }

  private FeatureStore build(Clock clock) {
    return FeatureStores.builder()
        .registry(backend)
        .offlineStore(backend)
        .onlineCache(
            RedisOnlineCache.open(
                cluster.url(), FeatureStoreConfig.defaults().withNearCache(nearCache())))
        .clock(clock)
        .build();
  }
}
