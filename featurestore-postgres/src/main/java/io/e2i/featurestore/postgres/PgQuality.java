package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.SqlQualityQueries;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Data-quality aggregations in PostgreSQL, on the read database (a replica when configured), over
 * the logical {@code feature_values} table: a window's current values walk the read index
 * (feature_id, entity_key, event_timestamp DESC, seq DESC) with DISTINCT ON.
 */
final class PgQuality extends SqlQualityQueries {
  private final PgDatabase db;
  private final PgDatabase primary;

  /** Reads go to {@code db} (a replica when configured); the drift history to {@code primary}. */
  PgQuality(PgDatabase db, PgDatabase primary) {
    this.db = db;
    this.primary = primary;
  }

  @Override
  protected void update(String what, String sql, Object... parameters) {
    try (Connection c = primary.connection();
        java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        ps.setObject(i + 1, parameters[i]);
      }
      ps.executeUpdate();
    } catch (SQLException e) {
      throw PgDatabase.error("writing the " + what, e);
    }
  }

  @Override
  protected <T> T query(String what, String sql, Reader<T> reader) {
    try (Connection c = db.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return reader.read(rs);
    } catch (SQLException e) {
      throw PgDatabase.error("computing the " + what, e);
    }
  }

  /**
   * On the primary, the relation is a temporary table of one connection (dropped after), so the
   * current values are derived once however many aggregations read them; a read replica takes no
   * temporary tables, so there each query starts with the relation as a materialized CTE.
   */
  @Override
  protected <T> T withRelation(String name, String select, Body<T> body) {
    if (db != primary) {
      return body.run(
          new Querier() {
            @Override
            public <R> R query(String what, String sql, Reader<R> reader) {
              return PgQuality.this.query(
                  what, "WITH " + name + " AS MATERIALIZED (" + select + ") " + sql, reader);
            }
          });
    }
    try (Connection c = db.connection()) {
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS pg_temp." + name);
        s.execute("CREATE TEMP TABLE " + name + " AS " + select);
      }
      try {
        return body.run(
            new Querier() {
              @Override
              public <R> R query(String what, String sql, Reader<R> reader) {
                try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                  return reader.read(rs);
                } catch (SQLException e) {
                  throw PgDatabase.error("computing the " + what, e);
                }
              }
            });
      } finally {
        try (Statement s = c.createStatement()) {
          s.execute("DROP TABLE IF EXISTS pg_temp." + name);
        }
      }
    } catch (SQLException e) {
      throw PgDatabase.error("deriving the current values", e);
    }
  }

  @Override
  protected String current(List<UUID> ids, Window w) {
    return "SELECT DISTINCT ON (feature_id, entity_key, event_timestamp) feature_id AS f,"
        + " entity_key AS entity, value AS v FROM feature_values WHERE feature_id IN ("
        + idList(ids)
        + ")"
        + bounds(w)
        + " ORDER BY feature_id, entity_key, event_timestamp DESC, seq DESC";
  }

  @Override
  protected String timestamp(Instant instant) {
    return "TIMESTAMPTZ '" + instant + "'";
  }

  @Override
  protected String number(String column) {
    return "(" + column + ")::float8";
  }

  @Override
  protected String text(String column) {
    return "(" + column + " #>> '{}')";
  }

  @Override
  protected String canonical(String column) {
    return "(" + column + ")::text";
  }

  @Override
  protected String listLength(String column) {
    return "jsonb_array_length(" + column + ")";
  }

  @Override
  protected String fullMatch(String expr, String patternLiteral) {
    return "(" + expr + " ~ ('^(?:' || " + patternLiteral + " || ')$'))";
  }

  @Override
  protected String quantiles(String expr, List<Double> probabilities) {
    return "percentile_cont(ARRAY"
        + probabilities
        + "::float8[]) WITHIN GROUP (ORDER BY "
        + expr
        + ")";
  }
}
