package io.e2i.featurestore.pipelines;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.postgres.PostgresBackendProvider;
import io.e2i.featurestore.postgres.TestPostgres;
import java.time.Clock;
import java.util.Map;

/** On-demand features on a real PostgreSQL (training data from its point-in-time join). */
class PgOnDemandTest extends OnDemandContract {
  @Override
  FeatureStore open(Clock clock) {
    String url = TestPostgres.newMigratedDatabase();
    var offline =
        new PostgresBackendProvider()
            .openOffline(url, new FeatureStoreConfig(url, "none", null, null, false, Map.of()));
    return FeatureStores.builder()
        .registry(offline.registry())
        .offlineStore(offline.store())
        .onlineCache(FeatureStores.memoryCache(java.time.Duration.ofHours(1), 10_000))
        .clock(clock)
        .build();
  }
}
