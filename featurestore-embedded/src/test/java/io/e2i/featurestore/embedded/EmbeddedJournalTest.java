package io.e2i.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: no maintenance job may block the write path. While DuckDB checkpoints no write can
 * commit into {@code feature_values}; value writes go to the store's journal meanwhile and are
 * acknowledged, and reach DuckDB before any read runs. Each test holds a checkpoint (a hook in the
 * {@link Checkpointer}) for as long as it wants.
 */
class EmbeddedJournalTest {
  private static final Instant T0 = JournalCrashChild.T0;
  private static final String PADDING = JournalCrashChild.PADDING;
  @TempDir Path dir;
  private final UUID feature = UUID.randomUUID();
  private final CountDownLatch checkpointing = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void restoreHooks() {
    release.countDown();
    threads.shutdownNow();
    Checkpointer.walBytes = Checkpointer.WAL_BYTES;
    Checkpointer.afterCheckpoint = () -> {};
  }

  /** The next checkpoint stops in its hook, holding the write lock, until {@link #release}. */
  private void holdTheNextCheckpoint() {
    Checkpointer.walBytes = 256L << 10;
    Checkpointer.afterCheckpoint =
        () -> {
          checkpointing.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
  }

  /** Writes direct until the WAL passes the (lowered) threshold and the checkpoint is held. */
  private int fillUntilTheCheckpointIsHeld(DuckDbOfflineStore store) throws Exception {
    int written = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!checkpointing.await(20, TimeUnit.MILLISECONDS)) {
      written += write(store, written, 100);
      assertThat(System.nanoTime()).isLessThan(deadline);
    }
    return written;
  }

