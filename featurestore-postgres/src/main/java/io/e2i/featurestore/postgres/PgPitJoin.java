package io.e2i.featurestore.postgres;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.PitQuery.PitFeature;
import io.e2i.featurestore.spi.PitQuery.Spine;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Point-in-time joins inside PostgreSQL, in one transaction on one connection:
 *
 * <ol>
 *   <li>a temp table {@code pit_spine} (dropped at commit, so it also works behind a
 *       transaction-mode pooler) gets, per spine row, its row number, its timestamp and, per
 *       entity-key set the features need, the canonical entity text ({@code __e0, __e1, ...}),
 *       streamed with COPY;
 *   <li>the transaction turns read-only before any caller SQL runs (a SQL spine can read, never
 *       write);
 *   <li>one query with one {@code LEFT JOIN LATERAL ... ORDER BY event_timestamp DESC, seq DESC
 *       LIMIT 1} per feature: one probe of the read index per (spine row, feature), rows written
 *       after {@code as_of} skipped during the walk; a value older than the max age becomes null;
 *   <li>the result streams back in row-number order with a fetch size, merged with the spine's own
 *       columns, which stay in the JVM (they are needed for the output anyway and may be of any
 *       type).
 * </ol>
 */
final class PgPitJoin {
  static final int FETCH_SIZE = 10_000;
  private static final int CHUNK_CHARS = 1 << 16;

  private PgPitJoin() {}

  /** The spine as loaded: its columns and rows, kept for the output in spine order. */
  record LoadedSpine(List<String> columns, List<Object[]> rows) {}

  /**
   * Runs the join on {@code c}, which must be in a fresh transaction (autocommit off). The caller
   * commits or rolls back.
   */
  static void run(Connection c, PitQuery query, PitQuery.RowSink sink) throws SQLException {
    List<List<String>> keySets = new ArrayList<>();
    for (PitFeature f : query.features()) {
      if (!keySets.contains(f.entityKeys())) {
        keySets.add(f.entityKeys());
      }
    }
    try (Statement s = c.createStatement()) {
      StringBuilder ddl =
          new StringBuilder(
              "CREATE TEMP TABLE pit_spine (__row integer PRIMARY KEY, __ts timestamptz");
      for (int k = 0; k < keySets.size(); k++) {
        ddl.append(", __e").append(k).append(" text");
      }
      s.execute(ddl.append(") ON COMMIT DROP").toString());
      s.execute("SET TRANSACTION READ ONLY");
    }
    LoadedSpine spine =
        switch (query.spine()) {
          case Spine.Rows rows ->
              copyRows(c, rows.columns(), rows.timestampColumn(), rows.rows(), keySets, false);
          case Spine.Sql sql -> {
            LoadedSpine read = PgSpines.readSql(c, sql);
            yield copyRows(c, read.columns(), sql.timestampColumn(), read.rows(), keySets, true);
          }
          case Spine.File file -> PgSpines.readFile(c, file, keySets);
        };
    try (Statement s = c.createStatement()) {
      s.execute("ANALYZE pit_spine");
      // Each probe should walk the months newest first and stop at its first row (an ordered
      // Append under the LIMIT 1). Months created ahead are empty, so the planner estimates them
      // at a row each and prefers sorting every row of the entity up to the spine time over all
      // months; that cost this join 1.6x on 10M values. Nothing else in the join needs a sort
      // (the spine is read in its primary key's order), and LOCAL ends with the transaction.
      s.execute("SET LOCAL enable_sort = off");
    }
    stream(c, query, keySets, spine, sink);
  }

  // ---------------------------------------------------------------- spine loading

