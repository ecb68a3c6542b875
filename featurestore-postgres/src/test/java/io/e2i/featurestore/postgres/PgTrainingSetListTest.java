package io.e2i.featurestore.postgres;

import io.e2i.featurestore.TrainingSetListContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import org.junit.jupiter.api.BeforeAll;

/** Training sets paged by PostgreSQL (LIMIT/OFFSET over the names in code point order). */
class PgTrainingSetListTest extends TrainingSetListContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected OfflineBackend open() {
    TestPostgres.truncate(url);
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return new OfflineBackend(b.registry(), b.store());
  }
}
