package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.postgres.PostgresBackendProvider;
import io.e2i.featurestore.postgres.TestPostgres;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;

/**
 * Drift history and training-set paging over HTTP on PostgreSQL, through the real provider (pool,
 * migrations). A database per test: TestPostgres.truncate keeps the drift history.
 */
class PgDriftHistoryHttpTest extends DriftHistoryHttpContract {
  private FeatureStoreConfig config;
  private @Nullable OfflineBackend second;

  @Override
  protected FeatureStore openStore() {
    config =
        new FeatureStoreConfig(
            TestPostgres.newMigratedDatabase(),
            "memory",
            null,
            null,
            false,
            Map.of("pool_size", "4"));
    return FeatureStores.open(config);
  }

  /** Through a second registry on the same database, as another server would save it. */
  @Override
  protected void saveDefinition(String name, String json) {
    if (second == null) {
      second = new PostgresBackendProvider().openOffline(config.offlineUrl(), config);
    }
    second.registry().saveTrainingSet(name, json);
  }

  @AfterEach
  void closeSecond() {
    if (second != null) {
      second.store().close();
      second.registry().close();
    }
  }
}
