package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.io.SpineFileReader;
import io.e2i.featurestore.spi.PitQuery.Spine;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads SQL and file spines into rows. Values come out as the embedded store gives them: integers
 * as Long, decimals as Double, timestamps as Instant (a zone-less timestamp is UTC), the rest as
 * text.
 */
final class PgSpines {
  private PgSpines() {}

  // ---------------------------------------------------------------- SQL, on the offline store

  /**
   * Runs a SQL spine on the join's own connection (already read-only, so the query cannot write),
   * in its own order.
   */
  static PgPitJoin.LoadedSpine readSql(Connection c, Spine.Sql sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.query())) {
      ps.setFetchSize(PgPitJoin.FETCH_SIZE);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String> columns = new ArrayList<>(n);
        String[] types = new String[n];
        for (int i = 1; i <= n; i++) {
          columns.add(md.getColumnLabel(i));
          types[i - 1] = md.getColumnTypeName(i);
        }
        List<Object[]> rows = new ArrayList<>();
        while (rs.next()) {
          Object[] row = new Object[n];
          for (int i = 0; i < n; i++) {
            row[i] = pgValue(rs, i + 1, types[i]);
          }
          rows.add(row);
        }
        return new PgPitJoin.LoadedSpine(columns, rows);
      }
    } catch (SQLException e) {
      if (isCallersMistake(e)) {
        throw FeatureStoreException.invalid("spine query failed: " + e.getMessage());
      }
      throw e;
    }
  }

  /** Syntax, undefined names, bad data and writes in a read-only transaction. */
  private static boolean isCallersMistake(SQLException e) {
    String state = e.getSQLState();
    return state != null
        && (state.startsWith("42") || state.startsWith("22") || state.startsWith("25"));
  }

  private static @Nullable Object pgValue(ResultSet rs, int i, String type) throws SQLException {
    Object v =
        switch (type) {
          case "int2", "int4", "int8", "oid" -> rs.getObject(i) == null ? null : rs.getLong(i);
          case "float4", "float8" -> rs.getObject(i) == null ? null : rs.getDouble(i);
          case "numeric" -> {
            BigDecimal d = rs.getBigDecimal(i);
            yield d == null ? null : d.doubleValue();
          }
          case "bool" -> rs.getObject(i) == null ? null : rs.getBoolean(i);
          case "timestamptz" -> {
            OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
            yield t == null ? null : t.toInstant();
          }
          case "timestamp" -> {
            LocalDateTime t = rs.getObject(i, LocalDateTime.class);
            yield t == null ? null : t.toInstant(ZoneOffset.UTC);
          }
          case "date" -> {
            LocalDate d = rs.getObject(i, LocalDate.class);
            yield d == null ? null : d.atStartOfDay().toInstant(ZoneOffset.UTC);
          }
          default -> rs.getString(i);
        };
    return v;
  }

  // ---------------------------------------------------------------- files, through DuckDB

  /**
   * Reads a CSV or Parquet spine through DuckDB exactly as the embedded store does ({@link
   * SpineFileReader}), with each row's timestamp and canonical entities for {@code pit_spine}.
   */
  static PgPitJoin.SpineKeys readFile(Spine.File file, List<List<String>> keySets)
      throws SQLException {
    List<Object[]> rows = new ArrayList<>();
    List<@Nullable Instant> times = new ArrayList<>();
    List<@Nullable String[]> entities = new ArrayList<>();
    List<String> columns =
        SpineFileReader.read(
            file,
            keySets,
            (ts, canonical, values) -> {
              rows.add(values);
              times.add(ts);
              entities.add(canonical.clone()); // the reader reuses its array
            });
    return new PgPitJoin.SpineKeys(
        new PgPitJoin.LoadedSpine(columns, rows),
        times.toArray(new Instant[0]),
        entities.toArray(new String[0][]));
  }
}
