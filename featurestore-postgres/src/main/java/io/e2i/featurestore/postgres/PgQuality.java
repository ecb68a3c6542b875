package io.e2i.featurestore.postgres;

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
 * Data-quality aggregations in PostgreSQL, on the read database (a replica when configured), over
 * the logical {@code feature_values} table: a window's current values walk the read index
 * (feature_id, entity_key, event_timestamp DESC, seq DESC) with DISTINCT ON.
 */
final class PgQuality extends SqlQualityQueries {
  private final PgDatabase db;
  private final PgDatabase primary;
  private final PgUniqueKeys unique;

  /** Reads go to {@code db} (a replica when configured); the drift history to {@code primary}. */
  PgQuality(PgDatabase db, PgDatabase primary) {
    this.db = db;
    this.primary = primary;
    this.unique = new PgUniqueKeys(db);
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
   * On the primary, a materialized relation is a temporary table of one connection (dropped after),
   * so the current values are derived once however many aggregations read them; a read replica
   * takes no temporary tables, so there each query starts with the relation as a materialized CTE.
   * A relation not materialized is a CTE that each query reads again (parallel workers can scan it,
   * as they cannot a temporary table). All queries run on one connection.
   */
  @Override
  protected <T> T withRelation(String name, String select, boolean materialize, Body<T> body) {
    boolean temp = db == primary;
    try (Connection c = db.connection()) {
      List<String> ctes = new ArrayList<>();
      List<String> tables = new ArrayList<>();
      if (materialize && temp) {
        createTemp(c, name, "", select, tables);
      } else {
        ctes.add(
            name + (materialize ? " AS MATERIALIZED (" : " AS NOT MATERIALIZED (") + select + ")");
      }
      try {
        return body.run(
            new Querier() {
              @Override
              public <R> R query(String what, String sql, Reader<R> reader) {
                try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(with(ctes) + sql)) {
                  return reader.read(rs);
                } catch (SQLException e) {
                  throw PgDatabase.error("computing the " + what, e);
                }
              }

              @Override
              public void derive(String derived, String sql) {
                try {
                  if (temp) {
                    createTemp(c, derived, with(ctes), sql, tables);
                  } else {
                    ctes.removeIf(cte -> cte.startsWith(derived + " AS "));
                    ctes.add(derived + " AS MATERIALIZED (" + sql + ")");
                  }
                } catch (SQLException e) {
                  throw PgDatabase.error("deriving " + derived, e);
                }
              }
            });
      } finally {
        try (Statement s = c.createStatement()) {
          for (String table : tables) {
            s.execute("DROP TABLE IF EXISTS pg_temp." + table);
          }
        }
      }
    } catch (SQLException e) {
      throw PgDatabase.error("deriving the current values", e);
    }
  }

  private static String with(List<String> ctes) {
    return ctes.isEmpty() ? "" : "WITH " + String.join(", ", ctes) + " ";
  }

  private static void createTemp(
      Connection c, String name, String with, String select, List<String> tables)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS pg_temp." + name);
      s.execute("CREATE TEMP TABLE " + name + " AS " + with + select);
    }
    tables.add(name);
  }

  /** Known from the feature's {@link PgUniqueKeys} certificate, checked (and extended) first. */
  @Override
  protected @Nullable Long uniqueThrough(List<UUID> ids) {
    return unique.uniqueThrough(ids);
  }

  /**
   * The current values: with a {@code uniqueThrough} the rows themselves up to that seq (a scan the
   * planner may run with parallel workers), else the latest written per (entity, event time), a
   * DISTINCT ON walk of the read index (feature_id, entity_key, event_timestamp DESC, seq DESC).
   */
  @Override
  protected String current(List<UUID> ids, Window w, @Nullable Long through) {
    if (through != null) {
      return "SELECT feature_id AS f, entity_key AS entity, value AS v FROM feature_values"
          + " WHERE feature_id IN ("
          + idList(ids)
          + ") AND seq <= "
          + through
          + bounds(w);
    }
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
}
