package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * History split over connections (issue 15, {@link PgHistory}): the same values as one connection,
 * no sort in the generic plan, and no wait for a second connection the pool does not have idle.
 */
class PgHistoryTest {
  private static final Instant T0 = Instant.parse("2025-03-20T00:00:00Z");
  private static final EntityKey A = EntityKey.of("id", "A");
  private static String url;
  private static PgDatabase db;
  private static PgOfflineStore store;
  private static final List<UUID> FEATURES = new ArrayList<>();

  @BeforeAll
  static void load() {
    url = TestPostgres.newDatabase();
    PgMigrations.migrate(url);
    db = PgDatabase.open(url, Map.of());
    store = new PgOfflineStore(db.retain());
    try (PgRegistry registry = new PgRegistry(db.retain())) {
      registry.insertGroup(FeatureGroup.builder("g").build());
      for (int f = 0; f < 5; f++) {
        Feature feature =
            new Feature(
                UUID.randomUUID(),
                "g",
                "f" + f,
                1,
                ValueType.FLOAT64,
                List.of("id"),
                null,
                null,
                null,
                null,
                null,
                null,
                T0);
        assertThat(registry.insertFeature(feature)).isTrue();
        FEATURES.add(feature.id());
      }
    }
    // Five features, 60 days of 6-hourly values over three months, for A and for B; then every
    // second day's midnight value of A rewritten by a later write: the rewrite must win.
    List<ValueRow> rows = new ArrayList<>();
    for (int f = 0; f < FEATURES.size(); f++) {
      for (int h = 0; h < 60 * 24; h += 6) {
        Instant t = T0.minus(Duration.ofHours(h));
        rows.add(new ValueRow(FEATURES.get(f), A, f * 1000.0 + h, t));
        rows.add(new ValueRow(FEATURES.get(f), EntityKey.of("id", "B"), -1.0, t));
      }
    }
    store.write(rows, T0);
    List<ValueRow> rewrites = new ArrayList<>();
    for (UUID f : FEATURES) {
      for (int d = 0; d < 60; d += 2) {
        rewrites.add(new ValueRow(f, A, 0.5 + d, T0.minus(Duration.ofDays(d))));
      }
    }
    store.write(rewrites, T0.plusSeconds(60));
    exec("ANALYZE feature_values");
  }

  @AfterAll
  static void close() {
    store.close();
    db.close();
  }

  @Test
  void aSplitReadReturnsWhatOneConnectionReads() {
    Instant start = T0.minus(Duration.ofDays(30));
    List<String> one = read(store, 1, start, T0);
    // 30 days + the end point, 4 values a day, 5 features; every 2nd midnight rewritten.
    assertThat(one).hasSize(5 * (30 * 4 + 1));
    assertThat(one).contains(FEATURES.get(3) + " " + T0 + " 0.5 " + T0.plusSeconds(60));
    assertThat(one).doesNotContain(FEATURES.get(3) + " " + T0 + " 3000.0 " + T0);
    for (int n : new int[] {2, 3, 5, 64}) {
      assertThat(read(store, n, start, T0)).as("%d connections", n).isEqualTo(one);
    }
    assertThat(read(store, 2, null, null)).isEqualTo(read(store, 1, null, null)).hasSize(5 * 240);
  }

  @Test
  void withoutAnIdleConnectionTheReadStaysOnItsOwn() {
    try (PgDatabase single = PgDatabase.open(url, Map.of("pool_size", "1"));
        PgOfflineStore one = new PgOfflineStore(single.retain())) {
      long started = System.nanoTime();
      List<String> values = read(one, 2, T0.minus(Duration.ofDays(30)), T0);
      // Waiting for a second connection would take the pool's 5 s timeout.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      assertThat(values).isEqualTo(read(store, 1, T0.minus(Duration.ofDays(30)), T0));
    }
  }

