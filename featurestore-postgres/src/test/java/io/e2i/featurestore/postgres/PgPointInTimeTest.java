package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.PointInTimeContract;
import java.time.Clock;
import org.junit.jupiter.api.BeforeAll;

/** The point-in-time contract (edge cases, as_of, randomized oracle) on a real PostgreSQL. */
class PgPointInTimeTest extends PointInTimeContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected FeatureStore open(Clock clock) {
    TestPostgres.truncate(url);
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return FeatureStores.builder()
        .registry(b.registry())
        .offlineStore(b.store())
        .clock(clock)
        .build();
  }
}
