package io.e2i.featurestore.pipelines;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.embedded.EmbeddedBackendProvider;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/** On-demand features on the embedded store (Caffeine cache on: computed after cache hits too). */
class EmbeddedOnDemandTest extends OnDemandContract {
  @TempDir Path dir;

  @Override
  FeatureStore open(Clock clock) {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return FeatureStores.builder()
        .registry(backend.registry())
        .offlineStore(backend.store())
        .onlineCache(FeatureStores.memoryCache(java.time.Duration.ofHours(1), 10_000))
        .clock(clock)
        .build();
  }
}
