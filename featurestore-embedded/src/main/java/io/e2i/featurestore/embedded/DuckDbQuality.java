package io.e2i.featurestore.embedded;

import io.e2i.featurestore.spi.SqlQualityQueries;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Data-quality aggregations in DuckDB. A window's current values come from a hash aggregate ({@code
 * arg_max_null} by seq per entity and event time), which DuckDB runs in parallel and faster than a
 * window function over millions of rows.
 */
final class DuckDbQuality extends SqlQualityQueries {
  private final DuckDbDatabase db;
  private final UniqueKeys unique;

  DuckDbQuality(DuckDbDatabase db) {
    this.db = db;
    this.unique = new UniqueKeys(db);
  }

  @Override
  protected <T> T query(String what, String sql, Reader<T> reader) {
    return DuckDbOfflineStore.call(
        what,
        () ->
            db.read(
                c -> {
                  return read(c, sql, reader);
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

  /**
   * The relation as a temporary table of the reader's connection (dropped after), so the window's
   * current values are derived once however many aggregations read them; or, not materialized, a
   * CTE in front of each query. Relations derived later are temporary tables too.
   */
  @Override
  protected <T> T withRelation(String name, String select, boolean materialize, Body<T> body) {
    return DuckDbOfflineStore.call(
        "deriving the current values",
        () ->
            db.read(
                c -> {
                  List<String> tables = new ArrayList<>();
                  String with =
                      materialize ? "" : "WITH " + name + " AS NOT MATERIALIZED (" + select + ") ";
                  try {
                    if (materialize) {
                      createTemp(c, name, select, tables);
                    }
                    return body.run(
                        new Querier() {
                          @Override
                          public <R> R query(String what, String sql, Reader<R> reader) {
                            return DuckDbOfflineStore.call(what, () -> read(c, with + sql, reader));
                          }

                          @Override
                          public void derive(String derived, String sql) {
                            DuckDbOfflineStore.call(
                                "deriving " + derived,
                                () -> {
                                  createTemp(c, derived, with + sql, tables);
                                  return derived;
                                });
                          }
                        });
                  } finally {
                    try (Statement s = c.createStatement()) {
                      for (String table : tables) {
                        s.execute("DROP TABLE IF EXISTS temp." + table);
                      }
                    }
                  }
                }));
  }

  private static void createTemp(Connection c, String name, String select, List<String> tables)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE OR REPLACE TEMP TABLE " + name + " AS " + select);
    }
    tables.add(name);
  }

  /** Temporary tables keep insertion order and skip row groups by their min/max. */
  @Override
  protected boolean clustered() {
    return true;
  }

  private static <R> R read(Connection c, String sql, Reader<R> reader) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return reader.read(rs);
    }
  }

  /** Known from the feature's {@link UniqueKeys} certificate, checked (and extended) first. */
  @Override
  protected @Nullable Long uniqueThrough(List<UUID> ids) {
    return unique.uniqueThrough(ids);
  }

  /**
   * The current values: with a {@code uniqueThrough} the rows themselves (up to the seq the check
   * covered, so rows written since stay out), else the latest written per (entity, event time) by a
   * hash aggregate ({@code arg_max_null} by seq), which costs several times the scan.
   */
  @Override
  protected String current(List<UUID> ids, Window w, @Nullable Long through) {
    if (through != null) {
      return "SELECT feature_id AS f, entity, value_json AS v FROM feature_values"
          + " WHERE feature_id IN ("
          + idList(ids)
          + ") AND seq <= "
          + through
          + bounds(w);
    }
    return "SELECT feature_id AS f, entity, arg_max_null(value_json, seq) AS v FROM feature_values"
        + " WHERE feature_id IN ("
        + idList(ids)
        + ")"
        + bounds(w)
        + " GROUP BY feature_id, entity, event_timestamp";
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
}
