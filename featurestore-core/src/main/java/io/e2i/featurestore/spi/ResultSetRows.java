package io.e2i.featurestore.spi;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Streams a JDBC result to a {@link PipelineBackend.RowSink} with the value forms the write path
 * takes: timestamps as Instants (a naive timestamp or a date means UTC), decimals as Long or
 * Double, arrays as lists. Shared by the stores so both hand the same values to materialization.
 */
public final class ResultSetRows {
  private ResultSetRows() {}

  public static void stream(ResultSet rs, PipelineBackend.RowSink sink) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int n = meta.getColumnCount();
    List<String> names = new ArrayList<>(n);
    int[] types = new int[n];
    for (int i = 0; i < n; i++) {
      names.add(meta.getColumnLabel(i + 1));
      types[i] = meta.getColumnType(i + 1);
    }
    sink.columns(List.copyOf(names));
    while (rs.next()) {
      Object[] row = new Object[n];
      for (int i = 0; i < n; i++) {
        row[i] = value(rs, i + 1, types[i]);
      }
      sink.row(row);
    }
  }

  private static @Nullable Object value(ResultSet rs, int column, int type) throws SQLException {
    switch (type) {
      case Types.TIMESTAMP_WITH_TIMEZONE -> {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
      }
      case Types.TIMESTAMP -> {
        Object raw = rs.getObject(column);
        if (raw == null) {
          return null;
        }
        if (raw instanceof OffsetDateTime odt) {
          return odt.toInstant();
        }
        // PostgreSQL's driver reports timestamptz as TIMESTAMP too, and will not read it as a
        // LocalDateTime: read it as the absolute time it is.
        if ("timestamptz".equalsIgnoreCase(rs.getMetaData().getColumnTypeName(column))) {
          OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
          return t == null ? null : t.toInstant();
        }
        LocalDateTime t = rs.getObject(column, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
      }
      case Types.DATE -> {
        LocalDate d = rs.getObject(column, LocalDate.class);
        return d == null ? null : d.atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      default -> {
        return plain(rs.getObject(column));
      }
    }
  }

  static @Nullable Object plain(@Nullable Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof BigDecimal d) {
      return d.scale() <= 0 && d.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0
          ? (Object) d.longValueExact()
          : (Object) d.doubleValue();
    }
    if (v instanceof java.math.BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof OffsetDateTime t) {
      return t.toInstant();
    }
    if (v instanceof java.sql.Timestamp t) {
      return t.toLocalDateTime().toInstant(ZoneOffset.UTC);
    }
    if (v instanceof Instant) {
      return v;
    }
    if (v instanceof Array a) {
      try {
        Object[] items = (Object[]) a.getArray();
        return Arrays.stream(items).map(ResultSetRows::plain).toList();
      } catch (SQLException | ClassCastException e) {
        return v.toString();
      }
    }
    if (v instanceof List<?> list) {
      return list.stream().map(ResultSetRows::plain).toList();
    }
    return v;
  }
}
