package io.e2i.featurestore.embedded;

import io.e2i.featurestore.spi.SqlQualityQueries;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;

/**
 * Data-quality aggregations in DuckDB. A window's current values come from a hash aggregate ({@code
 * arg_max_null} by seq per entity and event time), which DuckDB runs in parallel and faster than a
 * window function over millions of rows.
 */
final class DuckDbQuality extends SqlQualityQueries {
  private final DuckDbDatabase db;

  DuckDbQuality(DuckDbDatabase db) {
    this.db = db;
  }

  @Override
  protected <T> T query(String what, String sql, Reader<T> reader) {
    return DuckDbOfflineStore.call(
        what,
        () ->
            db.read(
                c -> {
                  try (Statement s = c.createStatement();
                      ResultSet rs = s.executeQuery(sql)) {
                    return reader.read(rs);
                  }
                }));
  }

  @Override
  protected void update(String what, String sql, Object... parameters) {
    DuckDbOfflineStore.call(
        what,
        () ->
            db.write(
                c -> {
                  try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
                    for (int i = 0; i < parameters.length; i++) {
                      ps.setObject(i + 1, parameters[i]);
                    }
                    return ps.executeUpdate();
                  }
                }));
  }

  @Override
  protected String current(Window w) {
    return "SELECT entity, arg_max_null(value_json, seq) AS v FROM feature_values"
        + " WHERE feature_id = '"
        + w.featureId()
        + "'"
        + bounds(w)
        + " GROUP BY entity, event_timestamp";
  }

  @Override
  protected String timestamp(Instant instant) {
    return "make_timestamp(" + DuckDbDatabase.micros(instant) + ")";
  }

  @Override
  protected String number(String column) {
    return "CAST(" + column + " AS DOUBLE)";
  }

  @Override
  protected String text(String column) {
    return "json_extract_string(" + column + ", '$')";
  }

  @Override
  protected String canonical(String column) {
    return column;
  }

  @Override
  protected String listLength(String column) {
    return "json_array_length(" + column + ")";
  }

  @Override
  protected String fullMatch(String expr, String patternLiteral) {
    return "regexp_full_match(" + expr + ", " + patternLiteral + ")";
  }

  @Override
  protected String quantile(String expr, double p) {
    return "quantile_cont(" + expr + ", " + p + ")";
  }
}
