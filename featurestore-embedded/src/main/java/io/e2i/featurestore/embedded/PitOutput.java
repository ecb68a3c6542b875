package io.e2i.featurestore.embedded;

import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.io.DuckDbSpineSql;
import io.e2i.featurestore.spi.PitQuery.PitFeature;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a point-in-time join's rows leave DuckDB. DuckDB's JDBC driver makes a Java string of every
 * text cell of a result chunk through JNI (about half a microsecond each: 5.5 s of a 1,000,000 x 10
 * join with the values as JSON text), while a column of numbers or booleans crosses as one buffer
 * per chunk. So:
 *
 * <ul>
 *   <li>a scalar number or bool leaves typed wherever its JSON text reads back exactly as {@link
 *       ValueCodec#decode} reads it; its text goes along only where it does not (JSON {@code null},
 *       a form another writer chose), and Java decodes it as before;
 *   <li>every text cell of a row (the other features' JSON, those fallbacks, the spine's text
 *       columns) travels in one string, each part as {@code <length>:<text>} or {@code -} for SQL
 *       NULL, the length in code points as DuckDB's {@code length} counts them.
 * </ul>
 *
 * Every value is the one the decoder gives from the stored text, whichever way it travelled.
 */
final class PitOutput {
  /**
   * JSON's number grammar: for such text DuckDB's cast and Java's parser both round correctly to
   * the nearest double; any other text goes through the Java decoder.
   */
  private static final String JSON_NUMBER = "'-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?'";

  private final List<PitFeature> features;
  private final List<@Nullable String> typedSql;
  private final int[] typedColumn;
  private final List<String> spineAliases;
  private final List<Boolean> spineText;
  private final int[] spineColumn;
  private final int textColumn;

  private PitOutput(List<PitFeature> features, List<String> spineAliases, List<Boolean> spineText) {
    this.features = features;
    this.spineAliases = spineAliases;
    this.spineText = spineText;
    this.typedSql = new ArrayList<>();
    this.typedColumn = new int[features.size()];
    this.spineColumn = new int[spineAliases.size()];
    int next = 2; // 1 is the spine row
    boolean anyText = false;
    for (int i = 0; i < features.size(); i++) {
      String typed = typedSql(features.get(i).type(), "__j" + i);
      typedSql.add(typed);
      if (typed != null) {
        typedColumn[i] = next++;
      }
      anyText = true;
    }
    for (int c = 0; c < spineAliases.size(); c++) {
      if (spineText.get(c)) {
        anyText = true;
      } else {
        spineColumn[c] = next++;
      }
    }
    this.textColumn = anyText ? next : 0;
  }

  /**
   * The output of a join whose columns are {@code __row}, one {@code __j<i>} per feature (its JSON
   * text) and {@code spineAliases} (the file or SQL spine's columns, which are text where {@code
   * spineText} says so).
   */
  static PitOutput plan(
      List<PitFeature> features, List<String> spineAliases, List<Boolean> spineText) {
    return new PitOutput(features, spineAliases, spineText);
  }

  /** The typed value of a feature's JSON text, null where the text must go to the decoder. */
  private static @Nullable String typedSql(ValueType type, String json) {
    return switch (type) {
      // Only text that the BIGINT prints back unchanged: what Long.parseLong reads the same.
      case INT64 ->
          "CASE WHEN CAST(TRY_CAST(%1$s AS BIGINT) AS VARCHAR) = %1$s THEN TRY_CAST(%1$s AS BIGINT) END"
              .formatted(json);
      case FLOAT64 ->
          ("CASE WHEN regexp_full_match(%1$s, "
                  + JSON_NUMBER
                  + ") THEN TRY_CAST(%1$s AS DOUBLE) END")
              .formatted(json);
      case BOOL -> "CASE %1$s WHEN 'true' THEN true WHEN 'false' THEN false END".formatted(json);
      default -> null;
    };
  }

  /** The query over {@code join}, in spine order. */
  String sql(String join) {
    StringBuilder typed = new StringBuilder("SELECT *");
    StringBuilder outer = new StringBuilder("SELECT __row");
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      String sql = typedSql.get(i);
      if (sql == null) {
        parts.add("__j" + i);
      } else {
        typed.append(", ").append(sql).append(" AS __n").append(i);
        outer.append(", __n").append(i);
        parts.add("CASE WHEN __n" + i + " IS NULL THEN __j" + i + " END");
      }
    }
    for (int c = 0; c < spineAliases.size(); c++) {
      if (spineText.get(c)) {
        parts.add(spineAliases.get(c));
      } else {
        outer.append(", ").append(spineAliases.get(c));
      }
    }
    if (!parts.isEmpty()) {
      outer.append(", ");
      for (int p = 0; p < parts.size(); p++) {
        String part = parts.get(p);
        outer
            .append(p == 0 ? "" : " || ")
            .append("COALESCE(CAST(length(")
            .append(part)
            .append(") AS VARCHAR) || ':' || ")
            .append(part)
            .append(", '-')");
      }
      outer.append(" AS __text");
    }
    return outer
        .append(" FROM (")
        .append(typed)
        .append(" FROM (")
        .append(join)
        .append(") j) t ORDER BY __row")
        .toString();
  }

  /**
   * Reads the current row's values into {@code out}: the features from {@code width} on and, unless
   * the spine is in memory ({@code spineAliases} empty), the spine's columns before them.
   */
  void read(ResultSet rs, @Nullable Object[] out, int width) throws SQLException {
    Parts text = new Parts(textColumn == 0 ? "" : rs.getString(textColumn));
    for (int i = 0; i < features.size(); i++) {
      ValueType type = features.get(i).type();
      Object typed = typedColumn[i] == 0 ? null : typed(rs, typedColumn[i], type);
      String json = text.next();
      out[width + i] = typed != null ? typed : json == null ? null : ValueCodec.decode(type, json);
    }
    for (int c = 0; c < spineAliases.size(); c++) {
      out[c] =
          spineText.get(c) ? text.next() : DuckDbSpineSql.plainValue(rs.getObject(spineColumn[c]));
    }
  }

  private static @Nullable Object typed(ResultSet rs, int column, ValueType type)
      throws SQLException {
    Object value =
        switch (type) {
          case INT64 -> Long.valueOf(rs.getLong(column));
          case FLOAT64 -> Double.valueOf(rs.getDouble(column));
          default -> Boolean.valueOf(rs.getBoolean(column));
        };
    return rs.wasNull() ? null : value;
  }

  /** The parts of a row's packed text, in order. */
  static final class Parts {
    private final String packed;
    private int pos;

    Parts(String packed) {
      this.packed = packed;
    }

    @Nullable String next() {
      if (packed.charAt(pos) == '-') {
        pos++;
        return null;
      }
      int colon = packed.indexOf(':', pos);
      int codePoints = Integer.parseInt(packed, pos, colon, 10);
      int start = colon + 1;
      pos = packed.offsetByCodePoints(start, codePoints);
      return packed.substring(start, pos);
    }
  }
}
