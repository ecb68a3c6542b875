package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;

/** The embedded default in one call: DuckDB in a data folder and the in-process cache. */
public final class EmbeddedFeatureStore {
  static final long CACHE_MAX_ENTRIES = 1_000_000;

  private EmbeddedFeatureStore() {}

  /**
   * Opens (creating if needed) the feature store kept in {@code dir}. Only one process may open a
   * folder at a time; close the store to release it.
   */
  public static FeatureStore open(Path dir) {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    try {
      return FeatureStores.builder()
          .registry(backend.registry())
          .offlineStore(backend.store())
          .onlineCache(
              FeatureStores.memoryCache(FeatureStoreConfig.DEFAULT_CACHE_TTL, CACHE_MAX_ENTRIES))
          .build();
    } catch (RuntimeException e) {
      backend.store().close();
      backend.registry().close();
      throw e;
    }
  }
}
