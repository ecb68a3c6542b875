package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.StoredTimestampsContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;

/** Old timestamp values on PostgreSQL: the value column (JSONB) rewritten by SQL. */
class PgStoredTimestampsTest extends StoredTimestampsContract {
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
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return FeatureStores.builder()
        .registry(b.registry())
        .offlineStore(b.store())
        .onlineCache(FeatureStores.memoryCache(Duration.ofHours(1), 10_000))
        .clock(clock)
        .build();
  }

  @Override
  protected void overwriteStoredJson(UUID featureId, String json) {
    String jdbc =
        "jdbc:postgresql://localhost:"
            + TestPostgres.server().getPort()
            + url.substring(url.lastIndexOf('/'));
    try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
        PreparedStatement ps =
            c.prepareStatement("UPDATE feature_values SET value = ?::jsonb WHERE feature_id = ?")) {
      ps.setString(1, json);
      ps.setObject(2, featureId);
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("expected one stored value of " + featureId);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
