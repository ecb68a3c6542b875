package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.io.DuckDbSpineSql;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.PitQuery.PitFeature;
import io.e2i.featurestore.spi.PitQuery.Spine;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;

/**
 * Point-in-time joins inside DuckDB. The spine goes into a temp table with its row number, the
 * timestamp as {@code __ts} and, per entity-key set, the canonical entity text as {@code __eN}.
 * Each feature is one {@code ASOF LEFT JOIN} against its rows written by {@code as_of}; a value
 * older than the max age is dropped. The result is streamed in spine order.
 *
 * <p>Of two rows with the same (entity, event time) the later written wins. Rather than
 * deduplicating each feature's rows with a window (a sort of all of them per feature), the ASOF key
 * is the pair (event time, seq) as one HUGEINT, {@code event_us * 2^64 + seq}, probed with {@code
 * (ts_us * 2^64 + 2^63 - 1)}: the largest key at or below it is the latest event at or before the
 * spine time, and among rows of that event the highest seq.
 *
 * <p>A small spine (at most {@link #PREFILTER_MAX_ROWS} rows) first copies the rows of its own
 * entities into a temp table in one scan, and the joins read that: otherwise every feature's join
 * sorts all of the feature's stored values, however few entities the spine names (issue 15: a
 * 1,000-row spine took 24-79 s at 10 million values, and both cores, competing with writes).
 */
final class PitJoin {
  private static final String SPINE = "pit_spine";
  private static final String VALUES = "pit_values";

  /** Spines up to this many rows join against their entities' rows only (see the class doc). */
  static final int PREFILTER_MAX_ROWS = 50_000;

  /** The bound in use: tests lower it to run the oracle through the full-scan joins as well. */
  static volatile int prefilterMaxRows = PREFILTER_MAX_ROWS;

  /** 2^64: the event time's weight in the ASOF key (seq takes the low 64 bits). */
  private static final String HIGH = "CAST('18446744073709551616' AS HUGEINT)";

  private PitJoin() {}

