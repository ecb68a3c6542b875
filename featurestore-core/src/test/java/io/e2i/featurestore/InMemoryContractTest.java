package io.e2i.featurestore;

import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Clock;
import java.time.Duration;

/** The contract against the reference backend: pins the core's own semantics. */
class InMemoryContractTest extends FeatureStoreContract {
  private InMemoryBackend backend;

  @Override
  protected FeatureStore open(Clock clock) {
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
        .onlineCache(FeatureStores.memoryCache(Duration.ofHours(1), 10_000))
        .clock(clock)
        .build();
  }
}
