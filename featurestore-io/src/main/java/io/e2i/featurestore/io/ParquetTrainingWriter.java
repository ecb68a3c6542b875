package io.e2i.featurestore.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Parquet through an in-memory DuckDB: rows are buffered (a column's type is that of its first
 * non-null value: BIGINT, DOUBLE, BOOLEAN, TIMESTAMPTZ, else VARCHAR with lists as JSON text),
 * appended, and written with COPY ... TO parquet. Same rows in, same bytes out.
 */
final class ParquetTrainingWriter extends TrainingDataWriter {
  private final OutputStream out;
  private final List<Object[]> rows = new ArrayList<>();

  ParquetTrainingWriter(OutputStream out) {
    this.out = out;
  }

  @Override
  protected void writeHeader() {}

  @Override
  protected void writeRow(Object[] values) {
    rows.add(values.clone());
  }

  @Override
  protected void writeFooter() throws IOException {
    Path file = Files.createTempFile("training-", ".parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      List<String> types = columnTypes();
      StringBuilder ddl = new StringBuilder("CREATE TABLE t (");
      for (int i = 0; i < columns.size(); i++) {
        ddl.append(i == 0 ? "" : ", ")
            .append(quote(columns.get(i)))
            .append(' ')
            .append(types.get(i));
      }
      try (Statement st = c.createStatement()) {
        st.execute(ddl.append(')').toString());
      }
      try (DuckDBAppender appender = ((DuckDBConnection) c).createAppender("t")) {
        for (Object[] row : rows) {
          appender.beginRow();
          for (int i = 0; i < row.length; i++) {
            append(appender, types.get(i), row[i]);
          }
          appender.endRow();
        }
      }
      Files.deleteIfExists(file);
      try (Statement st = c.createStatement()) {
        st.execute("COPY t TO '" + file.toString().replace("'", "''") + "' (FORMAT parquet)");
      }
      Files.copy(file, out);
      out.flush();
    } catch (SQLException e) {
      throw new IOException("writing parquet failed: " + e.getMessage(), e);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * One type per column from its non-null values: a single type as is, whole numbers mixed with
   * decimals as DOUBLE, any other mix (a JSON spine may carry one) as VARCHAR text.
   */
  private List<String> columnTypes() {
    List<String> types = new ArrayList<>(columns.size());
    for (int i = 0; i < columns.size(); i++) {
      String type = null;
      for (Object[] row : rows) {
        if (row[i] == null) {
          continue;
        }
        String t =
            switch (row[i]) {
              case Long l -> "BIGINT";
              case Integer n -> "BIGINT";
              case Double d -> "DOUBLE";
              case Boolean b -> "BOOLEAN";
              case Instant x -> "TIMESTAMPTZ";
              default -> "VARCHAR";
            };
        if (type == null || type.equals(t)) {
          type = t;
        } else if (numeric(type) && numeric(t)) {
          type = "DOUBLE";
        } else {
          type = "VARCHAR";
          break;
        }
      }
      types.add(type == null ? "VARCHAR" : type);
    }
    return types;
  }

  private static boolean numeric(String type) {
    return type.equals("BIGINT") || type.equals("DOUBLE");
  }

  private static void append(DuckDBAppender appender, String type, Object value)
      throws SQLException {
    if (value == null) {
      appender.appendNull();
      return;
    }
    switch (type) {
      case "BIGINT" -> appender.append(((Number) value).longValue());
      case "DOUBLE" -> appender.append(((Number) value).doubleValue());
      case "BOOLEAN" -> appender.append((Boolean) value);
      case "TIMESTAMPTZ" ->
          appender.append(OffsetDateTime.ofInstant((Instant) value, ZoneOffset.UTC));
      default -> appender.append(text(value));
    }
  }

  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
