package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.LineageContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/** Lineage on DuckDB in a temporary folder; reopen is a real restart. */
class EmbeddedLineageTest extends LineageContract {
  @TempDir Path dir;

  @Override
  protected FeatureStore open(Clock clock) {
    return reopen(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return FeatureStores.builder()
        .registry(backend.registry())
        .offlineStore(backend.store())
        .clock(clock)
        .build();
  }
}