  /**
   * COPYs in-memory spine rows; canonical entity text comes from {@link EntityKey}, exactly as
   * writes store it. {@code check} validates columns and timestamps (spines the core has not
   * checked already).
   */
  private static LoadedSpine copyRows(
      Connection c,
      List<String> columns,
      String timestampColumn,
      List<Object[]> rows,
      List<List<String>> keySets,
      boolean check)
      throws SQLException {
    int ts = columns.indexOf(timestampColumn);
    if (ts < 0) {
      throw FeatureStoreException.invalid(
          "spine has no timestamp column '" + timestampColumn + "'; columns: " + columns);
    }
    List<int[]> keyIndexes = new ArrayList<>();
    for (List<String> keys : keySets) {
      int[] idx = new int[keys.size()];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = columns.indexOf(keys.get(i));
        if (idx[i] < 0) {
          throw FeatureStoreException.invalid(
              "spine lacks entity key column '" + keys.get(i) + "'; columns: " + columns);
        }
      }
      keyIndexes.add(idx);
    }
    SpineCopy copy = new SpineCopy(c, keySets.size());
    try {
      String[] canonical = new String[keySets.size()];
      for (int r = 0; r < rows.size(); r++) {
        Object[] row = rows.get(r);
        Instant t;
        try {
          t = row[ts] == null && check ? null : ValueType.toInstant(row[ts]);
        } catch (IllegalArgumentException | NullPointerException e) {
          throw FeatureStoreException.invalid("spine row " + (r + 1) + ": " + e.getMessage());
        }
        for (int k = 0; k < keySets.size(); k++) {
          canonical[k] = Spine.Rows.canonicalEntity(keySets.get(k), keyIndexes.get(k), row);
        }
        copy.row(t, canonical);
      }
      copy.finish();
    } finally {
      copy.cancel(); // an unfinished COPY would block the rollback forever
    }
    return new LoadedSpine(columns, rows);
  }

  /** Streams (row number, timestamp, canonical entities) lines into {@code pit_spine}. */
  static final class SpineCopy {
    private final CopyIn in;
    private final StringBuilder sb = new StringBuilder(CHUNK_CHARS + 1024);
    private int next;

    SpineCopy(Connection c, int entityColumns) throws SQLException {
      StringBuilder sql = new StringBuilder("COPY pit_spine (__row, __ts");
      for (int k = 0; k < entityColumns; k++) {
        sql.append(", __e").append(k);
      }
      in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql.append(") FROM STDIN").toString());
    }

    void row(@Nullable Instant ts, @Nullable String[] canonical) throws SQLException {
      try {
        sb.append(next++).append('\t');
        if (ts == null) {
          sb.append("\\N");
        } else {
          sb.append(ts);
        }
        for (String e : canonical) {
          sb.append('\t');
          if (e == null) {
            sb.append("\\N");
          } else {
            PgCopy.appendEscaped(sb, e);
          }
        }
        sb.append('\n');
        if (sb.length() >= CHUNK_CHARS) {
          flush();
        }
      } catch (SQLException | RuntimeException e) {
        cancel();
        throw e;
      }
    }

    void finish() throws SQLException {
      try {
        flush();
        in.endCopy();
      } finally {
        cancel();
      }
    }

    /** Ends an unfinished COPY (no-op after finish); callers call it in finally. */
    void cancel() {
      if (in.isActive()) {
        try {
          in.cancelCopy();
        } catch (SQLException ignored) {
          // the transaction fails and is rolled back by the caller
        }
      }
    }

    private void flush() throws SQLException {
      if (sb.isEmpty()) {
        return;
      }
      byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
      in.writeToCopy(bytes, 0, bytes.length);
      sb.setLength(0);
    }
  }

  // ---------------------------------------------------------------- the join

  static String joinSql(PitQuery query, List<List<String>> keySets) {
    StringBuilder select = new StringBuilder("SELECT s.__row");
    StringBuilder joins = new StringBuilder();
    List<PitFeature> features = query.features();
    for (int i = 0; i < features.size(); i++) {
      PitFeature f = features.get(i);
      String v = "v" + i;
      select.append(", ");
      if (f.maxAge() == null) {
        select.append(v).append(".value");
      } else {
        // T - event_timestamp <= maxAge, in exact microseconds (no calendar arithmetic).
        select
            .append("CASE WHEN ")
            .append(v)
            .append(".event_timestamp >= s.__ts - ")
            .append(f.maxAgeMicros())
            .append(" * interval '1 microsecond' THEN ")
            .append(v)
            .append(".value END");
      }
      // Literals only: a UUID and an Instant print no quotes, and the planner sees the feature.
      joins
          .append(" LEFT JOIN LATERAL (SELECT value::text AS value, event_timestamp")
          .append(" FROM feature_values WHERE feature_id = '")
          .append(f.featureId())
          .append("' AND entity_key = s.__e")
          .append(keySets.indexOf(f.entityKeys()))
          .append(" AND event_timestamp <= s.__ts");
      if (query.asOf() != null) {
        joins.append(" AND written_at <= '").append(query.asOf()).append("'::timestamptz");
      }
      joins
          .append(" ORDER BY event_timestamp DESC, seq DESC LIMIT 1) ")
          .append(v)
          .append(" ON true");
    }
    return select.append(" FROM pit_spine s").append(joins).append(" ORDER BY s.__row").toString();
  }

  private static void stream(
      Connection c,
      PitQuery query,
      List<List<String>> keySets,
      LoadedSpine spine,
      PitQuery.RowSink sink)
      throws SQLException {
    List<PitFeature> features = query.features();
    List<String> header = new ArrayList<>(spine.columns());
    features.forEach(f -> header.add(f.column()));
    int width = spine.columns().size();
    try (PreparedStatement ps = c.prepareStatement(joinSql(query, keySets))) {
      ps.setFetchSize(FETCH_SIZE);
      try (ResultSet rs = ps.executeQuery()) {
        sink.columns(header);
        while (rs.next()) {
          Object[] out = new Object[width + features.size()];
          System.arraycopy(spine.rows().get(rs.getInt(1)), 0, out, 0, width);
          for (int i = 0; i < features.size(); i++) {
            String json = rs.getString(2 + i);
            out[width + i] = json == null ? null : ValueCodec.decode(features.get(i).type(), json);
          }
          sink.row(out);
        }
      }
    }
  }
}
