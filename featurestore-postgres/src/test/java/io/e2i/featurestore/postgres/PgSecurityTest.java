package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.SecurityContract;
import org.junit.jupiter.api.BeforeAll;

/** The security contract on PostgreSQL through the provider (pool, migrations). */
class PgSecurityTest extends SecurityContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected FeatureStore open() {
    TestPostgres.truncate(url);
    return reopen();
  }

  @Override
  protected FeatureStore reopen() {
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return FeatureStores.builder().registry(b.registry()).offlineStore(b.store()).build();
  }
}
