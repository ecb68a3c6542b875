package io.e2i.featurestore.postgres;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.spi.ValueRow;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 15, PostgreSQL: measures migration V6 on a table of {@code --rows} values while a writer
 * inserts one value at a time (the longest a write waited is what the migration held writes for),
 * then a COPY of 1,000,000 values into the partitioned table, then retention on a month of {@code
 * --month-rows} values: one group's rows deleted in batches, against the month dropped.
 *
 * <pre>
 * java -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.postgres.PartitionTiming \
 *   --rows 5000000
 * </pre>
 */
public final class PartitionTiming {
  private PartitionTiming() {}

  public static void main(String[] args) throws Exception {
    long rows = 5_000_000;
    long monthRows = 1_000_000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Long.parseLong(args[i + 1]);
        case "--month-rows" -> monthRows = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("fs-pgpart");
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir)
            .setCleanDataDirectory(true)
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_wal_size", "4GB")
            .start()) {
      String url = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres";
      log("uptime " + Files.readString(Path.of("/proc/loadavg")).trim());
      try (PgDatabase db = PgDatabase.open(url, Map.of())) {
        migrationUnderWrites(db, rows);
        bulkWrite(db, "the partitioned table", 2);
        retention(db, monthRows);
      }
      log("uptime " + Files.readString(Path.of("/proc/loadavg")).trim());
    }
  }

  private static void migrationUnderWrites(PgDatabase db, long rows) throws Exception {
    PgMigrations.migrate(db.dataSource(), "5");
    bulkWrite(db, "the old table", 1);
    long t = System.nanoTime();
    exec(
        db,
        "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp, written_at)"
            + " SELECT ('00000000-0000-0000-0000-00000000000' || (i % 10))::uuid,"
            + " '{\"hcp_id\":\"HCP' || (i / 10 % 50000) || '\"}', to_jsonb(i),"
            + " now() - interval '400 days' + (i / 500000) * interval '1 day', now()"
            + " FROM generate_series(0, "
            + (rows - 1)
            + ") i");
    exec(db, "VACUUM ANALYZE feature_values");
    log(
        String.format(
            Locale.ROOT,
            "old table: %,d rows (V1-V5 shape: generated entity_values, covering read index),"
                + " loaded in %.1f s; size %s",
            rows,
            (System.nanoTime() - t) / 1e9,
            one(db, "SELECT pg_size_pretty(pg_total_relation_size('feature_values'))")));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong maxWait = new AtomicLong();
    AtomicLong writes = new AtomicLong();
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (Connection c = db.connection();
                      PreparedStatement ps =
                          c.prepareStatement(
                              "INSERT INTO feature_values (feature_id, entity_key, value,"
                                  + " event_timestamp, written_at) VALUES"
                                  + " ('00000000-0000-0000-0000-000000000001',"
                                  + " '{\"hcp_id\":\"LIVE\"}', '1', now(), now())")) {
                    while (!stop.get()) {
                      long w = System.nanoTime();
                      ps.executeUpdate();
                      maxWait.accumulateAndGet(System.nanoTime() - w, Math::max);
                      writes.incrementAndGet();
                      Thread.sleep(5);
                    }
                  } catch (Exception e) {
                    log("writer failed: " + e);
                  }
                });
    Thread.sleep(1000);
    long before = maxWait.getAndSet(0);
    t = System.nanoTime();
    PgMigrations.migrate(db.dataSource());
    double took = (System.nanoTime() - t) / 1e9;
    Thread.sleep(500);
    stop.set(true);
    writer.join();
    log(
        String.format(
            Locale.ROOT,
            "V6 on %,d rows: %.1f s in all; a single-value write waited at most %.0f ms meanwhile"
                + " (%.1f ms before it); %,d writes during the run, none failed",
            rows,
            took,
            maxWait.get() / 1e6,
            before / 1e6,
            writes.get()));
  }

  private static void bulkWrite(PgDatabase db, String into, int runs) {
    try (PgOfflineStore store = new PgOfflineStore(db.retain())) {
      for (int run = 0; run < runs; run++) {
        List<ValueRow> rows = new ArrayList<>(1_000_000);
        Instant ts = Instant.now().minus(Duration.ofHours(run + 1));
        for (int i = 0; i < 1_000_000; i++) {
          rows.add(
              new ValueRow(
                  UUID.fromString("00000000-0000-0000-0000-00000000002" + (i % 10)),
                  EntityKey.of("hcp_id", "BULK" + (i / 10)),
                  (long) i,
                  ts));
        }
        long t = System.nanoTime();
        store.write(rows, Instant.now());
        log(
            String.format(
                Locale.ROOT,
                "COPY of 1,000,000 values into %s: %.1f s",
                into,
                (System.nanoTime() - t) / 1e9));
      }
    }
  }

  private static void retention(PgDatabase db, long monthRows) throws Exception {
    // A month after the legacy partition's cutoff, judged from a "now" years later.
    java.time.YearMonth month = java.time.YearMonth.now(java.time.ZoneOffset.UTC).plusMonths(4);
    String table = PgPartitions.name(month);
    Instant mid = PgPartitions.start(month).plus(Duration.ofDays(14));
    exec(db, PgPartitions.createMonth(month));
    exec(
        db,
        "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp, written_at)"
            + " SELECT ('00000000-0000-0000-0000-00000000003' || (i % 2))::uuid,"
            + " '{\"hcp_id\":\"OLD' || i || '\"}', to_jsonb(i), timestamptz '"
            + mid
            + "', now() FROM generate_series(1, "
            + monthRows
            + ") i");
    exec(db, "VACUUM ANALYZE " + table);
    UUID a = UUID.fromString("00000000-0000-0000-0000-000000000030");
    UUID b = UUID.fromString("00000000-0000-0000-0000-000000000031");
    Instant now = mid.plus(Duration.ofDays(3 * 365));
    try (PgOfflineStore store = new PgOfflineStore(db.retain())) {
      List<PgPartitions.GroupRetention> onlyA =
          List.of(
              new PgPartitions.GroupRetention("a", Duration.ofDays(365), Set.of(a)),
              new PgPartitions.GroupRetention("b", null, Set.of(b)));
      long t = System.nanoTime();
      PgPartitions.Report r = store.maintainPartitions(now, onlyA);
      log(
          String.format(
              Locale.ROOT,
              "retention, one of two groups past it in a month of %,d values: %,d rows deleted"
                  + " in %.1f s (batches of %,d)",
              monthRows,
              r.rowsDeleted(),
              (System.nanoTime() - t) / 1e9,
              PgPartitions.DELETE_BATCH));
      List<PgPartitions.GroupRetention> both =
          List.of(
              new PgPartitions.GroupRetention("a", Duration.ofDays(365), Set.of(a)),
              new PgPartitions.GroupRetention("b", Duration.ofDays(365), Set.of(b)));
      t = System.nanoTime();
      r = store.maintainPartitions(now, both);
      log(
          String.format(
              Locale.ROOT,
              "retention, every group past it: dropped %s (%,d values left in it) in %.3f s",
              r.dropped(),
              monthRows - monthRows / 2,
              (System.nanoTime() - t) / 1e9));
    }
  }

  private static void exec(PgDatabase db, String sql) throws Exception {
    try (Connection c = db.connection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static String one(PgDatabase db, String sql) throws Exception {
    try (Connection c = db.connection();
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void log(String line) {
    System.out.println(Instant.now() + " " + line);
  }
}
