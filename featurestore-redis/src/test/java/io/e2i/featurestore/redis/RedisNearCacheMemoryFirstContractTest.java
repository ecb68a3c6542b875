package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.testing.MemoryFirst;
import java.time.Clock;

/**
 * The contract over the near cache in front of Redis with every online read first tried from memory
 * only, as the server's I/O thread does (inline reads).
 */
class RedisNearCacheMemoryFirstContractTest extends RedisNearCacheContractTest {
  @Override
  protected FeatureStore open(Clock clock) {
    return MemoryFirst.wrap(super.open(clock));
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return MemoryFirst.wrap(super.reopen(clock));
  }
}
