package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.postgres.TestPostgres;
import java.util.Map;

/**
 * Drift history and training-set paging over HTTP on PostgreSQL, through the real provider (pool,
 * migrations). A database per test: TestPostgres.truncate keeps the drift history.
 */
class PgDriftHistoryHttpTest extends DriftHistoryHttpContract {
  @Override
  protected FeatureStore openStore() {
    return FeatureStores.open(
        new FeatureStoreConfig(
            TestPostgres.newMigratedDatabase(),
            "memory",
            null,
            null,
            false,
            Map.of("pool_size", "4")));
  }
}
