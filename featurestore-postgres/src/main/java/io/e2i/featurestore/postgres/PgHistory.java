package io.e2i.featurestore.postgres;

import static io.e2i.featurestore.postgres.PgRegistry.timestamp;

import io.e2i.featurestore.EntityKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * An entity's history (issue 15: 30 days of 10 hourly features, 7,200 values, p99 < 10 ms with
 * 50,000,000 values stored). Measured on the benchmark's data, one connection: the index walk alone
 * ({@code count(*)}) is about 1.5 ms of the server's time, a sort of each feature's rows 1.4 ms,
 * and printing and sending the 7,200 rows the rest (about 4 ms). So:
 *
 * <ul>
 *   <li>No sort: the transaction runs with {@code enable_sort = off}, and each feature's rows come
 *       from an ordered Append of the months' index-only scans, newest month first, already in the
 *       order {@code DISTINCT ON} needs. Without it, the generic plan PostgreSQL switches to after
 *       five executions estimates each month at a few rows and sorts them.
 *   <li>Two connections: the features are split between the caller's connection and a second one
 *       taken from the pool only if one is idle right now (so two history reads never wait for each
 *       other's second connection), each half on its own backend, i.e. its own core. Both read one
 *       snapshot: the first transaction is REPEATABLE READ and exports it, the second imports it,
 *       so a batch written meanwhile is seen by both halves or by neither.
 *   <li>One row per feature: its values packed into one {@code bytea} ({@link PgHistoryRows}), so
 *       neither the server nor the driver handles 7,200 rows, and the JVM decodes the timestamps' 8
 *       bytes and the values' JSON text itself, oldest first, with no sort.
 *   <li>No waiting on what the answer does not need: the caller decodes its own half while the
 *       second half is still read, and neither half's commit is waited for before decoding (the
 *       first ends once the second has imported its snapshot; the second hands its rows over, then
 *       commits). On two cores each such wait is a wake-up that can queue behind the other party.
 * </ul>
 */
final class PgHistory {
  /** Per transaction: the months' ordered index scans instead of a sort (see above). */
  static final String NO_SORT = "SET LOCAL enable_sort = off";

  private static final String REPEATABLE_READ =
      "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

  /**
   * The helpers' threads: platform threads, kept 60 s after their last read. A virtual thread's
   * blocking read parks it and a poller thread wakes it when the rows arrive, then a carrier runs
   * it: more wake-ups per read than a platform thread blocked in the socket's read, and on two busy
   * cores each wake-up can wait for a core (measured at 1.44 M stored: 38 % fewer calls over 7 ms,
   * p99 0.3-0.4 ms lower). Daemon threads, so nothing to close; one per read running at once, and
   * each holds a pool connection, so the pool bounds them.
   */
  private static final ExecutorService HELPERS =
      Executors.newCachedThreadPool(
          Thread.ofPlatform().name("featurestore-pg-history-", 0).daemon().factory());

  private PgHistory() {}

  /**
   * Per feature, one index-only walk of the read index in its own order (event time DESC, seq
   * DESC): DISTINCT ON keeps the first row per event time, i.e. the latest written. No heap visit:
   * the persisted freshness status (not in the index) is not read. Parameters: feature ids, entity
   * key, then start and end when present.
   *
   * <p>One row per feature, not per value: its values packed into one {@code bytea} (see {@link
   * PgHistoryRows}) and their count. 7,200 rows of four columns cost the server a tuple output each
   * and the driver five arrays and a row object each (about 160 of the ~500 bytes a value cost the
   * JVM); ten rows of one array each cost neither. The aggregate reads its input in the walk's
   * order (event time DESC); the decoder checks that order rather than trusting it.
   */
  static String sql(boolean withStart, boolean withEnd) {
    return sql(withStart, withEnd, false);
  }

