package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DuckDB database file shared by the registry and the offline store.
 *
 * <p>DuckDB allows one process per file and its connections are not safe for concurrent use. So
 * there is one root connection; every write (registry or values) runs on one dedicated connection
 * under {@link #writeLock}, and reads borrow a {@code duplicate()} of the root connection from a
 * small pool, so readers run in parallel with each other and with the writer (DuckDB is MVCC). A
 * {@link Checkpointer} moves the write-ahead log into the file while no read runs, so that no
 * checkpoint inside a writer's commit waits for a long read, and value writes meanwhile go to the
 * store's {@link WriteJournal} (issue 15).
 */
final class DuckDbDatabase {
  static final String FILE_NAME = "featurestore.duckdb";
  private static final int MAX_IDLE_READERS = 8;
  private static final Logger LOG = LoggerFactory.getLogger(DuckDbDatabase.class);
  private static final long SLOW_NANOS = 100_000_000L; // write transactions logged (debug) past it

  private final Path file;
  private final DuckDBConnection root;
  private final DuckDBConnection writer;
  // Fair: writers, registry changes and freshness chunks take turns in arrival order, so none of
  // them waits behind a stream of others that keep barging in (issue 15: registry changes waited
  // up to 30 s under 8 writers).
  private final ReentrantLock writeLock = new ReentrantLock(true);
  // Every read holds the read side; the checkpointer takes the write side to checkpoint while no
  // read runs. Fair, so that once the checkpointer waits, new reads queue behind it.
  private final ReentrantReadWriteLock readGate = new ReentrantReadWriteLock(true);
  private final @Nullable Checkpointer checkpointer;
  private final @Nullable Thread checkpointThread;
  private final ConcurrentLinkedQueue<Connection> idleReaders = new ConcurrentLinkedQueue<>();
  private final AtomicInteger users = new AtomicInteger(0);
  private volatile boolean closed;

  private DuckDbDatabase(Path file, DuckDBConnection root) throws SQLException {
    this.file = file;
    this.root = root;
    this.writer = (DuckDBConnection) root.duplicate();
    this.writer.setAutoCommit(false);
    if (Checkpointer.enabled) {
      try (Statement s = root.createStatement()) {
        s.execute("SET wal_autocheckpoint = '" + Checkpointer.COMMIT_CHECKPOINT + "'");
      }
      this.checkpointer =
          new Checkpointer(
              file.resolveSibling(file.getFileName() + ".wal"),
              root.duplicate(),
              readGate,
              writeLock);
      this.checkpointThread =
          Thread.ofPlatform().daemon().name("featurestore-embedded-checkpoint").start(checkpointer);
    } else {
      this.checkpointer = null;
      this.checkpointThread = null;
    }
  }

  /** A piece of JDBC work whose SQL errors {@link #call} maps. */
  interface SqlCall<T> {
    T run() throws SQLException;
  }

  /** Runs {@code call}, mapping its SQL errors as {@link #error} does, named by {@code what}. */
  static <T> T call(String what, SqlCall<T> call) {
    try {
      return call.run();
    } catch (SQLException e) {
      throw error(what, e);
    }
  }

  /**
   * Maps a DuckDB error at run time: the disk or memory giving out is an outage (503); anything
   * else is a bug in our SQL (500), whose text must not reach a client.
   */
  static FeatureStoreException error(String what, SQLException e) {
    String message = String.valueOf(e.getMessage());
    if (message.startsWith("IO Error") || message.startsWith("Out of Memory Error")) {
      return FeatureStoreException.unavailable(
          what + " failed: " + message.lines().findFirst().orElse(message), e);
    }
    return FeatureStoreException.internal(what + " failed", e);
  }

  /** Opens (creating if needed) {@code <dir>/featurestore.duckdb} and its schema. */
  static DuckDbDatabase open(Path dir) {
    Path file = dir.toAbsolutePath().normalize().resolve(FILE_NAME);
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw FeatureStoreException.unavailable(
          "cannot create the embedded data folder " + file.getParent() + ": " + e.getMessage(), e);
    }
    DuckDBConnection root;
    try {
      root =
          (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file, new Properties());
    } catch (SQLException e) {
      throw openFailed(file, e);
    }
    try {
      Schema.create(root);
      return new DuckDbDatabase(file, root);
    } catch (SQLException e) {
      closeQuietly(root);
      throw FeatureStoreException.unavailable(
          "cannot prepare the embedded database " + file + ": " + e.getMessage(), e);
    }
  }

  private static final java.util.regex.Pattern HOLDER_PID =
      java.util.regex.Pattern.compile("\\(PID (\\d+)\\)");

  /**
   * DuckDB lets one process open a file. Its lock error ("Could not set lock on file ...:
   * Conflicting lock is held in /usr/bin/java (PID 123)") is said as what it means to whoever
   * started a command while {@code featurestore serve} runs on the same folder, the usual case: who
   * holds the store, and what to do instead.
   */
  static FeatureStoreException openFailed(Path file, SQLException e) {
    String message = String.valueOf(e.getMessage());
    if (!message.contains("Could not set lock on file")) {
      return FeatureStoreException.unavailable(
          "cannot open the embedded database " + file + ": " + message, e);
    }
    java.util.regex.Matcher pid = HOLDER_PID.matcher(message);
    return FeatureStoreException.unavailable(
        "the embedded store "
            + file.getParent()
            + " is in use by another process"
            + (pid.find() ? " (PID " + pid.group(1) + ")" : "")
            + ", probably a running 'featurestore serve': only one process may open it at a time."
            + " Use that server's HTTP API instead (the CLI's get, history, freshness, keys and"
            + " audit take --server URL), or stop the server first",
        e);
  }

  Path file() {
    return file;
  }

  /** Registers one more owner (registry, store); the database closes when the last one closes. */
  DuckDbDatabase retain() {
    users.incrementAndGet();
    return this;
  }

  void release() {
    if (users.decrementAndGet() <= 0) {
      closeAll();
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** Work on a connection. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * What work without a result returns: {@link SqlWork} results are non-null (a null "Void" result
   * would need a {@code @Nullable} type argument, which NullAway checks only in JSpecify mode).
   */
  static final Object NO_RESULT = new Object();

  /** Runs read-only work on a pooled duplicate connection. */
  <T> T read(SqlWork<T> work) throws SQLException {
    readGate.readLock().lock();
    try {
      return readUngated(work);
    } finally {
      readGate.readLock().unlock();
    }
  }

  /**
   * Has value writes go to the store's journal while the {@link Checkpointer} checkpoints (null: no
   * longer); a no-op when the checkpointer is off (DuckDB checkpoints in a commit then).
   */
  void divertWritesDuringCheckpoints(Checkpointer.@Nullable Diversion diversion) {
    Checkpointer c = checkpointer;
    if (c != null) {
      c.divertWritesTo(diversion);
    }
  }

  /** Checkpoints made by the {@link Checkpointer} (none when it is off). */
  long maintenanceCheckpoints() {
    Checkpointer c = checkpointer;
    return c == null ? 0 : c.checkpoints();
  }

  private <T> T readUngated(SqlWork<T> work) throws SQLException {
    checkOpen();
    Connection c = idleReaders.poll();
    if (c == null) {
      c = newReader();
    }
    boolean reusable = false;
    try {
      T result = work.run(c);
      reusable = true;
      return result;
    } finally {
      if (reusable && !closed && idleReaders.size() < MAX_IDLE_READERS) {
        idleReaders.offer(c);
      } else {
        closeQuietly(c);
      }
    }
  }

  private Connection newReader() throws SQLException {
    Connection c = root.duplicate();
    try (Statement s = c.createStatement()) {
      // Naive timestamps in spine files and queries mean UTC, whatever the machine's zone.
      s.execute("SET TimeZone = 'UTC'");
    } catch (SQLException e) {
      // Without ICU time zones DuckDB is UTC already.
    }
    return c;
  }

  /**
   * Runs work in one transaction on the single writer connection: committed when it returns, rolled
   * back when it throws. {@code afterCommit} runs still under the write lock, so in-memory state
   * follows commits in commit order.
   */
  <T> T write(SqlWork<T> work) throws SQLException {
    long asked = System.nanoTime();
    writeLock.lock();
    long locked = System.nanoTime();
    try {
      checkOpen();
      try {
        T result = work.run(writer);
        writer.commit();
        long held = System.nanoTime() - locked;
        if (held > SLOW_NANOS || locked - asked > SLOW_NANOS) {
          LOG.debug(
              "write transaction of {}: waited {} ms, held {} ms",
              Thread.currentThread().getName(),
              (locked - asked) / 1_000_000,
              held / 1_000_000);
        }
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          writer.rollback();
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
    } finally {
      writeLock.unlock();
    }
  }

  ReentrantLock writeLock() {
    return writeLock;
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the embedded database " + file + " is closed");
    }
  }

  private void closeAll() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      stopCheckpointer();
      Connection c;
      while ((c = idleReaders.poll()) != null) {
        closeQuietly(c);
      }
      try (Statement s = writer.createStatement()) {
        writer.commit();
        s.execute("CHECKPOINT");
      } catch (SQLException ignored) {
        // A checkpoint only makes the next open faster; the WAL already holds every commit.
      }
      closeQuietly(writer);
      closeQuietly(root);
    } finally {
      writeLock.unlock();
    }
  }

  /** Stops the checkpointer; it waits for nothing uninterruptibly, so the join is short. */
  private void stopCheckpointer() {
    Checkpointer c = checkpointer;
    Thread t = checkpointThread;
    if (c == null || t == null) {
      return;
    }
    c.stop();
    t.interrupt();
    joinUninterruptibly(t);
  }

  /** Waits for {@code t} to end; an interrupt meanwhile is kept for the caller, not lost. */
  static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (t.isAlive()) {
      try {
        t.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // closing
    }
  }

  // ---------------------------------------------------------------- time

  static long micros(Instant i) {
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}
