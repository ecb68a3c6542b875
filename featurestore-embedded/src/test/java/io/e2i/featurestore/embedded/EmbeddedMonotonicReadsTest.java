package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.MonotonicReadsContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monotonic reads on the embedded store (DuckDB, its latest-value index and journal) with the
 * in-process cache, as {@link EmbeddedFeatureStore#open} assembles them.
 */
class EmbeddedMonotonicReadsTest extends MonotonicReadsContract {
  @TempDir Path dir;

  @Override
  protected Parts parts() {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return new Parts(
        backend.registry(),
        backend.store(),
        FeatureStores.memoryCache(Duration.ofHours(1), EmbeddedFeatureStore.CACHE_MAX_ENTRIES));
  }
}