  /**
   * The race in {@link PgDatabase#idleConnection}: threads that see one idle connection at once all
   * try to take it. Those that lose must get null at once, not wait for a connection to come back
   * (up to the pool's 5 s timeout: with counting and then taking, threads here waited 1-5 s).
   */
  @Test
  void takingAnIdleConnectionNeverWaitsWhenAnotherThreadTakesItFirst() throws Exception {
    try (PgDatabase small = PgDatabase.open(url, Map.of("pool_size", "2"))) {
      int threads = 8;
      long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
      AtomicLong longest = new AtomicLong();
      AtomicInteger taken = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(
              pool.submit(
                  () -> {
                    while (System.nanoTime() < until) {
                      long started = System.nanoTime();
                      Connection c = small.idleConnection();
                      longest.accumulateAndGet(System.nanoTime() - started, Math::max);
                      if (c == null) {
                        Thread.yield();
                        continue;
                      }
                      taken.incrementAndGet();
                      Thread.sleep(300); // held, as a history read's second half would hold it
                      c.close();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(taken.get()).isGreaterThan(4);
      assertThat(Duration.ofNanos(longest.get())).isLessThan(Duration.ofSeconds(1));
    }
  }

  /** Many history reads at once on a small pool: every one is right, and none waits long. */
  @Test
  void concurrentReadsOnASmallPoolGetTheOneConnectionAnswerWithoutWaiting() throws Exception {
    Instant start = T0.minus(Duration.ofDays(30));
    List<String> one = read(store, 1, start, T0);
    try (PgDatabase small = PgDatabase.open(url, Map.of("pool_size", "3"));
        PgOfflineStore three = new PgOfflineStore(small.retain())) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Long>> reads = new ArrayList<>();
        for (int i = 0; i < 8 * 25; i++) {
          reads.add(
              pool.submit(
                  () -> {
                    long started = System.nanoTime();
                    assertThat(read(three, 2, start, T0)).isEqualTo(one);
                    return System.nanoTime() - started;
                  }));
        }
        long longest = 0;
        for (Future<Long> r : reads) {
          longest = Math.max(longest, r.get());
        }
        assertThat(Duration.ofNanos(longest)).isLessThan(Duration.ofSeconds(1));
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void timestampsKeepTheirMicrosecondsOnceTheDriverReadsThemInBinary() throws SQLException {
    UUID f = FEATURES.get(4);
    EntityKey c = EntityKey.of("id", "C");
    Instant before = Instant.parse("1999-12-31T23:59:59.999999Z");
    Instant after = Instant.parse("2000-01-01T00:00:00.000001Z");
    Instant old = Instant.parse("1901-06-30T12:34:56.123456Z");
    Instant written = Instant.parse("2025-12-18T12:00:00.654321Z");
    store.write(
        List.of(
            new ValueRow(f, c, 1.0, before),
            new ValueRow(f, c, 2.0, after),
            new ValueRow(f, c, 3.0, old)),
        written);
    // pgjdbc prepares a statement on the server at its fifth run, and from then on receives the
    // timestamps in binary, which PgHistory decodes itself.
    for (int i = 0; i < 12; i++) {
      List<StoredValue> values = store.history(c, List.of(f), null, null);
      assertThat(values)
          .extracting(StoredValue::eventTimestamp)
          .containsExactly(after, before, old);
      assertThat(values).extracting(StoredValue::writtenAt).containsOnly(written);
    }
    assertThat(PgHistoryRows.instant(-1L)).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
  }

  /**
   * The plan PostgreSQL switches a prepared statement to after five runs: with the history's
   * setting, each feature's rows come from the months' ordered index-only scans, without a sort.
   */
  @Test
  void theGenericPlanWalksTheMonthsInIndexOrderWithoutSorting() throws SQLException {
    String sql = PgHistory.sql(true, true, true);
    for (int i = 1; sql.contains("?"); i++) {
      sql = sql.replaceFirst("\\?", "\\$" + i);
    }
    List<String> plan = new ArrayList<>();
    try (Connection c = db.connection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute(PgHistory.NO_SORT);
      s.execute("SET LOCAL plan_cache_mode = force_generic_plan");
      s.execute("PREPARE h(uuid[], text, timestamptz, timestamptz) AS " + sql);
      try (ResultSet rs =
          s.executeQuery(
              "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE h(ARRAY['"
                  + FEATURES.get(0)
                  + "'::uuid], '"
                  + A.canonical()
                  + "', '"
                  + T0.minus(Duration.ofDays(30))
                  + "', '"
                  + T0
                  + "')")) {
        while (rs.next()) {
          plan.add(rs.getString(1));
        }
      }
      c.rollback();
      c.setAutoCommit(true);
    }
    String text = String.join("\n", plan);
    assertThat(text)
        .contains("Subplans Removed") // pruned at run time: a generic plan
        .contains("Index Only Scan using feature_values_y2025m03")
        .contains("Index Only Scan using feature_values_y2025m02")
        .doesNotContain("Sort");
  }

  /** Each value as "feature event-time value written-at", in the order the facade sorts them. */
  private static List<String> read(PgOfflineStore s, int connections, Instant start, Instant end) {
    s.historyConnections(connections);
    try {
      return s.history(A, FEATURES, start, end).stream()
          .sorted(
              Comparator.comparing((StoredValue v) -> FEATURES.indexOf(v.featureId()))
                  .thenComparing(StoredValue::eventTimestamp))
          .map(
              v ->
                  v.featureId()
                      + " "
                      + v.eventTimestamp()
                      + " "
                      + v.valueJson()
                      + " "
                      + v.writtenAt())
          .toList();
    } finally {
      s.historyConnections(2);
    }
  }

  private static void exec(String statement) {
    try (Connection c = db.connection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
