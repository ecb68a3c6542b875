package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.SecurityContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The security contract against DuckDB in a temporary folder; reopen is a real restart. */
class EmbeddedSecurityTest extends SecurityContract {
  @TempDir Path dir;

  @Override
  protected FeatureStore open() {
    return reopen();
  }

  @Override
  protected FeatureStore reopen() {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return FeatureStores.builder()
        .registry(backend.registry())
        .offlineStore(backend.store())
        .build();
  }
}
