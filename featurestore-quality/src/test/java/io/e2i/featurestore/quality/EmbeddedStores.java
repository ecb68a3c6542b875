package io.e2i.featurestore.quality;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.embedded.EmbeddedBackendProvider;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import java.time.Clock;

/** A real embedded (DuckDB) store in a folder. */
final class EmbeddedStores {
  private EmbeddedStores() {}

  static FeatureStore open(Path dir, Clock clock) {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return FeatureStores.builder()
        .registry(backend.registry())
        .offlineStore(backend.store())
        .clock(clock)
        .build();
  }
}
