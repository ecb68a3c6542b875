package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.PointInTimeContract;
import java.time.Clock;
import org.junit.jupiter.api.BeforeAll;

/**
 * The point-in-time contract with every join spread over three connections in chunks of two spine
 * rows (PgPitChunks), so that the chunked, multi-connection path meets the same edge cases, as_of
 * and randomized oracle as the single-connection one (which only spines of 100,000 rows take by
 * default).
 */
class PgPointInTimeParallelTest extends PointInTimeContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected FeatureStore open(Clock clock) {
    TestPostgres.truncate(url);
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    b.store().joinParallelism(new PgPitJoin.Parallelism(3, 0, 2));
    return FeatureStores.builder()
        .registry(b.registry())
        .offlineStore(b.store())
        .clock(clock)
        .build();
  }
}