  /**
   * {@link #sql(boolean, boolean)}, with {@code typed}: a number whose {@code value_num} (V11, in
   * the read index since V12) is known and below 2^53 in magnitude comes as a tag byte and its 8
   * bytes of {@code float8} instead of its JSON text: the server neither prints the numeric nor
   * sends the text, and the JVM reads 8 bytes instead of parsing digits (measured at SQL level on
   * one connection: p50 4.44 -> 3.82 ms). Below 2^53 every integer is a double exactly, so an int64
   * value is its Long again; a larger one (or a float64 value that large) comes as JSON, as does
   * anything without a value_num (not a number, or written before V11). Only a reader that knows
   * each feature's type can turn the double into the value decoding its JSON gives ({@link
   * PgHistoryRows#number}); the list form reads the JSON.
   */
  static String sql(boolean withStart, boolean withEnd, boolean typed) {
    String value =
        typed
            ? "CASE WHEN d.value_num > -9007199254740992::float8"
                + " AND d.value_num < 9007199254740992::float8"
                + " THEN '\\x08'::bytea || float8send(d.value_num)"
                + " ELSE coalesce(jsonb_send(d.value), ''::bytea) END"
            : "coalesce(jsonb_send(d.value), ''::bytea)";
    return "SELECT f.id, v.n, v.packed"
        + " FROM unnest(?::uuid[]) AS f(id) CROSS JOIN LATERAL ("
        + "SELECT count(*) AS n, string_agg(timestamptz_send(d.event_timestamp)"
        + " || timestamptz_send(d.written_at) || "
        + value
        + ", '\\x00'::bytea) AS packed FROM ("
        + "SELECT DISTINCT ON (event_timestamp) value, "
        + (typed ? "value_num, " : "")
        + "event_timestamp, written_at"
        + " FROM feature_values WHERE feature_id = f.id AND entity_key = ?"
        + (withStart ? " AND event_timestamp >= ?" : "")
        + (withEnd ? " AND event_timestamp <= ?" : "")
        + " ORDER BY event_timestamp DESC, seq DESC) d) v";
  }

  /** One read: the features, their window, and how many connections it may use at most. */
  record Query(
      EntityKey entity,
      List<UUID> featureIds,
      @Nullable Instant start,
      @Nullable Instant end,
      int connections,
      boolean typed) {
    /** Values as JSON text only (the list form of the history). */
    Query(
        EntityKey entity,
        List<UUID> featureIds,
        @Nullable Instant start,
        @Nullable Instant end,
        int connections) {
      this(entity, featureIds, start, end, connections, false);
    }
  }

  /**
   * Receives the rows of one part of the features as soon as that part is read, parts in the order
   * of the query's features: {@code ids} are the features at {@code first}, {@code first + 1}, ...
   * of {@link Query#featureIds}, {@code rows} their rows (in any order, one per feature that has
   * values). Called on the reading thread.
   */
  @FunctionalInterface
  interface Parts {
    void accept(int first, List<UUID> ids, List<PgHistoryRows> rows) throws SQLException;
  }

  /** All rows of the read, in one list. */
  static List<PgHistoryRows> read(PgDatabase db, Query q) throws SQLException {
    List<PgHistoryRows> out = new ArrayList<>(q.featureIds().size());
    read(db, q, (first, ids, rows) -> out.addAll(rows));
    return out;
  }

