package io.e2i.featurestore;

import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Clock;

/** Constraint enforcement against the reference backend (it has no in-database aggregations). */
class InMemoryQualityTest extends QualityContract {
  @Override
  protected FeatureStore open(Clock clock) {
    InMemoryBackend backend = new InMemoryBackend();
    return FeatureStores.builder().registry(backend).offlineStore(backend).clock(clock).build();
  }
}
