package io.e2i.featurestore.embedded;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.ValueRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A process that dies with writes in the journal, for {@link EmbeddedJournalTest}: it writes until
 * a checkpoint runs, then acknowledges writes that go to the journal and halts the JVM (no close,
 * no shutdown hook), either while the checkpoint is held ({@code held}) or once the journal's rows
 * are committed to DuckDB and before the journal is emptied ({@code applied}). Prints {@code acked
 * <i>} for each value acknowledged, then {@code journal <bytes>} just before it halts.
 */
public final class JournalCrashChild {
  static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  static final String PADDING = "x".repeat(120);

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path dir = Path.of(args[1]);
    UUID feature = UUID.fromString(args[2]);
    Path journal = dir.resolve(WriteJournal.FILE_NAME);
    Checkpointer.walBytes = 256L << 10;
    CountDownLatch checkpointing = new CountDownLatch(1);
    CountDownLatch journaled = new CountDownLatch(1);
    Checkpointer.afterCheckpoint =
        () -> {
          checkpointing.countDown();
          awaitQuietly(journaled);
          if (mode.equals("held")) {
            halt(journal);
          }
        };
    DuckDbOfflineStore.afterJournalApplied = () -> halt(journal);
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store();
    store.awaitIndex();
    int i = 0;
    while (checkpointing.getCount() > 0) { // direct writes until the WAL passes the threshold
      write(store, feature, i, 100);
      i += 100;
      checkpointing.await(20, TimeUnit.MILLISECONDS);
    }
    for (int call = 0; call < 30; call++) { // into the journal: the checkpoint is held
      write(store, feature, i, 100);
      i += 100;
    }
    write(store, feature, 0, 1); // value 0 again, same event time: the later write must win
    journaled.countDown();
    Thread.sleep(60_000); // halted before this ends
    System.exit(2);
  }

  private static void write(DuckDbOfflineStore store, UUID feature, int from, int n) {
    List<ValueRow> rows = new ArrayList<>(n);
    for (int i = from; i < from + n; i++) {
      String value = n == 1 ? "again" + i : PADDING + i;
      rows.add(new ValueRow(feature, EntityKey.of("hcp_id", "H" + i), value, T0.plusSeconds(i)));
    }
    store.write(rows, T0.plusSeconds(from + n));
    for (int i = from; i < from + n; i++) {
      System.out.println((n == 1 ? "again " : "acked ") + i);
    }
    System.out.flush();
  }

  private static void halt(Path journal) {
    try {
      System.out.println("journal " + Files.size(journal));
    } catch (java.io.IOException e) {
      System.out.println("journal -1");
    }
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private JournalCrashChild() {}
}
