package io.e2i.featurestore;

import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Clock;

/**
 * The reference backend against the point-in-time contract (its randomized test is a self-check).
 */
class InMemoryPointInTimeTest extends PointInTimeContract {
  @Override
  protected FeatureStore open(Clock clock) {
    InMemoryBackend backend = new InMemoryBackend();
    return FeatureStores.builder().registry(backend).offlineStore(backend).clock(clock).build();
  }
}
