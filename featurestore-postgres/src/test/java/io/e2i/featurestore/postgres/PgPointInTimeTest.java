package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.PointInTimeContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.BeforeAll;

/** The point-in-time contract (edge cases, as_of, randomized oracle) on a real PostgreSQL. */
class PgPointInTimeTest extends PointInTimeContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newDatabase();
    PgMigrations.migrate(url);
  }

  @Override
  protected FeatureStore open(Clock clock) {
    truncate(url);
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return FeatureStores.builder()
        .registry(b.registry())
        .offlineStore(b.store())
        .clock(clock)
        .build();
  }

  static void truncate(String url) {
    int port = TestPostgres.server().getPort();
    String jdbc = "jdbc:postgresql://localhost:" + port + url.substring(url.lastIndexOf('/'));
    try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(
          "TRUNCATE feature_values, features, feature_groups, training_sets RESTART IDENTITY CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
