package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreContract;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.testing.InMemoryBackend;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract with the reference offline store and Redis as the online cache. */
class RedisContractTest extends FeatureStoreContract {
  private static RedisProcess redis;
  private InMemoryBackend backend;

  @BeforeAll
  static void startRedis() {
    redis = RedisProcess.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  protected boolean nearCache() {
    return false;
  }

  @Override
  protected FeatureStore open(Clock clock) {
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().flushall();
    } finally {
      client.shutdown();
    }
    backend = new InMemoryBackend();
    return build(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return build(clock);
  }

  private FeatureStore build(Clock clock) {
    FeatureStoreConfig config = FeatureStoreConfig.defaults().withNearCache(nearCache());
    return FeatureStores.builder()
        .registry(backend)
        .offlineStore(backend)
        .onlineCache(RedisOnlineCache.open(redis.url(), config))
        .clock(clock)
        .build();
  }
}
