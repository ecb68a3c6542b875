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
 * Point-in-time joins inside PostgreSQL, in one REPEATABLE READ transaction (a spine of 100,000
 * rows or more is joined on two connections reading one snapshot: {@link PgPitChunks}):
 *
 * <ol>
 *   <li>the spine is read into memory (rows, a SQL spine run on the join's connection, or a file
 *       through DuckDB), and a temp table {@code pit_spine} (dropped at commit, so it also works
 *       behind a transaction-mode pooler) gets, per spine row, its row number, its timestamp and,
 *       per entity-key set the features need, the canonical entity text ({@code __e0, __e1, ...}),
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
   * Runs the join on {@code c} (a fresh transaction, autocommit off; the caller commits or rolls
   * back) and, for a spine of at least {@code parallelism.minRows()} rows, on more connections from
   * {@code helpers} beside it (see {@link PgPitChunks}). Every connection reads one snapshot: the
   * transaction is REPEATABLE READ, and helpers import its snapshot.
   */
  static void run(
      Connection c,
      PitQuery query,
      PitQuery.RowSink sink,
      Parallelism parallelism,
      PgPitChunks.Helpers helpers)
      throws SQLException {
    List<List<String>> keySets = keySets(query);
    try (Statement s = c.createStatement()) {
      // First statement of the transaction: a SQL spine, the join and any helper see one snapshot.
      s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      s.execute(tempTableDdl(keySets.size()));
      s.execute("SET TRANSACTION READ ONLY");
    }
    SpineKeys spine =
        switch (query.spine()) {
          case Spine.Rows rows ->
              keys(rows.columns(), rows.timestampColumn(), rows.rows(), keySets, false);
          case Spine.Sql sql -> {
            LoadedSpine read = PgSpines.readSql(c, sql);
            yield keys(read.columns(), sql.timestampColumn(), read.rows(), keySets, true);
          }
          case Spine.File file -> PgSpines.readFile(file, keySets);
        };
    int connections = parallelism.connectionsFor(spine.size());
    if (connections > 1) {
      PgPitChunks.run(c, query, keySets, spine, sink, parallelism, connections, helpers);
      return;
    }
    try (SpineCopy copy = new SpineCopy(c, keySets.size())) {
      for (int r = 0; r < spine.size(); r++) {
        copy.row(r, spine);
      }
      copy.finish();
    }
    prepareJoin(c);
    stream(c, query, keySets, spine.loaded(), sink);
  }

  /**
   * How a join spreads over connections: a spine of at least {@code minRows} rows is cut into
   * chunks of {@code chunkRows} consecutive rows, chunk i joined on connection i % connections.
   */
  record Parallelism(int connections, int minRows, int chunkRows) {
    /** Two connections from 100,000 spine rows: PostgreSQL runs one query on one core. */
    static final Parallelism DEFAULT = new Parallelism(2, 100_000, 50_000);

    static final Parallelism NONE = new Parallelism(1, Integer.MAX_VALUE, Integer.MAX_VALUE);

    Parallelism {
      if (connections < 1 || minRows < 0 || chunkRows < 1) {
        throw new IllegalArgumentException("bad join parallelism " + connections);
      }
    }

    /** How many connections a spine of {@code rows} rows is joined on. */
    int connectionsFor(int rows) {
      if (connections == 1 || rows < minRows) {
        return 1;
      }
      long chunks = ((long) rows + chunkRows - 1) / chunkRows;
      return (int) Math.min(connections, chunks);
    }
  }

  static List<List<String>> keySets(PitQuery query) {
    List<List<String>> keySets = new ArrayList<>();
    for (PitFeature f : query.features()) {
      if (!keySets.contains(f.entityKeys())) {
        keySets.add(f.entityKeys());
      }
    }
    return keySets;
  }

  static String tempTableDdl(int entityColumns) {
    StringBuilder ddl =
        new StringBuilder(
            "CREATE TEMP TABLE pit_spine (__row integer PRIMARY KEY, __ts timestamptz");
    for (int k = 0; k < entityColumns; k++) {
      ddl.append(", __e").append(k).append(" text");
    }
    return ddl.append(") ON COMMIT DROP").toString();
  }

  /** After the spine is in {@code pit_spine}: statistics, and the plan every probe should get. */
  static void prepareJoin(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("ANALYZE pit_spine");
      // Each probe should walk the months newest first and stop at its first row (an ordered
      // Append under the LIMIT 1). Months created ahead are empty, so the planner estimates them
      // at a row each and prefers sorting every row of the entity up to the spine time over all
      // months; that cost this join 1.6x on 10M values. Nothing else in the join needs a sort
      // (the spine is read in its primary key's order), and LOCAL ends with the transaction.
      s.execute("SET LOCAL enable_sort = off");
    }
  }

  // ---------------------------------------------------------------- spine loading

  /**
   * The spine in memory: its own columns and rows (for the output), and per row the timestamp and
   * the canonical entity text of each key set (what {@code pit_spine} gets).
   */
  record SpineKeys(LoadedSpine loaded, @Nullable Instant[] ts, @Nullable String[][] entities) {
    int size() {
      return ts.length;
    }
  }

  /**
   * Canonical entity text from {@link EntityKey}, exactly as writes store it. {@code check}
   * validates columns and timestamps (spines the core has not checked already).
   */
  private static SpineKeys keys(
      List<String> columns,
      String timestampColumn,
      List<Object[]> rows,
      List<List<String>> keySets,
      boolean check) {
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
    @Nullable Instant[] times = new Instant[rows.size()];
    @Nullable String[][] entities = new String[rows.size()][];
    for (int r = 0; r < rows.size(); r++) {
      Object[] row = rows.get(r);
      try {
        times[r] = row[ts] == null && check ? null : ValueType.toInstant(row[ts]);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw FeatureStoreException.invalid("spine row " + (r + 1) + ": " + e.getMessage());
      }
      @Nullable String[] canonical = new String[keySets.size()];
      for (int k = 0; k < keySets.size(); k++) {
        canonical[k] = Spine.Rows.canonicalEntity(keySets.get(k), keyIndexes.get(k), row);
      }
      entities[r] = canonical;
    }
    return new SpineKeys(new LoadedSpine(columns, rows), times, entities);
  }

  /** Streams (row number, timestamp, canonical entities) lines into {@code pit_spine}. */
  static final class SpineCopy implements AutoCloseable {
    private final CopyIn in;
    private final StringBuilder sb = new StringBuilder(CHUNK_CHARS + 1024);

    SpineCopy(Connection c, int entityColumns) throws SQLException {
      StringBuilder sql = new StringBuilder("COPY pit_spine (__row, __ts");
      for (int k = 0; k < entityColumns; k++) {
        sql.append(", __e").append(k);
      }
      in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql.append(") FROM STDIN").toString());
    }

    /** Spine row {@code r}. */
    void row(int r, SpineKeys spine) throws SQLException {
      Instant ts = spine.ts()[r];
      sb.append(r).append('\t');
      if (ts == null) {
        sb.append("\\N");
      } else {
        sb.append(ts);
      }
      for (String e : spine.entities()[r]) {
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
    }

    void finish() throws SQLException {
      flush();
      in.endCopy();
    }

    /** Ends an unfinished COPY (an unfinished COPY would block the rollback forever). */
    @Override
    public void close() {
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

  /** The output's columns: the spine's own, then one per feature. */
  static List<String> header(PitQuery query, LoadedSpine spine) {
    List<String> header = new ArrayList<>(spine.columns());
    query.features().forEach(f -> header.add(f.column()));
    return header;
  }

  private static void stream(
      Connection c,
      PitQuery query,
      List<List<String>> keySets,
      LoadedSpine spine,
      PitQuery.RowSink sink)
      throws SQLException {
    List<PitFeature> features = query.features();
    List<String> header = header(query, spine);
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
