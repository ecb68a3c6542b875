package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.embedded.EmbeddedBackendProvider;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.Registry;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Drift history and training-set paging over HTTP on the embedded store (DuckDB). */
class EmbeddedDriftHistoryHttpTest extends DriftHistoryHttpContract {
  @TempDir Path dir;
  private Registry registry;

  /** As EmbeddedFeatureStore.open, keeping the registry to save definitions into. */
  @Override
  protected FeatureStore openStore() {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir.resolve("store"));
    registry = backend.registry();
    return FeatureStores.builder().registry(registry).offlineStore(backend.store()).build();
  }

  @Override
  protected void saveDefinition(String name, String json) {
    registry.saveTrainingSet(name, json);
  }
}
