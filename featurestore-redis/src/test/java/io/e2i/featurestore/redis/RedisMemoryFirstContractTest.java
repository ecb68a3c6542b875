package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.testing.MemoryFirst;
import java.time.Clock;

/**
 * The contract over Redis with every online read first tried from memory only, as the server's I/O
 * thread does (inline reads).
 */
class RedisMemoryFirstContractTest extends RedisContractTest {
  @Override
  protected FeatureStore open(Clock clock) {
    return MemoryFirst.wrap(super.open(clock));
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return MemoryFirst.wrap(super.reopen(clock));
  }
}
