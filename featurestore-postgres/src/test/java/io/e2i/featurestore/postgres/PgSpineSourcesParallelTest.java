package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.OfflineStore;
import java.nio.file.Path;

/**
 * SQL and file spines through the multi-connection join (three connections, chunks of two rows):
 * the same rows as in memory, and a SQL spine still cannot write.
 */
class PgSpineSourcesParallelTest extends PgSpineSourcesTest {
  @Override
  protected OfflineStore openStore(Path dir) {
    PgOfflineStore store = (PgOfflineStore) super.openStore(dir);
    store.joinParallelism(new PgPitJoin.Parallelism(3, 0, 2));
    return store;
  }
}
