package io.e2i.featurestore;

import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Duration;

/** Monotonic reads with the reference backend and the in-process (Caffeine) cache. */
class InMemoryMonotonicReadsTest extends MonotonicReadsContract {
  @Override
  protected Parts parts() {
    InMemoryBackend backend = new InMemoryBackend();
    return new Parts(backend, backend, FeatureStores.memoryCache(Duration.ofHours(1), 10_000));
  }
}