  /**
   * The read, each part handed to {@code out} as soon as it is read and its transaction ended: the
   * caller decodes the first part while the second is still read on the other connection, and no
   * commit waits in between (a read-only transaction's commit changes nothing the rows depend on,
   * and each wake-up of a thread or a backend costs on two cores).
   */
  static void read(PgDatabase db, Query q, Parts out) throws SQLException {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        readIn(db, c, q, out);
      } catch (SQLException | RuntimeException e) {
        PgOfflineStore.rollbackQuietly(c);
        throw e;
      } finally {
        PgOfflineStore.resetAutoCommit(c);
      }
    }
  }

  private static void readIn(PgDatabase db, Connection c, Query q, Parts out) throws SQLException {
    List<Connection> helpers = new ArrayList<>();
    int parts = Math.min(q.connections(), q.featureIds().size());
    try {
      for (int i = 1; i < parts; i++) {
        Connection h = db.idleConnection();
        if (h == null) {
          break;
        }
        helpers.add(h);
      }
    } catch (RuntimeException e) {
      helpers.forEach(PgHistory::closeQuietly);
      throw e;
    }
    if (helpers.isEmpty()) {
      try (Statement s = c.createStatement()) {
        s.execute(NO_SORT);
      }
      List<PgHistoryRows> rows = query(c, q, q.featureIds());
      c.commit();
      out.accept(0, q.featureIds(), rows);
      return;
    }
    split(db, c, helpers, q, out);
  }

  /** A helper's progress: its snapshot imported, then its rows. */
  private record Helper(
      CompletableFuture<Boolean> imported, CompletableFuture<List<PgHistoryRows>> rows) {}

  /**
   * Part 0 of the features on {@code c} (this thread), part i on helper i (a thread of {@link
   * #HELPERS} each, which owns and returns its connection); all read {@code c}'s snapshot. {@code
   * c}'s transaction ends once every helper has imported the snapshot (an exported snapshot lives
   * as long as its transaction), before part 0 is handed over.
   */
  private static void split(
      PgDatabase db, Connection c, List<Connection> helpers, Query q, Parts out)
      throws SQLException {
    String snapshot;
    try {
      snapshot = exportSnapshot(c);
    } catch (SQLException | RuntimeException e) {
      helpers.forEach(PgHistory::closeQuietly);
      throw e;
    }
    List<List<UUID>> parts = parts(q.featureIds(), helpers.size() + 1);
    List<Helper> others = new ArrayList<>();
    for (int i = 0; i < helpers.size(); i++) {
      Connection h = helpers.get(i);
      List<UUID> part = parts.get(i + 1);
      Helper helper = new Helper(new CompletableFuture<>(), new CompletableFuture<>());
      Runnable task =
          () -> {
            try {
              helperRead(db, h, snapshot, q, part, helper);
            } catch (Throwable t) {
              helper.imported().completeExceptionally(t);
              helper.rows().completeExceptionally(t);
            }
          };
      HELPERS.execute(task);
      others.add(helper);
    }
    List<PgHistoryRows> mine = query(c, q, parts.get(0));
    for (Helper helper : others) {
      await(helper.imported());
    }
    c.commit();
    out.accept(0, parts.get(0), mine);
    int first = parts.get(0).size();
    for (int i = 0; i < others.size(); i++) {
      out.accept(first, parts.get(i + 1), await(others.get(i).rows()));
      first += parts.get(i + 1).size();
    }
  }

  /** The features cut into {@code n} consecutive parts of nearly equal size. */
  static List<List<UUID>> parts(List<UUID> ids, int n) {
    List<List<UUID>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(ids.subList(i * ids.size() / n, (i + 1) * ids.size() / n));
    }
    return out;
  }

  /** The transaction's setup and the export in one round trip (each costs a wake-up of both). */
  private static String exportSnapshot(Connection c) throws SQLException {
    return PgSnapshots.export(c, REPEATABLE_READ + "; " + NO_SORT);
  }

  /**
   * A helper's part in its own transaction on {@code c}'s snapshot, reported as it goes: the import
   * (after which {@code c} may end its transaction), then the rows, before this transaction's
   * commit, which the caller need not wait for. Returns {@code h} after.
   */
  private static void helperRead(
      PgDatabase db, Connection h, String snapshot, Query q, List<UUID> part, Helper progress)
      throws SQLException {
    boolean ok = false;
    try {
      h.setAutoCommit(false);
      try (Statement s = h.createStatement()) {
        // One round trip: pgjdbc sends the three statements (after its BEGIN) together.
        s.execute(REPEATABLE_READ + "; " + PgSnapshots.importSql(snapshot) + "; " + NO_SORT);
      }
      progress.imported().complete(Boolean.TRUE);
      progress.rows().complete(query(h, q, part));
      h.commit();
      h.setAutoCommit(true);
      ok = true;
    } finally {
      if (ok) {
        h.close();
      } else {
        release(db, h);
      }
    }
  }

  private static List<PgHistoryRows> query(Connection c, Query q, List<UUID> ids)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(sql(q.start() != null, q.end() != null, q.typed()))) {
      int i = 1;
      ps.setArray(i++, c.createArrayOf("uuid", ids.toArray(new UUID[0])));
      ps.setString(i++, q.entity().canonical());
      if (q.start() != null) {
        ps.setObject(i++, timestamp(q.start()));
      }
      if (q.end() != null) {
        ps.setObject(i, timestamp(q.end()));
      }
      List<PgHistoryRows> out = new ArrayList<>(ids.size());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new PgHistoryRows(
                  rs.getObject(1, UUID.class), Math.toIntExact(rs.getLong(2)), rs.getBytes(3)));
        }
      }
      return out;
    }
  }

  private static <T> T await(CompletableFuture<T> f) throws SQLException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while reading history", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SQLException sql) {
        throw sql;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new SQLException("reading history on a second connection failed", cause);
    }
  }

  /** A helper that failed: rolled back and returned, or evicted if that fails too. */
  private static void release(PgDatabase db, Connection h) {
    try (h) {
      h.rollback();
      h.setAutoCommit(true);
    } catch (SQLException e) {
      db.evict(h); // never hand out a connection left in a transaction or broken
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // returned to the pool or already gone
    }
  }
}
