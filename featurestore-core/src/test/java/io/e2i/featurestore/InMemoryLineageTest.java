package io.e2i.featurestore;

import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Clock;

/** Lineage against the reference backend. */
class InMemoryLineageTest extends LineageContract {
  private InMemoryBackend backend;

  @Override
  protected FeatureStore open(Clock clock) {
    backend = new InMemoryBackend();
    return reopen(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return FeatureStores.builder().registry(backend).offlineStore(backend).clock(clock).build();
  }
}
