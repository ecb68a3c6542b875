package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Monthly partitions of feature_values (issue 15): migration, on-demand months, retention, pruning.
 */
class PgPartitionsTest {
  private static final UUID F1 = UUID.fromString("00000000-0000-0000-0000-000000000001");
  private static final UUID F2 = UUID.fromString("00000000-0000-0000-0000-000000000002");
  private static final EntityKey H1 = EntityKey.of("hcp_id", "H1");

  @Test
  void anOldTableWithValuesIsAttachedAsThePartitionBeforeTheCutoff() throws SQLException {
    String url = TestPostgres.newDatabase();
    try (PgDatabase db = PgDatabase.open(url, Map.of())) {
      PgMigrations.migrate(db.dataSource(), "5");
      exec(
          db,
          "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp, written_at)"
              + " SELECT '"
              + F1
              + "', '{\"hcp_id\":\"H' || (i % 100) || '\"}', to_jsonb(i),"
              + " timestamptz '2025-10-01' + i * interval '1 minute', now()"
              + " FROM generate_series(1, 30000) i");
      PgMigrations.migrate(db.dataSource());
      assertThat(strings(db, "SELECT relkind::text FROM pg_class WHERE relname = 'feature_values'"))
          .containsExactly("p");
      assertThat(strings(db, "SELECT count(*)::text FROM feature_values")).containsExactly("30000");
      List<String> parts = partitionNames(db);
      YearMonth cutoff = YearMonth.now(ZoneOffset.UTC).plusMonths(2);
      assertThat(parts.getFirst()).isEqualTo("feature_values_legacy");
      assertThat(parts.get(1)).isEqualTo(PgPartitions.name(cutoff));
      // The old read index became the legacy partition's part of the partitioned index.
      assertThat(
              strings(
                  db,
                  "SELECT i.inhrelid::regclass::text FROM pg_inherits i"
                      + " WHERE i.inhparent = 'feature_values_read_idx'::regclass"))
          .contains("feature_values_legacy_read_idx");
    }
    OfflineBackend backend = open(url, Map.of());
    try (PgOfflineStore store = (PgOfflineStore) backend.store()) {
      EntityKey h7 = EntityKey.of("hcp_id", "H7");
      assertThat(store.latest(h7, List.of(F1), null, null).get(F1).valueJson()).isEqualTo("29907");
      // An old backfill lands in the legacy partition, a far-future value in a month made for it.
      Instant old = Instant.parse("2020-03-04T00:00:00Z");
      Instant future = Instant.parse("2031-05-06T00:00:00Z");
      store.write(List.of(new ValueRow(F1, h7, 1L, old), new ValueRow(F1, h7, 2L, future)), old);
      assertThat(store.latest(h7, List.of(F1), null, null).get(F1).valueJson()).isEqualTo("2");
      assertThat(store.latest(h7, List.of(F1), old, null).get(F1).valueJson()).isEqualTo("1");
      try (PgDatabase db = PgDatabase.open(url, Map.of())) {
        assertThat(partitionNames(db)).contains("feature_values_y2031m05");
        assertThat(strings(db, "SELECT count(*)::text FROM feature_values_legacy"))
            .containsExactly("30001");
      }
    } finally {
      backend.registry().close();
    }
  }

