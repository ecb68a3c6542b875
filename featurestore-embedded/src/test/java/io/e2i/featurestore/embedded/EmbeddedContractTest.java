package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreContract;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The backend contract against DuckDB in a temporary folder; reopen is a real restart. */
class EmbeddedContractTest extends FeatureStoreContract {
  @TempDir Path dir;

  @Override
  protected FeatureStore open(Clock clock) {
    return build(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return build(clock);
  }

  private FeatureStore build(Clock clock) {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return FeatureStores.builder()
        .registry(backend.registry())
        .offlineStore(backend.store())
        .onlineCache(FeatureStores.memoryCache(Duration.ofHours(1), 10_000))
        .clock(clock)
        .build();
  }
}
