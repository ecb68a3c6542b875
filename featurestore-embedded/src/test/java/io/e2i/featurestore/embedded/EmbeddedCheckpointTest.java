package io.e2i.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.ValueRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: no maintenance job may block the write path. DuckDB's checkpoint waits for every
 * running scan of a table it writes, and while it waits no write can commit; left inside a writer's
 * commit, a checkpoint that met a long read stopped every writer until the read ended.
 */
class EmbeddedCheckpointTest {
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  private static final String PADDING = "x".repeat(120);
  @TempDir Path dir;

  @AfterEach
  void restoreHooks() {
    Checkpointer.enabled = true;
    Checkpointer.walBytes = Checkpointer.WAL_BYTES;
  }

  /**
   * While a read scans {@code feature_values} for as long as the test wants, writes fill the WAL
   * well past DuckDB's own 16 MB checkpoint threshold in small commits, and each is acknowledged at
   * once. Once the read ends, the checkpointer moves the WAL into the file, and every value is
   * there after a restart. With the checkpointer off (DuckDB's commit-time checkpoint, as before
   * the fix) the commit that passes 16 MB waits for the read and the write times out.
   */
  @Test
  void writesGoOnWhileALongReadHoldsTheTableAndTheCheckpointFollowsIt() throws Exception {
    Checkpointer.walBytes = 16L << 20; // DuckDB's own threshold, which the writes pass
    UUID feature = UUID.randomUUID();
    Path wal = dir.resolve(DuckDbDatabase.FILE_NAME + ".wal");
    int written = 0;
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store();
    CompletableFuture<Void> longRead = null;
    AtomicReference<Statement> reading = new AtomicReference<>();
    // Own threads: the common pool has one worker on two cores, which the long read would take.
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      store.awaitIndex();
      written += write(store, feature, written, 5_000); // something for the long read to scan
      CountDownLatch scanning = new CountDownLatch(1);
      longRead =
          CompletableFuture.runAsync(() -> scanUntilCancelled(store, reading, scanning), threads);
      assertThat(scanning.await(30, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(200); // the scan is under way and holds the table
      long started = System.nanoTime();
      while (Files.size(wal) < (24L << 20)) {
        int from = written;
        CompletableFuture<Integer> call =
            CompletableFuture.supplyAsync(() -> write(store, feature, from, 1_000), threads);
        written += call.get(10, TimeUnit.SECONDS); // a write stuck behind the read fails here
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(120));
      }
      assertThat(longRead).as("the read runs the whole time").isNotDone();
      assertThat(store.db.maintenanceCheckpoints()).isZero(); // nor did the checkpointer get in
      cancelQuietly(reading.get());
      longRead.handle((v, e) -> null).get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (store.db.maintenanceCheckpoints() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(store.db.maintenanceCheckpoints()).isPositive();
      assertThat(Files.exists(wal) ? Files.size(wal) : 0).isLessThan(16L << 20);
    } finally {
      cancelQuietly(reading.get());
      store.close();
      backend.registry().close();
      threads.shutdownNow();
    }
    assertSurvivesARestart(feature, written);
  }

  /**
   * With reads coming and going, the checkpointer finds its moment: the WAL is checkpointed at its
   * (here lowered) threshold while writes and reads go on, and nothing is lost.
   */
  @Test
  void checkpointsBetweenReadsAndKeepsEveryValue() throws Exception {
    Checkpointer.walBytes = 1L << 20;
    UUID feature = UUID.randomUUID();
    int written = 0;
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store();
    try {
      store.awaitIndex();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (store.db.maintenanceCheckpoints() < 3 && System.nanoTime() < deadline) {
        written += write(store, feature, written, 500);
        assertThat(count(store, feature)).isEqualTo(written);
      }
      assertThat(store.db.maintenanceCheckpoints()).isGreaterThanOrEqualTo(3);
    } finally {
      store.close();
      backend.registry().close();
    }
    assertSurvivesARestart(feature, written);
  }

  private void assertSurvivesARestart(UUID feature, int written) throws Exception {
    OfflineBackend again = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore store = (DuckDbOfflineStore) again.store();
    try {
      assertThat(count(store, feature)).isEqualTo(written);
      int last = written - 1;
      assertThat(
              store
                  .latest(EntityKey.of("hcp_id", "H" + last), List.of(feature), null, null)
                  .get(feature)
                  .valueJson())
          .isEqualTo("\"" + PADDING + last + "\"");
    } finally {
      store.close();
      again.registry().close();
    }
  }

  /** Writes values {@code from} to {@code from + n - 1}, each for its own entity, in one call. */
  private static int write(DuckDbOfflineStore store, UUID feature, int from, int n) {
    List<ValueRow> rows = new ArrayList<>(n);
    for (int i = from; i < from + n; i++) {
      rows.add(
          new ValueRow(feature, EntityKey.of("hcp_id", "H" + i), PADDING + i, T0.plusSeconds(i)));
    }
    store.write(rows, T0.plusSeconds(from + n));
    return n;
  }

  private static long count(DuckDbOfflineStore store, UUID feature) throws SQLException {
    return store.db.read(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT count(*) FROM feature_values WHERE feature_id = '" + feature + "'")) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  private static void cancelQuietly(Statement s) {
    try {
      if (s != null) {
        s.cancel();
      }
    } catch (SQLException e) {
      // done already
    }
  }

  /** A read through the store that scans feature_values until its statement is cancelled. */
  private static void scanUntilCancelled(
      DuckDbOfflineStore store, AtomicReference<Statement> reading, CountDownLatch scanning) {
    try {
      store.db.read(
          c -> {
            try (Statement s = c.createStatement()) {
              reading.set(s);
              scanning.countDown();
              // A range per row, streamed, too long to end: the table's scan stays open until
              // the statement is cancelled.
              s.executeQuery(
                      "SELECT sum(r.range) FROM feature_values v,"
                          + " range(length(v.value_json) * 100000000000) r")
                  .close();
            }
            return DuckDbDatabase.NO_RESULT;
          });
    } catch (SQLException e) {
      if (!String.valueOf(e.getMessage()).contains("Interrupt")) {
        throw new IllegalStateException(e);
      }
    }
  }
}