  @Test
  void retentionDropsWholeMonthsAndDeletesOnlyTheShorterRetainedGroupsRows() throws SQLException {
    String url = TestPostgres.newMigratedDatabase();
    OfflineBackend backend = open(url, Map.of("partition_maintenance_minutes", "0"));
    try (PgOfflineStore store = (PgOfflineStore) backend.store()) {
      Instant jan = Instant.parse("2025-01-10T00:00:00Z");
      Instant feb = Instant.parse("2025-02-10T00:00:00Z");
      Instant now = Instant.parse("2025-06-15T00:00:00Z");
      store.write(
          List.of(
              new ValueRow(F1, H1, 1L, jan),
              new ValueRow(F2, H1, 2L, jan),
              new ValueRow(F1, H1, 3L, feb),
              new ValueRow(F1, H1, 4L, now)),
          now);
      List<PgPartitions.GroupRetention> groups =
          List.of(
              new PgPartitions.GroupRetention("short", Duration.ofDays(30), Set.of(F1)),
              new PgPartitions.GroupRetention("forever", null, Set.of(F2)));
      PgPartitions.Report r = store.maintainPartitions(now, groups);
      assertThat(r.skipped()).isFalse();
      assertThat(r.dropped()).containsExactly("feature_values_y2025m02"); // only F1's values
      assertThat(r.rowsDeleted()).isEqualTo(1); // F1's January value; F2 keeps January
      assertThat(r.created()).contains("feature_values_y2025m09");
      assertThat(store.history(H1, List.of(F1, F2), null, null))
          .extracting(StoredValue::valueJson)
          .containsExactlyInAnyOrder("2", "4");
      // A write into the dropped month: this instance still believed it existed; it re-reads the
      // catalog, creates the month again and writes.
      store.write(List.of(new ValueRow(F1, H1, 5L, feb)), now);
      assertThat(store.latest(H1, List.of(F1), feb, null).get(F1).valueJson()).isEqualTo("5");
      assertThat(store.maintainPartitions(now, groups).dropped())
          .containsExactly("feature_values_y2025m02");
    } finally {
      backend.registry().close();
    }
  }

  /**
   * A month is created apart and attached (SHARE UPDATE EXCLUSIVE): a backfill into a new month
   * does not wait for a long read. CREATE TABLE ... PARTITION OF would wait for it here (ACCESS
   * EXCLUSIVE), and hold every read and write behind it meanwhile.
   */
  @Test
  void aWriteIntoANewMonthDoesNotWaitForAnOpenReadTransaction() throws Exception {
    String url = TestPostgres.newMigratedDatabase();
    OfflineBackend backend = open(url, Map.of("partition_maintenance_minutes", "0"));
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try (PgOfflineStore store = (PgOfflineStore) backend.store();
        PgDatabase other = PgDatabase.open(url, Map.of());
        Connection reader = other.connection()) {
      reader.setAutoCommit(false);
      try (Statement s = reader.createStatement()) {
        s.executeQuery("SELECT count(*) FROM feature_values").close(); // holds ACCESS SHARE
      }
      Instant old = Instant.parse("2019-06-01T00:00:00Z");
      java.util.concurrent.Future<?> write =
          pool.submit(() -> store.write(List.of(new ValueRow(F1, H1, 1L, old)), old));
      write.get(10, java.util.concurrent.TimeUnit.SECONDS);
      reader.commit();
      assertThat(store.latest(H1, List.of(F1), null, null)).containsKey(F1);
    } finally {
      pool.shutdownNow();
      backend.registry().close();
    }
  }

  @Test
  void eachGroupsRetentionComesFromItsRetentionDays() {
    String url = TestPostgres.newMigratedDatabase();
    OfflineBackend backend = open(url, Map.of("partition_maintenance_minutes", "0"));
    try (PgRegistry registry = (PgRegistry) backend.registry()) {
      registry.insertGroup(FeatureGroup.builder("short").retentionDays(30).build());
      registry.insertGroup(FeatureGroup.builder("kept").build());
      Feature f =
          Feature.fromSpec(
              new FeatureSpec("short", "x", ValueType.INT64, List.of("hcp_id")), 1, Instant.now());
      registry.insertFeature(f);
      assertThat(PostgresBackendProvider.retention(registry))
          .containsExactlyInAnyOrder(
              new PgPartitions.GroupRetention("short", Duration.ofDays(30), Set.of(f.id())),
              new PgPartitions.GroupRetention("kept", null, Set.of()));
    } finally {
      backend.store().close();
    }
  }