  static Void run(Connection c, PitQuery query, PitQuery.RowSink sink) throws SQLException {
    Map<List<String>, String> entityColumns = new LinkedHashMap<>();
    for (PitFeature f : query.features()) {
      entityColumns.computeIfAbsent(f.entityKeys(), k -> "__e" + entityColumns.size());
    }
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS temp." + SPINE);
      s.execute("DROP TABLE IF EXISTS temp." + VALUES);
      try {
        List<String> spineColumns;
        List<Object[]> inMemory = null;
        switch (query.spine()) {
          case Spine.Rows rows -> {
            loadRows((DuckDBConnection) c, s, rows, entityColumns);
            spineColumns = rows.columns();
            inMemory = rows.rows();
          }
          case Spine.File file ->
              spineColumns =
                  callerSpine(
                      "file",
                      () -> loadQuery(s, DuckDbSpineSql.fileSource(file), file, entityColumns));
          case Spine.Sql sql ->
              spineColumns =
                  callerSpine(
                      "query", () -> loadQuery(s, "(" + sql.query() + ")", sql, entityColumns));
        }
        long spineRows = inMemory != null ? inMemory.size() : count(s);
        String source = "feature_values";
        if (spineRows <= prefilterMaxRows) {
          prefilter(s, query, entityColumns);
          source = "temp." + VALUES;
        }
        stream(s, query, source, spineColumns, inMemory, entityColumns, sink);
      } finally {
        // A fresh statement: DuckDB closes a statement whose query failed.
        try (Statement drop = c.createStatement()) {
          drop.execute("DROP TABLE IF EXISTS temp." + SPINE);
          drop.execute("DROP TABLE IF EXISTS temp." + VALUES);
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- spine loading

  private interface SpineLoad {
    List<String> load() throws SQLException;
  }

  /** A spine file or query the store cannot read is the caller's mistake (400), not an outage. */
  private static List<String> callerSpine(String what, SpineLoad load) {
    try {
      return load.load();
    } catch (SQLException e) {
      throw FeatureStoreException.invalid("the spine " + what + " failed: " + e.getMessage());
    }
  }

  private static void loadRows(
      DuckDBConnection c, Statement s, Spine.Rows rows, Map<List<String>, String> entityColumns)
      throws SQLException {
    StringBuilder ddl =
        new StringBuilder("CREATE TEMP TABLE ")
            .append(SPINE)
            .append(" (__row BIGINT, __ts TIMESTAMP");
    entityColumns.values().forEach(col -> ddl.append(", ").append(col).append(" VARCHAR"));
    s.execute(ddl.append(')').toString());
    int ts = rows.columns().indexOf(rows.timestampColumn());
    List<int[]> keyIndexes = new ArrayList<>();
    for (List<String> keys : entityColumns.keySet()) {
      keyIndexes.add(keys.stream().mapToInt(k -> rows.columns().indexOf(k)).toArray());
    }
    List<List<String>> keySets = new ArrayList<>(entityColumns.keySet());
    try (DuckDBAppender appender = c.createAppender("temp", "main", SPINE)) {
      long n = 0;
      for (Object[] row : rows.rows()) {
        appender.beginRow();
        appender.append(n++);
        Object t = row[ts];
        if (t == null) {
          appender.append((String) null);
        } else {
          appender.appendEpochMicros(DuckDbDatabase.micros(ValueType.toInstant(t)));
        }
        for (int k = 0; k < keySets.size(); k++) {
          appender.append(Spine.Rows.canonicalEntity(keySets.get(k), keyIndexes.get(k), row));
        }
        appender.endRow();
      }
    }
  }

  /** Loads a file or SQL spine in its own order, keeping its columns, types and values. */
  private static List<String> loadQuery(
      Statement s, String source, Spine spine, Map<List<String>, String> entityColumns)
      throws SQLException {
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("SELECT * FROM " + source + " LIMIT 0")) {
      ResultSetMetaData md = rs.getMetaData();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        columns.add(md.getColumnName(i));
      }
    }
    if (!columns.contains(spine.timestampColumn())) {
      throw FeatureStoreException.invalid(
          "spine has no timestamp column '" + spine.timestampColumn() + "'; columns: " + columns);
    }
    StringBuilder select =
        new StringBuilder("CREATE TEMP TABLE ")
            .append(SPINE)
            .append(" AS SELECT row_number() OVER () - 1 AS __row, ")
            .append("make_timestamp(epoch_us(CAST(")
            .append(DuckDbSpineSql.ident(spine.timestampColumn()))
            .append(" AS TIMESTAMPTZ))) AS __ts");
    for (Map.Entry<List<String>, String> e : entityColumns.entrySet()) {
      for (String key : e.getKey()) {
        if (!columns.contains(key)) {
          throw FeatureStoreException.invalid(
              "spine lacks entity key column '" + key + "'; columns: " + columns);
        }
      }
      select
          .append(", ")
          .append(DuckDbSpineSql.canonicalEntity(e.getKey()))
          .append(" AS ")
          .append(e.getValue());
    }
    select.append(", * FROM ").append(source);
    s.execute(select.toString());
    return columns;
  }

  private static long count(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM temp." + SPINE)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Copies the stored rows the joins can use, those of the query's features for the spine's
   * entities written by {@code as_of}, into a temp table: one scan of the values with a hash probe
   * per row, instead of one scan and sort of every feature's values per join.
   */
  private static void prefilter(
      Statement s, PitQuery query, Map<List<String>, String> entityColumns) throws SQLException {
    Map<List<String>, List<PitFeature>> byKeys = new LinkedHashMap<>();
    for (PitFeature f : query.features()) {
      byKeys.computeIfAbsent(f.entityKeys(), k -> new ArrayList<>()).add(f);
    }
    StringBuilder sql =
        new StringBuilder("CREATE TEMP TABLE ")
            .append(VALUES)
            .append(" AS SELECT feature_id, entity, event_timestamp, value_json, seq")
            .append(" FROM feature_values WHERE (");
    String or = "";
    for (Map.Entry<List<String>, List<PitFeature>> e : byKeys.entrySet()) {
      List<UUID> ids = e.getValue().stream().map(PitFeature::featureId).toList();
      sql.append(or)
          .append("(feature_id IN ")
          .append(DuckDbOfflineStore.uuidList(ids))
          .append(" AND entity IN (SELECT ")
          .append(entityColumns.get(e.getKey()))
          .append(" FROM temp.")
          .append(SPINE)
          .append("))");
      or = " OR ";
    }
    sql.append(')');
    if (query.asOf() != null) {
      sql.append(" AND written_at <= make_timestamp(")
          .append(DuckDbDatabase.micros(query.asOf()))
          .append(')');
    }
    s.execute(sql.toString());
  }

  // ---------------------------------------------------------------- the join

  private static void stream(
      Statement s,
      PitQuery query,
      String source,
      List<String> spineColumns,
      @Nullable List<Object[]> inMemory,
      Map<List<String>, String> entityColumns,
      PitQuery.RowSink sink)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT s.__row");
    StringBuilder joins = new StringBuilder();
    List<PitFeature> features = query.features();
    for (int i = 0; i < features.size(); i++) {
      PitFeature f = features.get(i);
      String v = "v" + i;
      String keep =
          f.maxAge() == null
              ? ""
              : " AND s.__ts <= "
                  + v
                  + ".event_timestamp + to_microseconds("
                  + f.maxAgeMicros()
                  + ")";
      sql.append(", CASE WHEN ")
          .append(v)
          .append(".event_timestamp IS NOT NULL")
          .append(keep)
          .append(" THEN ")
          .append(v)
          .append(".value_json END AS __j")
          .append(i);
      joins
          .append(" ASOF LEFT JOIN (SELECT entity, event_timestamp, value_json, ")
          .append("CAST(epoch_us(event_timestamp) AS HUGEINT) * ")
          .append(HIGH)
          .append(" + seq AS __k FROM ")
          .append(source)
          .append(" WHERE feature_id = '")
          .append(f.featureId())
          .append('\'');
      if (query.asOf() != null && source.equals("feature_values")) { // else prefiltered
        joins
            .append(" AND written_at <= make_timestamp(")
            .append(DuckDbDatabase.micros(query.asOf()))
            .append(')');
      }
      joins
          .append(") ")
          .append(v)
          .append(" ON s.")
          .append(entityColumns.get(f.entityKeys()))
          .append(" = ")
          .append(v)
          .append(".entity AND s.__k >= ")
          .append(v)
          .append(".__k");
    }
    List<String> spineOut = new ArrayList<>();
    if (inMemory == null) {
      for (int c = 0; c < spineColumns.size(); c++) {
        String alias = "__s" + c;
        sql.append(", s.")
            .append(DuckDbSpineSql.ident(spineColumns.get(c)))
            .append(" AS ")
            .append(alias);
        spineOut.add(alias);
      }
    }
    sql.append(" FROM (SELECT *, CAST(epoch_us(__ts) AS HUGEINT) * ")
        .append(HIGH)
        .append(" + 9223372036854775807 AS __k FROM ")
        .append(SPINE)
        .append(") s")
        .append(joins);

    PitOutput output = PitOutput.plan(features, spineOut, textColumns(s, spineColumns, inMemory));

    List<String> header = new ArrayList<>(spineColumns);
    features.forEach(f -> header.add(f.column()));
    sink.columns(header);
    int width = spineColumns.size();
    try (ResultSet rs = s.executeQuery(output.sql(sql.toString()))) {
      while (rs.next()) {
        Object[] out = new Object[width + features.size()];
        if (inMemory != null) {
          Object[] spineRow = inMemory.get((int) rs.getLong(1));
          System.arraycopy(spineRow, 0, out, 0, width);
        }
        output.read(rs, out, width);
        sink.row(out);
      }
    }
  }

  /** Which of a file or SQL spine's columns are text (none when the spine is in memory). */
  private static List<Boolean> textColumns(
      Statement s, List<String> spineColumns, @Nullable List<Object[]> inMemory)
      throws SQLException {
    List<Boolean> text = new ArrayList<>();
    if (inMemory != null || spineColumns.isEmpty()) {
      return text;
    }
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int c = 0; c < spineColumns.size(); c++) {
      sql.append(c == 0 ? "" : ", ").append(DuckDbSpineSql.ident(spineColumns.get(c)));
    }
    try (ResultSet rs =
        s.executeQuery(sql.append(" FROM temp.").append(SPINE).append(" LIMIT 0").toString())) {
      ResultSetMetaData md = rs.getMetaData();
      for (int c = 1; c <= md.getColumnCount(); c++) {
        text.add(md.getColumnTypeName(c).equals("VARCHAR"));
      }
    }
    return text;
  }
}
