package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueCodec;
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
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;

/**
 * Point-in-time joins inside DuckDB. The spine goes into a temp table with its row number, the
 * timestamp as {@code __ts} and, per entity-key set, the canonical entity text as {@code __eN}.
 * Each feature is one {@code ASOF LEFT JOIN} against its rows written by {@code as_of},
 * deduplicated per (entity, event time) to the latest written; a value older than the max age is
 * dropped. The result is streamed in spine order.
 */
final class PitJoin {
  private static final String SPINE = "pit_spine";

  private PitJoin() {}

  static Void run(Connection c, PitQuery query, PitQuery.RowSink sink) throws SQLException {
    Map<List<String>, String> entityColumns = new LinkedHashMap<>();
    for (PitFeature f : query.features()) {
      entityColumns.computeIfAbsent(f.entityKeys(), k -> "__e" + entityColumns.size());
    }
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS temp." + SPINE);
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
        stream(s, query, spineColumns, inMemory, entityColumns, sink);
      } finally {
        // A fresh statement: DuckDB closes a statement whose query failed.
        try (Statement drop = c.createStatement()) {
          drop.execute("DROP TABLE IF EXISTS temp." + SPINE);
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

  // ---------------------------------------------------------------- the join

  private static void stream(
      Statement s,
      PitQuery query,
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
          .append(".value_json END");
      joins
          .append(" ASOF LEFT JOIN (SELECT entity, event_timestamp, value_json FROM feature_values")
          .append(" WHERE feature_id = '")
          .append(f.featureId())
          .append('\'');
      if (query.asOf() != null) {
        joins
            .append(" AND written_at <= make_timestamp(")
            .append(DuckDbDatabase.micros(query.asOf()))
            .append(')');
      }
      joins
          .append(" QUALIFY row_number() OVER (PARTITION BY entity, event_timestamp")
          .append(" ORDER BY seq DESC) = 1) ")
          .append(v)
          .append(" ON s.")
          .append(entityColumns.get(f.entityKeys()))
          .append(" = ")
          .append(v)
          .append(".entity AND s.__ts >= ")
          .append(v)
          .append(".event_timestamp");
    }
    if (inMemory == null) {
      for (String column : spineColumns) {
        sql.append(", s.").append(DuckDbSpineSql.ident(column));
      }
    }
    sql.append(" FROM ").append(SPINE).append(" s").append(joins).append(" ORDER BY s.__row");

    List<String> header = new ArrayList<>(spineColumns);
    features.forEach(f -> header.add(f.column()));
    sink.columns(header);
    int width = spineColumns.size();
    try (ResultSet rs = s.executeQuery(sql.toString())) {
      while (rs.next()) {
        Object[] out = new Object[width + features.size()];
        if (inMemory != null) {
          Object[] spineRow = inMemory.get((int) rs.getLong(1));
          System.arraycopy(spineRow, 0, out, 0, width);
        } else {
          for (int c = 0; c < width; c++) {
            out[c] = DuckDbSpineSql.plainValue(rs.getObject(2 + features.size() + c));
          }
        }
        for (int i = 0; i < features.size(); i++) {
          String json = rs.getString(2 + i);
          out[width + i] = json == null ? null : ValueCodec.decode(features.get(i).type(), json);
        }
        sink.row(out);
      }
    }
  }
}