  /** Pruning, shown by EXPLAIN: printed for docs/performance.md, asserted here. */
  @Test
  void readsTouchOnlyThePartitionsTheyNeed() throws SQLException {
    String url = TestPostgres.newMigratedDatabase();
    OfflineBackend backend = open(url, Map.of("partition_maintenance_minutes", "0"));
    try (PgOfflineStore store = (PgOfflineStore) backend.store();
        PgDatabase db = PgDatabase.open(url, Map.of())) {
      List<ValueRow> rows = new ArrayList<>();
      for (int m = 1; m <= 6; m++) {
        for (int d = 1; d <= 28; d++) {
          rows.add(
              new ValueRow(
                  F1,
                  H1,
                  (long) (m * 100 + d),
                  Instant.parse(String.format("2025-%02d-%02dT00:00:00Z", m, d))));
        }
      }
      store.write(rows, Instant.now());
      exec(db, "ANALYZE feature_values");
      String history =
          plan(
              db,
              "EXPLAIN (COSTS OFF) SELECT value, event_timestamp FROM feature_values"
                  + " WHERE feature_id = '"
                  + F1
                  + "' AND entity_key = '"
                  + H1.canonical()
                  + "' AND event_timestamp >= '2025-03-05T00:00:00Z'"
                  + " AND event_timestamp <= '2025-04-04T00:00:00Z'"
                  + " ORDER BY event_timestamp DESC, seq DESC");
      System.out.println("30-day history:\n" + history);
      assertThat(partitionsIn(history)).containsExactly("y2025m03", "y2025m04");
      String probe =
          plan(
              db,
              "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT s.ts, v.value"
                  + " FROM (VALUES (timestamptz '2025-02-15')) s(ts) LEFT JOIN LATERAL"
                  + " (SELECT value FROM feature_values WHERE feature_id = '"
                  + F1
                  + "' AND entity_key = '"
                  + H1.canonical()
                  + "' AND event_timestamp <= s.ts ORDER BY event_timestamp DESC, seq DESC"
                  + " LIMIT 1) v ON true");
      System.out.println("point-in-time probe:\n" + probe);
      // Ordered by the partition key, the probe walks partitions newest first and stops at the
      // first value: February's; later months are pruned at run time, earlier never reached.
      assertThat(probe).contains("feature_values_y2025m02");
      for (String line : probe.lines().toList()) {
        if (line.contains("feature_values_y2025m0") && !line.contains("y2025m02")) {
          assertThat(line).as(line).contains("never executed");
        }
      }
    } finally {
      backend.registry().close();
    }
  }

  @Test
  void historyAndTrainingDataComeFromTheReadUrl() throws SQLException {
    String primary = TestPostgres.newMigratedDatabase();
    String replica = TestPostgres.newMigratedDatabase();
    Instant t = Instant.parse("2025-05-05T00:00:00Z");
    OfflineBackend onReplica = open(replica, Map.of("partition_maintenance_minutes", "0"));
    try (PgOfflineStore r = (PgOfflineStore) onReplica.store()) {
      r.write(List.of(new ValueRow(F1, H1, 42L, t)), t);
    } finally {
      onReplica.registry().close();
    }
    OfflineBackend backend =
        open(primary, Map.of("partition_maintenance_minutes", "0", "offline_read_url", replica));
    try (PgOfflineStore store = (PgOfflineStore) backend.store()) {
      store.write(List.of(new ValueRow(F1, H1, 1L, t)), t);
      assertThat(store.latest(H1, List.of(F1), null, null).get(F1).valueJson()).isEqualTo("1");
      assertThat(store.history(H1, List.of(F1), null, null))
          .extracting(StoredValue::valueJson)
          .containsExactly("42"); // a different database here, to show where the read went
      assertThat(store.describe()).contains("history and training data from");
      assertThat(store.isHealthy()).isTrue();
    } finally {
      backend.registry().close();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static OfflineBackend open(String url, Map<String, String> options) {
    return new PostgresBackendProvider()
        .openOffline(url, new FeatureStoreConfig(url, "none", null, null, false, options));
  }

  private static List<String> partitionNames(PgDatabase db) throws SQLException {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      List<String> names = PgPartitions.list(c).stream().map(PgPartitions.Partition::name).toList();
      c.commit();
      c.setAutoCommit(true);
      return names;
    }
  }

  private static List<String> partitionsIn(String plan) {
    List<String> out = new ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("feature_values_(y\\d{4}m\\d{2})").matcher(plan);
    while (m.find()) {
      if (!out.contains(m.group(1))) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  private static String plan(PgDatabase db, String sql) throws SQLException {
    return String.join("\n", strings(db, sql));
  }

  private static void exec(PgDatabase db, String sql) throws SQLException {
    try (Connection c = db.connection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static List<String> strings(PgDatabase db, String sql) throws SQLException {
    try (Connection c = db.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }
}
