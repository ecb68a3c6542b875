package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.MonotonicReadsContract;
import io.e2i.featurestore.testing.InMemoryBackend;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Monotonic reads with Redis as the online cache (a real redis-server). */
class RedisMonotonicReadsTest extends MonotonicReadsContract {
  private static RedisProcess redis;

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
  protected Parts parts() {
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().flushall();
    } finally {
      client.shutdown();
    }
    InMemoryBackend backend = new InMemoryBackend();
    FeatureStoreConfig config = FeatureStoreConfig.defaults().withNearCache(nearCache());
    return new Parts(backend, backend, RedisOnlineCache.open(redis.url(), config));
  }
}
