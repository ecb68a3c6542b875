package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shared setup of the PostgreSQL benchmarks: an embedded PostgreSQL 14 (zonky binaries) with
 * durable commits (synchronous_commit=on, unlike zonky's default), opened through the real provider
 * path ({@code postgresql://} URL, pool, migrations), one group of 10 float64 features.
 */
final class PostgresBenchData {
  static final String GROUP = "hcp_targeting";
  static final int FEATURES = 10;

  private PostgresBenchData() {}

  static EmbeddedPostgres start() {
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("shared_buffers", "256MB")
              .setServerConfig("max_wal_size", "2GB")
              .setPGStartupWait(Duration.ofSeconds(120)); // zonky's 10 s is too short under load
      // For diagnosis only, e.g. -jvmArgsAppend -Dfs.bench.pg=log_min_duration_statement=5;...
      // (name=value pairs separated by ';'); no benchmark's figure is measured with it.
      for (String pair : System.getProperty("fs.bench.pg", "").split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          builder.setServerConfig(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
      }
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The store, through FeatureStores.open; online cache {@code none} or {@code memory}. */
  static FeatureStore open(EmbeddedPostgres pg, String onlineUrl) {
    return open(pg, onlineUrl, Map.of());
  }

  /** The same with more store options (e.g. {@code history_connections}). */
  static FeatureStore open(EmbeddedPostgres pg, String onlineUrl, Map<String, String> options) {
    String url = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres";
    Map<String, String> all = new java.util.HashMap<>(options);
    all.put("pool_size", "8");
    FeatureStore store =
        FeatureStores.open(new FeatureStoreConfig(url, onlineUrl, null, null, false, all));
    store.createFeatureGroup(
        FeatureGroup.builder(GROUP).expectedUpdateFrequencyHours(24).maxAgeHours(720).build());
    for (int f = 0; f < FEATURES; f++) {
      store.createFeature(new FeatureSpec(GROUP, feature(f), ValueType.FLOAT64, List.of("hcp_id")));
    }
    return store;
  }

  static String feature(int f) {
    return "feature_" + f;
  }

  /** {@code count} values: entity {@code firstEntity + i / FEATURES}, feature {@code i % 10}. */
  static List<FeatureWrite> writes(int firstEntity, int count, Instant ts) {
    List<FeatureWrite> writes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      writes.add(
          new FeatureWrite(
              feature(i % FEATURES),
              Map.of("hcp_id", "HCP" + (firstEntity + i / FEATURES)),
              i * 0.5,
              ts,
              GROUP));
    }
    return writes;
  }

  static void sql(EmbeddedPostgres pg, String statement) {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static void close(FeatureStore store, EmbeddedPostgres pg) {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      try {
        pg.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
