package io.e2i.featurestore.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves DuckDB's write-ahead log into the database file at a moment when it is quick (issue 15: no
 * maintenance job may block the write path).
 *
 * <p>Left to itself, DuckDB checkpoints inside the commit that passes its WAL threshold, and a
 * checkpoint first waits for the exclusive lock of each table it writes, which every running scan
 * of that table holds shared; meanwhile no write can commit (in DuckDB 1.4 it holds the database's
 * checkpoint lock, which every write transaction needs; in 1.5 appends wait for the table's lock).
 * So a commit-time checkpoint that met a training join scanning {@code feature_values} stopped
 * every writer until the join was done (0.85-1.8 s under the mix), although its own work
 * took 0.3-0.5 s.
 *
 * <p>This thread checkpoints first instead, at {@link #walBytes}: it waits, without holding
 * anything writers need, until no read of the store is running (the {@code readGate}: every read
 * holds its read side), then takes the write lock, runs {@code CHECKPOINT} on its own connection
 * and lets writers and readers go on. Writers wait only for the checkpoint's own work. If reads
 * keep coming, after {@link #PATIENCE_NANOS} it closes the gate to new reads (they wait for the
 * reads already running and the checkpoint, never for a write). DuckDB's own commit-time checkpoint
 * stays as a backstop at {@link #COMMIT_CHECKPOINT} (a long read streaming to a slow client can
 * hold the gate for longer than this thread waits).
 *
 * <p>The checkpoint itself still stops commits into {@code feature_values} (DuckDB 1.4 and 1.5 lock
 * the table they write, 0.2-1.0 s), so with the store's {@link Diversion} attached, value writes go
 * to the store's {@link WriteJournal} from just before the write lock is taken until the journal
 * has been applied, after the checkpoint and before any read runs.
 */
final class Checkpointer implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

  /**
   * WAL size at which this thread checkpoints, in MB: system property {@code
   * featurestore.embedded.checkpointMb}, by default 64. Writes go on during a checkpoint (into the
   * journal), but reads wait for it and for the journal's application, and each costs about the
   * same whatever the WAL's size (0.2-0.9 s under the mix): at 64 MB there are a third as
   * many as at DuckDB's 16 MB, and the freshness update and training reads waited a third as long
   * (issue 15, docs/performance.md, sixth round).
   */
  static final long WAL_BYTES = Long.getLong("featurestore.embedded.checkpointMb", 64) << 20;

  /** The WAL size in use; tests lower it. */
  static volatile long walBytes = WAL_BYTES;

  /** DuckDB's commit-time checkpoint threshold while this thread runs: the backstop. */
  static final String COMMIT_CHECKPOINT = "128MB";

  /** Test hook: false leaves every checkpoint to DuckDB's commit, as before issue 15's fix. */
  static volatile boolean enabled = true;

  /** Test hook: run after each CHECKPOINT, still holding the write lock; may block. */
  static volatile Runnable afterCheckpoint = () -> {};

  /** How often the WAL's size is looked at. */
  private static final long POLL_MILLIS = 50;

  /** How long the thread waits for a moment without reads before it holds new reads back. */
  static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Longest wait for running reads to end once new ones are held back (then it tries later). */
  private static final long DRAIN_MILLIS = 3_000;

  /**
   * After holding reads back in vain (a read longer than {@link #DRAIN_MILLIS}, such as the index
   * load of a large store), how long it only looks for a moment without reads, so new reads are not
   * held back again and again behind one long read.
   */
  private static final long HOLD_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Longest wait for the write lock (a write holding it and waiting for a read gives way). */
  private static final long WRITER_MILLIS = 500;

  /**
   * A failed CHECKPOINT is retried at once this often: each try ends a DuckDB transaction, which
   * lets DuckDB release committed writes it kept for readers that are gone now.
   */
  private static final int TRIES = 5;

  private final Path wal;
  private final Connection connection;
  private final ReentrantReadWriteLock readGate;
  private final ReentrantLock writeLock;
  private final AtomicLong done = new AtomicLong();
  // Held for each try, so that a store detaching its diversion waits for the one under way.
  private final ReentrantLock cycle = new ReentrantLock();
  private volatile @Nullable Diversion diversion;
  private volatile boolean stopping;
  private long pendingSince = -1;
  private long holdAgainAt = System.nanoTime();

  Checkpointer(
      Path wal, Connection connection, ReentrantReadWriteLock readGate, ReentrantLock writeLock) {
    this.wal = wal;
    this.connection = connection;
    this.readGate = readGate;
    this.writeLock = writeLock;
  }

  /**
   * What the value store does around a checkpoint so that its writes are acknowledged meanwhile
   * (issue 15): a checkpoint locks {@code feature_values}, so they go to the store's journal.
   */
  interface Diversion {
    /** From now on value writes go to the journal (after a write under way to DuckDB ends). */
    void divert();

    /**
     * Called holding the write lock, with no read running: applies the journal to DuckDB and sends
     * value writes back to it.
     */
    void restore() throws SQLException, IOException;
  }

  /**
   * Attaches (or with null detaches) the store's diversion; waits for a checkpoint under way, so
   * after a detach none uses the old one.
   */
  void divertWritesTo(@Nullable Diversion d) {
    cycle.lock();
    try {
      diversion = d;
    } finally {
      cycle.unlock();
    }
  }

  /** Checkpoints made by this thread so far. */
  long checkpoints() {
    return done.get();
  }

  void stop() {
    stopping = true;
  }

  @Override
  public void run() {
    try {
      while (!stopping) {
        Thread.sleep(POLL_MILLIS);
        if (enabled && walSize() >= walBytes) {
          if (pendingSince < 0) {
            pendingSince = System.nanoTime();
          }
          long now = System.nanoTime();
          boolean hold = now - pendingSince >= PATIENCE_NANOS && now - holdAgainAt >= 0;
          if (attempt(hold)) {
            pendingSince = -1;
          } else if (hold) {
            holdAgainAt = System.nanoTime() + HOLD_BACKOFF_NANOS;
          }
        } else {
          pendingSince = -1;
        }
      }
    } catch (InterruptedException e) {
      // closing
    } finally {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing
      }
    }
  }

  private long walSize() {
    try {
      return Files.exists(wal) ? Files.size(wal) : 0;
    } catch (IOException e) {
      return 0; // moved or removed by a checkpoint meanwhile
    }
  }

  /**
   * One try: with no read running (waiting for the running ones to end if {@code hold} is set) and
   * the write lock, checkpoints. False if it could not, to be tried again. With a {@link Diversion}
   * attached, value writes go to the store's journal from just before the write lock is taken until
   * the journal is applied after the checkpoint, still before any read runs.
   */
  private boolean attempt(boolean hold) throws InterruptedException {
    Lock gate = readGate.writeLock();
    boolean gated = hold ? gate.tryLock(DRAIN_MILLIS, TimeUnit.MILLISECONDS) : gate.tryLock();
    if (!gated) {
      return false;
    }
    cycle.lock();
    try {
      long gatedAt = System.nanoTime();
      Diversion d = diversion;
      if (d == null) {
        if (!writeLock.tryLock(WRITER_MILLIS, TimeUnit.MILLISECONDS)) {
          return false;
        }
      } else {
        // Value writes no longer need the write lock; what holds it now (a registry change, a
        // freshness chunk) is short and waits for no read.
        d.divert();
        writeLock.lockInterruptibly(); // interrupted only when closing: the store restores then
      }
      long lockedAt = System.nanoTime();
      long checkpointedAt = lockedAt;
      try {
        boolean done = !stopping && checkpoint();
        checkpointedAt = System.nanoTime();
        return done;
      } finally {
        if (d != null) {
          restore(d);
        }
        writeLock.unlock();
        LOG.debug(
            "write lock after {} ms, checkpoint {} ms, journal applied in {} ms",
            (lockedAt - gatedAt) / 1_000_000,
            (checkpointedAt - lockedAt) / 1_000_000,
            (System.nanoTime() - checkpointedAt) / 1_000_000);
      }
    } finally {
      cycle.unlock();
      gate.unlock();
    }
  }

  /**
   * Applies the journal before reads go on (they must see every acknowledged write); tried until it
   * works, since no read may run before it has (the journal on disk keeps every acknowledged write
   * meanwhile, and the next open applies it).
   */
  private void restore(Diversion d) {
    for (int tries = 1; ; tries++) {
      try {
        d.restore();
        return;
      } catch (SQLException | IOException | RuntimeException e) {
        if (stopping) {
          return;
        }
        LOG.error("journaled writes not applied yet (try {}); reads wait", tries, e);
        try {
          Thread.sleep(Math.min(1_000, 50L * tries));
        } catch (InterruptedException closing) {
          return;
        }
      }
    }
  }

  private boolean checkpoint() {
    long started = System.nanoTime();
    long before = walSize();
    String why = "";
    for (int i = 0; i < TRIES; i++) {
      try (Statement s = connection.createStatement()) {
        s.execute("CHECKPOINT");
        done.incrementAndGet();
        afterCheckpoint.run();
        LOG.debug(
            "checkpoint of {} MB of WAL in {} ms",
            before >> 20,
            (System.nanoTime() - started) / 1_000_000);
        return true;
      } catch (SQLException e) {
        why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      }
    }
    LOG.debug("checkpoint postponed: {}", why);
    return false;
  }
}
