package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.LineageContract;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import org.junit.jupiter.api.BeforeAll;

/** Lineage on PostgreSQL (migration V8) through the provider path; each test starts empty. */
class PgLineageTest extends LineageContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected FeatureStore open(Clock clock) {
    TestPostgres.truncate(url);
    String jdbc =
        "jdbc:postgresql://localhost:"
            + TestPostgres.server().getPort()
            + url.substring(url.lastIndexOf('/'));
    try (var c = DriverManager.getConnection(jdbc, "postgres", "");
        var s = c.createStatement()) {
      s.execute("TRUNCATE lineage_edges");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return reopen(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return FeatureStores.builder()
        .registry(b.registry())
        .offlineStore(b.store())
        .clock(clock)
        .build();
  }
}
