package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.StoredTimestampsContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

/** Old timestamp values on DuckDB: its value_json column rewritten while the store is closed. */
class EmbeddedStoredTimestampsTest extends StoredTimestampsContract {
  @TempDir Path dir;

  @Override
  protected FeatureStore open(Clock clock) {
    return reopen(clock);
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return FeatureStores.builder()
        .registry(backend.registry())
        .offlineStore(backend.store())
        .onlineCache(FeatureStores.memoryCache(Duration.ofHours(1), 10_000))
        .clock(clock)
        .build();
  }

  @Override
  protected void overwriteStoredJson(UUID featureId, String json) {
    try (Connection c =
            DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(DuckDbDatabase.FILE_NAME));
        PreparedStatement ps =
            c.prepareStatement("UPDATE feature_values SET value_json = ? WHERE feature_id = ?")) {
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