  /**
   * Writes made while a checkpoint holds the write lock are acknowledged at once (they wait 10 s or
   * more without the journal: the test holds the checkpoint that long), read online at once, and
   * read offline once the checkpoint ends by a read that started during it; afterwards, and after a
   * restart, each is in DuckDB once.
   */
  @Test
  void writesDuringAHeldCheckpointAreAcknowledgedAndReadOnlineAndOffline() throws Exception {
    holdTheNextCheckpoint();
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store();
    int written;
    try {
      store.awaitIndex();
      written = fillUntilTheCheckpointIsHeld(store);
      int before = written;
      long started = System.nanoTime();
      for (int call = 0; call < 20; call++) {
        int from = written;
        written += threads.submit(() -> write(store, from, 50)).get(10, TimeUnit.SECONDS);
      }
      assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(10));
      assertThat(checkpointStillHeld()).isTrue();
      assertThat(Files.size(dir.resolve(WriteJournal.FILE_NAME))).isPositive();
      // Online: from the index at once.
      int last = written - 1;
      assertThat(latest(store, last, null)).isEqualTo(json(PADDING + last));
      assertThat(
              store
                  .freshness(
                      List.of(new FreshnessRule(feature, null, Duration.ofDays(365_000))),
                      T0.plusSeconds(written))
                  .getFirst()
                  .totalEntities())
          .isEqualTo(written);
      // Offline: a read started now waits for the checkpoint and the journal's application.
      CompletableFuture<Long> counted = CompletableFuture.supplyAsync(countQuietly(store), threads);
      CompletableFuture<List<StoredValue>> history =
          CompletableFuture.supplyAsync(
              () -> store.history(entity(before), List.of(feature), null, null), threads);
      Thread.sleep(300);
      assertThat(counted).isNotDone();
      release.countDown();
      assertThat(counted.get(30, TimeUnit.SECONDS)).isEqualTo(written);
      assertThat(history.get(30, TimeUnit.SECONDS))
          .singleElement()
          .extracting(StoredValue::valueJson)
          .isEqualTo(json(PADDING + before));
      // The bounded read goes to DuckDB, not the index.
      assertThat(latest(store, last, T0.plusSeconds(last))).isEqualTo(json(PADDING + last));
      assertThat(Files.size(dir.resolve(WriteJournal.FILE_NAME))).isZero();
      assertThat(distinctSeqs(store)).isEqualTo(written);
      int after = written;
      written += write(store, after, 10); // direct again
      assertThat(count(store)).isEqualTo(written);
      assertThat(Files.size(dir.resolve(WriteJournal.FILE_NAME))).isZero();
      assertThat(
              store.updateFreshness(
                  List.of(new FreshnessRule(feature, Duration.ofDays(1), null)),
                  T0.plusSeconds(written)))
          .isEqualTo(written);
    } finally {
      release.countDown();
      store.close();
      backend.registry().close();
    }
    OfflineBackend again = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore reopened = (DuckDbOfflineStore) again.store();
    try {
      assertThat(count(reopened)).isEqualTo(written);
      assertThat(distinctSeqs(reopened)).isEqualTo(written);
      assertThat(statuses(reopened, FreshnessStatus.FRESH)).isEqualTo(written);
    } finally {
      reopened.close();
      again.registry().close();
    }
  }

  /**
   * Two writes of one (entity, event time): the later written wins whether the first went direct
   * and the second to the journal, both to the journal, or the first to the journal and the second
   * direct after it; online, offline and after a restart.
   */
  @Test
  void theLaterWriteOfOneEventTimeWinsAcrossTheJournal() throws Exception {
    holdTheNextCheckpoint();
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store();
    // Entities far above the filler's, at the filler's event times: 1_000_000 (direct then
    // journal), 1_000_001 (journal twice), 1_000_002 (journal then direct).
    try {
      store.awaitIndex();
      writeOne(store, 1_000_000, "direct");
      fillUntilTheCheckpointIsHeld(store);
      threads.submit(() -> writeOne(store, 1_000_000, "journal")).get(10, TimeUnit.SECONDS);
      threads.submit(() -> writeOne(store, 1_000_001, "journal-1")).get(10, TimeUnit.SECONDS);
      threads.submit(() -> writeOne(store, 1_000_001, "journal-2")).get(10, TimeUnit.SECONDS);
      threads.submit(() -> writeOne(store, 1_000_002, "journal")).get(10, TimeUnit.SECONDS);
      assertLaterWins(store, false);
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (Files.size(dir.resolve(WriteJournal.FILE_NAME)) > 0) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(10);
      }
      writeOne(store, 1_000_002, "direct");
      assertLaterWins(store, true);
    } finally {
      release.countDown();
      store.close();
      backend.registry().close();
    }
    OfflineBackend again = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore reopened = (DuckDbOfflineStore) again.store();
    try {
      reopened.awaitIndex();
      assertLaterWins(reopened, true);
    } finally {
      reopened.close();
      again.registry().close();
    }
  }

  private void assertLaterWins(DuckDbOfflineStore store, boolean drained) {
    Instant at = T0.plusSeconds(7);
    assertThat(latest(store, 1_000_000, null)).isEqualTo(json("journal"));
    assertThat(latest(store, 1_000_001, null)).isEqualTo(json("journal-2"));
    assertThat(latest(store, 1_000_002, null)).isEqualTo(json(drained ? "direct" : "journal"));
    if (drained) { // offline reads wait for the journal's application
      assertThat(latest(store, 1_000_000, at)).isEqualTo(json("journal"));
      assertThat(latest(store, 1_000_001, at)).isEqualTo(json("journal-2"));
      assertThat(latest(store, 1_000_002, at)).isEqualTo(json("direct"));
      assertThat(store.history(entity(1_000_001), List.of(feature), null, null))
          .singleElement()
          .extracting(StoredValue::valueJson)
          .isEqualTo(json("journal-2"));
      assertThat(store.history(entity(1_000_002), List.of(feature), null, null))
          .singleElement()
          .extracting(StoredValue::valueJson)
          .isEqualTo(json("direct"));
    }
  }

  /**
   * A process halted while the checkpoint is held, with acknowledged writes only in the journal
   * (among them a second write of one entity's event time): the next open applies them, each once,
   * the later write winning, and empties the journal.
   */
  @Test
  void aCrashDuringTheCheckpointLosesNoJournaledWrite() throws Exception {
    crashAndReopen("held");
  }

  /**
   * A process halted after the journal's rows were committed to DuckDB and before the journal was
   * emptied: the next open applies none of them again.
   */
  @Test
  void aCrashAfterApplyingTheJournalAppliesNothingTwice() throws Exception {
    crashAndReopen("applied");
  }

  private void crashAndReopen(String mode) throws Exception {
    Child child = runChild(mode);
    assertThat(child.journalBytes).as("the journal held rows when the process died").isPositive();
    assertThat(child.acked).isGreaterThan(3_000);
    for (int open = 0; open < 2; open++) { // the second open finds nothing left to apply
      OfflineBackend backend = EmbeddedBackendProvider.open(dir);
      DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store();
      try {
        assertThat(Files.size(dir.resolve(WriteJournal.FILE_NAME))).isZero();
        assertThat(count(store)).isEqualTo(child.acked + 1); // value 0 twice
        assertThat(distinctSeqs(store)).isEqualTo(child.acked + 1);
        store.awaitIndex();
        int last = child.acked - 1;
        assertThat(latest(store, last, null)).isEqualTo(json(PADDING + last));
        assertThat(latest(store, 0, null)).isEqualTo(json("again0"));
        assertThat(latest(store, 0, T0)).isEqualTo(json("again0"));
        assertThat(store.history(entity(0), List.of(feature), null, null))
            .singleElement()
            .extracting(StoredValue::valueJson)
            .isEqualTo(json("again0"));
        for (int i = 1; i < child.acked; i += 97) {
          assertThat(latest(store, i, T0.plusSeconds(i))).isEqualTo(json(PADDING + i));
        }
      } finally {
        store.close();
        backend.registry().close();
      }
    }
  }

  private record Child(int acked, long journalBytes) {}

  private Child runChild(String mode) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                JournalCrashChild.class.getName(),
                mode,
                dir.toString(),
                feature.toString())
            .redirectErrorStream(true)
            .start();
    int acked = 0;
    boolean again = false;
    long journalBytes = -1;
    List<String> other = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("acked ")) {
          assertThat(Integer.parseInt(line.substring(6))).isEqualTo(acked);
          acked++;
        } else if (line.equals("again 0")) {
          again = true;
        } else if (line.startsWith("journal ")) {
          journalBytes = Long.parseLong(line.substring(8));
        } else if (other.size() < 50) {
          other.add(line);
        }
      }
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("child output: %s", other).isZero();
    assertThat(again).isTrue();
    return new Child(acked, journalBytes);
  }

  private boolean checkpointStillHeld() {
    return release.getCount() > 0 && checkpointing.getCount() == 0;
  }

  private java.util.function.Supplier<Long> countQuietly(DuckDbOfflineStore store) {
    return () -> {
      try {
        return count(store);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static EntityKey entity(int i) {
    return EntityKey.of("hcp_id", "H" + i);
  }

  private static String json(String text) {
    return "\"" + text + "\"";
  }

  private String latest(DuckDbOfflineStore store, int i, Instant eventAsOf) {
    // A bound on write time sends the read to DuckDB; none serves it from the index.
    Instant writtenAsOf = eventAsOf == null ? null : Instant.parse("2100-01-01T00:00:00Z");
    Map<UUID, StoredValue> got = store.latest(entity(i), List.of(feature), eventAsOf, writtenAsOf);
    return got.get(feature).valueJson();
  }

  /** Values {@code from} to {@code from + n - 1}, each for its own entity at its own second. */
  private int write(DuckDbOfflineStore store, int from, int n) {
    List<ValueRow> rows = new ArrayList<>(n);
    for (int i = from; i < from + n; i++) {
      rows.add(new ValueRow(feature, entity(i), PADDING + i, T0.plusSeconds(i)));
    }
    store.write(rows, T0.plusSeconds(from + n));
    return n;
  }

  /** One value for entity {@code i} at event time T0 + 7 s. */
  private int writeOne(DuckDbOfflineStore store, int i, String value) {
    store.write(List.of(new ValueRow(feature, entity(i), value, T0.plusSeconds(7))), T0);
    return 1;
  }

  private long count(DuckDbOfflineStore store) throws SQLException {
    return scalar(
        store, "SELECT count(*) FROM feature_values WHERE feature_id = '" + feature + "'");
  }

  private long distinctSeqs(DuckDbOfflineStore store) throws SQLException {
    return scalar(
        store,
        "SELECT count(DISTINCT seq) FROM feature_values WHERE feature_id = '" + feature + "'");
  }

  private long statuses(DuckDbOfflineStore store, FreshnessStatus status) throws SQLException {
    return scalar(
        store,
        "SELECT count(*) FROM feature_values WHERE feature_id = '"
            + feature
            + "' AND freshness_status = '"
            + status.wireName()
            + "'");
  }

  private static long scalar(DuckDbOfflineStore store, String sql) throws SQLException {
    return store.db.read(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }
}
