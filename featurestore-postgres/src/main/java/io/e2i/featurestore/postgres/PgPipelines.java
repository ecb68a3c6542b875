package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.MaterializationRun;
import io.e2i.featurestore.spi.PipelineBackend;
import io.e2i.featurestore.spi.ResultSetRows;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Materialization on PostgreSQL: computation queries run in read-only transactions on the primary
 * (where the source tables live), streamed with a fetch size; run history in {@code
 * materialization_runs} (migration V9); the group lock is a session advisory lock ({@code
 * pg_try_advisory_lock}) held on a dedicated connection for the run, so two servers sharing the
 * database never materialize one group at once, and a crashed holder's lock goes with its
 * connection.
 */
final class PgPipelines implements PipelineBackend {
  private static final int FETCH_SIZE = 10_000;

  private final PgDatabase db;

  PgPipelines(PgDatabase db) {
    this.db = db;
  }

  @Override
  public void query(String sql, List<Object> params, RowSink sink) {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setFetchSize(FETCH_SIZE);
        for (int i = 0; i < params.size(); i++) {
          Object p = params.get(i);
          ps.setObject(
              i + 1, p instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : p);
        }
        try (ResultSet rs = ps.executeQuery()) {
          ResultSetRows.stream(rs, sink);
        }
      } finally {
        c.rollback();
        c.setReadOnly(false);
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
        throw PgDatabase.error("running a computation query", e);
      }
      throw new QueryFailure(firstLine(e), e);
    }
  }

  /** PostgreSQL's message without the "Position:" or "Where:" lines that point into our SQL. */
  private static String firstLine(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return message.lines().findFirst().orElse(message).strip();
  }

  @Override
  public void saveRun(MaterializationRun run) {
    try (Connection c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO materialization_runs (id, feature_group, status, kind, run_trigger,"
                    + " window_start, window_end, rows_written, started_at, duration_ms, error)"
                    + " VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
      ps.setObject(1, run.id());
      ps.setString(2, run.featureGroup());
      ps.setString(3, run.status().wireName());
      ps.setString(4, run.kind().wireName());
      ps.setString(5, run.trigger());
      Instant start = run.windowStart();
      ps.setObject(6, start == null ? null : OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
      ps.setObject(7, OffsetDateTime.ofInstant(run.windowEnd(), ZoneOffset.UTC));
      ps.setLong(8, run.rows());
      ps.setObject(9, OffsetDateTime.ofInstant(run.startedAt(), ZoneOffset.UTC));
      ps.setLong(10, run.durationMillis());
      ps.setString(11, run.error());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw PgDatabase.error("saving a materialization run", e);
    }
  }

  @Override
  public List<MaterializationRun> runs(@Nullable String group, int limit) {
    String sql =
        "SELECT id, feature_group, status, kind, run_trigger, window_start, window_end,"
            + " rows_written, started_at, duration_ms, error FROM materialization_runs"
            + (group == null ? "" : " WHERE feature_group = ?")
            + " ORDER BY started_at DESC, seq DESC LIMIT ?";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      if (group != null) {
        ps.setString(i++, group);
      }
      ps.setInt(i, limit);
      List<MaterializationRun> runs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OffsetDateTime start = rs.getObject(6, OffsetDateTime.class);
          runs.add(
              new MaterializationRun(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  MaterializationRun.Status.fromWire(rs.getString(3)),
                  MaterializationRun.Kind.fromWire(rs.getString(4)),
                  rs.getString(5),
                  start == null ? null : start.toInstant(),
                  rs.getObject(7, OffsetDateTime.class).toInstant(),
                  rs.getLong(8),
                  rs.getObject(9, OffsetDateTime.class).toInstant(),
                  rs.getLong(10),
                  rs.getString(11)));
        }
      }
      return runs;
    } catch (SQLException e) {
      throw PgDatabase.error("reading materialization runs", e);
    }
  }

  @Override
  public @Nullable GroupLock tryLock(String group) {
    long key = lockKey(group);
    Connection c = db.connection();
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          c.close();
          return null;
        }
      }
    } catch (SQLException e) {
      closeQuietly(c);
      throw PgDatabase.error("locking a materialization", e);
    }
    return () -> unlock(c, key);
  }

  private void unlock(Connection c, long key) {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      ps.setLong(1, key);
      ps.execute();
      c.close();
    } catch (SQLException e) {
      // A session lock must not go back to the pool with its connection: drop the connection,
      // which ends the session and so the lock.
      db.evict(c);
      closeQuietly(c);
    }
  }

  /** 64 bits of SHA-256 of the group name, in a namespace of our own. */
  static long lockKey(String group) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(("featurestore.materialize:" + group).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw FeatureStoreException.internal("SHA-256 is missing", e);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // already broken
    }
  }

  @Override
  public String dialect() {
    return "postgresql";
  }
}
