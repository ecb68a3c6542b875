package io.e2i.featurestore.mlflow;

import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Instant;
import java.util.UUID;

/**
 * The core's reference backend, whose statistics the test sets: this module tracks statistics, the
 * offline stores compute them. Its close is a no-op, so a test can restart the feature store on it.
 */
final class StatsBackend extends InMemoryBackend {
  volatile FeatureStatistics next;

  @Override
  public FeatureStatistics statistics(UUID featureId, ValueType type, Instant now) {
    return next;
  }
}
