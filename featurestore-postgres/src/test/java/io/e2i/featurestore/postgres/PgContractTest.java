package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreContract;
import io.e2i.featurestore.FeatureStores;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract on PostgreSQL through the real provider path (URL, pool, migrations), with the
 * in-process Caffeine cache in front. Each test starts from emptied tables.
 */
class PgContractTest extends FeatureStoreContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected FeatureStore open(Clock clock) {
    TestPostgres.truncate(url);
    return reopen(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    BackendProviderHolder.Backend b = BackendProviderHolder.open(url);
    return FeatureStores.builder()
        .registry(b.registry())
        .offlineStore(b.store())
        .onlineCache(FeatureStores.memoryCache(Duration.ofHours(1), 10_000))
        .clock(clock)
        .build();
  }

  /** Opens through the provider as FeatureStores.open would. */
  static final class BackendProviderHolder {
    record Backend(io.e2i.featurestore.spi.Registry registry, PgOfflineStore store) {}

    static Backend open(String url) {
      var offline =
          new PostgresBackendProvider()
              .openOffline(
                  url,
                  new FeatureStoreConfig(url, "none", null, null, false, Map.of("pool_size", "4")));
      return new Backend(offline.registry(), (PgOfflineStore) offline.store());
    }
  }
}
