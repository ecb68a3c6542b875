package io.e2i.featurestore.embedded;

import io.e2i.featurestore.io.SpineSourcesContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.OfflineStore;
import java.nio.file.Path;
import java.util.List;

/** Spines read by DuckDB itself (CSV, Parquet, SQL) give the same rows as in-memory spines. */
class EmbeddedSpineSourcesTest extends SpineSourcesContract {
  private OfflineBackend backend;

  @Override
  protected OfflineStore openStore(Path dir) {
    backend = EmbeddedBackendProvider.open(dir.resolve("db"));
    return backend.store();
  }

  @Override
  protected void closeStore(OfflineStore store) {
    store.close();
    backend.registry().close();
  }

  /** DuckDB reads the integer literals as INTEGER and gives them back as Long: no casts. */
  @Override
  protected String sqlSpine(List<Object[]> rows) {
    return valuesSpine(rows, "");
  }
}
