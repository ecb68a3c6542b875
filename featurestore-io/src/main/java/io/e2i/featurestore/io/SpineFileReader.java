package io.e2i.featurestore.io;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.PitQuery.Spine;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads a CSV or Parquet spine file with an in-memory DuckDB, for stores that do not join files in
 * place. Every store sees the same rows: DuckDB's type detection, timestamps cast to TIMESTAMPTZ in
 * UTC, and the canonical entity text built by DuckDB from each key's text, exactly as the embedded
 * store's in-place join does.
 */
public final class SpineFileReader {
  private SpineFileReader() {}

  /** Receives the rows of a spine file in file order. */
  @FunctionalInterface
  public interface RowHandler {
    /**
     * One spine row: its timestamp (null when the cell is empty), the canonical entity text for
     * each requested key set, and the row's own column values as {@link DuckDbSpineSql#plainValue}
     * gives them. The array of entities is reused between calls.
     */
    void row(
        @Nullable Instant timestamp,
        @Nullable String[] canonicalEntities,
        @Nullable Object[] values)
        throws SQLException;
  }

  /**
   * Streams the rows of {@code file} to {@code handler} and returns the file's column names. A file
   * that cannot be read, lacks the timestamp column or one of the entity keys is the caller's
   * mistake ({@link FeatureStoreException} INVALID_ARGUMENT); the handler's own SQL errors
   * propagate unchanged.
   */
  public static List<String> read(Spine.File file, List<List<String>> keySets, RowHandler handler)
      throws SQLException {
    String source = DuckDbSpineSql.fileSource(file);
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
      List<String> columns = columns(s, source, file);
      checkColumns(columns, file.timestampColumn(), keySets);
      stream(s, select(source, file.timestampColumn(), keySets), file, columns, keySets, handler);
      return columns;
    }
  }

  private static List<String> columns(Statement s, String source, Spine.File file) {
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("SELECT * FROM " + source + " LIMIT 0")) {
      ResultSetMetaData md = rs.getMetaData();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        columns.add(md.getColumnName(i));
      }
    } catch (SQLException e) {
      throw unreadable(file, e);
    }
    return columns;
  }

  private static void checkColumns(
      List<String> columns, String timestampColumn, List<List<String>> keySets) {
    if (!columns.contains(timestampColumn)) {
      throw FeatureStoreException.invalid(
          "spine has no timestamp column '" + timestampColumn + "'; columns: " + columns);
    }
    for (List<String> keys : keySets) {
      for (String key : keys) {
        if (!columns.contains(key)) {
          throw FeatureStoreException.invalid(
              "spine lacks entity key column '" + key + "'; columns: " + columns);
        }
      }
    }
  }

  private static String select(String source, String timestampColumn, List<List<String>> keySets) {
    StringBuilder select =
        new StringBuilder("SELECT epoch_us(CAST(")
            .append(DuckDbSpineSql.ident(timestampColumn))
            .append(" AS TIMESTAMPTZ))");
    for (List<String> keys : keySets) {
      select.append(", ").append(DuckDbSpineSql.canonicalEntity(keys));
    }
    return select.append(", * FROM ").append(source).toString();
  }

  private static void stream(
      Statement s,
      String select,
      Spine.File file,
      List<String> columns,
      List<List<String>> keySets,
      RowHandler handler)
      throws SQLException {
    String[] canonical = new String[keySets.size()];
    int first = 2 + keySets.size();
    try (ResultSet rs = s.executeQuery(select)) {
      while (next(rs, file)) {
        long micros = rs.getLong(1);
        Instant ts =
            rs.wasNull()
                ? null
                : Instant.ofEpochSecond(
                    Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
        for (int k = 0; k < canonical.length; k++) {
          canonical[k] = rs.getString(2 + k);
        }
        Object[] row = new Object[columns.size()];
        for (int i = 0; i < row.length; i++) {
          row[i] = DuckDbSpineSql.plainValue(rs.getObject(first + i));
        }
        handler.row(ts, canonical, row);
      }
    } catch (SQLException e) {
      if (e.getClass().getName().startsWith("org.duckdb")) {
        throw unreadable(file, e);
      }
      throw e; // the handler's side failed, not the file
    }
  }

  /** DuckDB reads lazily, so a bad cell deep in the file surfaces here. */
  private static boolean next(ResultSet rs, Spine.File file) {
    try {
      return rs.next();
    } catch (SQLException e) {
      throw unreadable(file, e);
    }
  }

  private static FeatureStoreException unreadable(Spine.File file, SQLException e) {
    return FeatureStoreException.invalid(
        "cannot read spine file " + file.path() + ": " + e.getMessage());
  }
}
