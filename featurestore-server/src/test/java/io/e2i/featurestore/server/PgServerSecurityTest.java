package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.postgres.TestPostgres;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/**
 * Keys, scopes and the audit log over HTTP on PostgreSQL, through the real provider (pool,
 * migrations); here two server instances share one registry, as in production.
 */
class PgServerSecurityTest extends ServerSecurityContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected FeatureStore openStore() {
    TestPostgres.truncate(url);
    return open();
  }

  @Override
  protected FeatureStore openSecondInstance() {
    return open();
  }

  private static FeatureStore open() {
    return FeatureStores.open(
        new FeatureStoreConfig(url, "memory", null, null, false, Map.of("pool_size", "4")));
  }
}
