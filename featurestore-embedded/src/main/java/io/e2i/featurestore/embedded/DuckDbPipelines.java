package io.e2i.featurestore.embedded;

import static io.e2i.featurestore.embedded.DuckDbDatabase.NO_RESULT;

import io.e2i.featurestore.MaterializationRun;
import io.e2i.featurestore.spi.PipelineBackend;
import io.e2i.featurestore.spi.ResultSetRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Materialization on the embedded store: computation queries run on DuckDB (the store's own file,
 * plus whatever the query reads: {@code read_parquet}, {@code read_csv}, attached databases), run
 * history in table {@code materialization_runs}, and a process-wide lock per (database file,
 * group): DuckDB lets one process at a time open a file, so a process lock is a database lock.
 */
final class DuckDbPipelines implements PipelineBackend {
  private static final Set<String> HELD = ConcurrentHashMap.newKeySet();

  static final String SCHEMA =
      """
      CREATE SEQUENCE IF NOT EXISTS materialization_run_seq;
      CREATE TABLE IF NOT EXISTS materialization_runs (
        id VARCHAR PRIMARY KEY,
        feature_group VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        run_trigger VARCHAR NOT NULL,
        window_start BIGINT,
        window_end BIGINT NOT NULL,
        rows_written BIGINT NOT NULL,
        started_at BIGINT NOT NULL,
        duration_ms BIGINT NOT NULL,
        error VARCHAR,
        seq BIGINT NOT NULL DEFAULT nextval('materialization_run_seq')
      )""";

  private final DuckDbDatabase db;

  DuckDbPipelines(DuckDbDatabase db) {
    this.db = db;
    DuckDbOfflineStore.call(
        "creating the run history",
        () ->
            db.write(
                c -> {
                  try (Statement s = c.createStatement()) {
                    s.execute(SCHEMA);
                  }
                  return NO_RESULT;
                }));
  }

  /**
   * The sink may write to the store while it receives rows (materialization writes in batches).
   * That is safe because DuckDB's JDBC result is materialized (no {@code jdbc_stream_results}): the
   * query's scans have ended before the first row arrives. With a streaming result, a checkpoint in
   * a batch's commit would wait for this thread's own open scan.
   */
  @Override
  public void query(String sql, List<Object> params, RowSink sink) {
    try {
      db.read(
          c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
              bind(ps, params);
              try (ResultSet rs = ps.executeQuery()) {
                ResultSetRows.stream(rs, sink);
              }
            }
            return NO_RESULT;
          });
    } catch (SQLException e) {
      throw new QueryFailure(firstLine(e), e);
    }
  }

  private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object p = params.get(i);
      if (p instanceof Instant instant) {
        // A timestamp with time zone compares correctly with both naive (UTC) and zoned columns.
        ps.setObject(i + 1, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
      } else {
        ps.setObject(i + 1, p);
      }
    }
  }

  /** DuckDB's message without the SQL text it quotes after "LINE n:". */
  static String firstLine(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return message.lines().findFirst().orElse(message).strip();
  }

  @Override
  public void saveRun(MaterializationRun run) {
    DuckDbOfflineStore.call(
        "saving a materialization run",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO materialization_runs (id, feature_group, status, kind, run_trigger,"
                              + " window_start, window_end, rows_written, started_at, duration_ms,"
                              + " error) VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
                    ps.setString(1, run.id().toString());
                    ps.setString(2, run.featureGroup());
                    ps.setString(3, run.status().wireName());
                    ps.setString(4, run.kind().wireName());
                    ps.setString(5, run.trigger());
                    Instant start = run.windowStart();
                    if (start == null) {
                      ps.setNull(6, java.sql.Types.BIGINT);
                    } else {
                      ps.setLong(6, DuckDbDatabase.micros(start));
                    }
                    ps.setLong(7, DuckDbDatabase.micros(run.windowEnd()));
                    ps.setLong(8, run.rows());
                    ps.setLong(9, DuckDbDatabase.micros(run.startedAt()));
                    ps.setLong(10, run.durationMillis());
                    ps.setString(11, run.error());
                    ps.executeUpdate();
                  }
                  return NO_RESULT;
                }));
  }

  @Override
  public List<MaterializationRun> runs(@Nullable String group, int limit) {
    return DuckDbOfflineStore.call(
        "reading materialization runs",
        () ->
            db.read(
                c -> {
                  try (PreparedStatement ps = runsQuery(c, group, limit);
                      ResultSet rs = ps.executeQuery()) {
                    List<MaterializationRun> runs = new ArrayList<>();
                    while (rs.next()) {
                      runs.add(run(rs));
                    }
                    return runs;
                  }
                }));
  }

  private static PreparedStatement runsQuery(Connection c, @Nullable String group, int limit)
      throws SQLException {
    PreparedStatement ps =
        c.prepareStatement(
            "SELECT * FROM materialization_runs"
                + (group == null ? "" : " WHERE feature_group = ?")
                + " ORDER BY started_at DESC, seq DESC LIMIT ?");
    int i = 1;
    if (group != null) {
      ps.setString(i++, group);
    }
    ps.setInt(i, limit);
    return ps;
  }

  private static MaterializationRun run(ResultSet rs) throws SQLException {
    long start = rs.getLong("window_start");
    boolean noStart = rs.wasNull();
    return new MaterializationRun(
        UUID.fromString(rs.getString("id")),
        rs.getString("feature_group"),
        MaterializationRun.Status.fromWire(rs.getString("status")),
        MaterializationRun.Kind.fromWire(rs.getString("kind")),
        rs.getString("run_trigger"),
        noStart ? null : DuckDbDatabase.instant(start),
        DuckDbDatabase.instant(rs.getLong("window_end")),
        rs.getLong("rows_written"),
        DuckDbDatabase.instant(rs.getLong("started_at")),
        rs.getLong("duration_ms"),
        rs.getString("error"));
  }

  @Override
  public @Nullable GroupLock tryLock(String group) {
    String key = db.file() + "\u0000" + group;
    if (!HELD.add(key)) {
      return null;
    }
    return () -> HELD.remove(key);
  }

  @Override
  public String dialect() {
    return "duckdb";
  }
}
