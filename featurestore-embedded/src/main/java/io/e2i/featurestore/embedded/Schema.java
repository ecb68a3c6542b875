package io.e2i.featurestore.embedded;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The tables, mirroring the seed's schema. Values are JSON text and entities canonical JSON text
 * (keys sorted); {@code seq} orders writes so "latest written" is well defined even when two writes
 * carry the same {@code written_at}. No primary key on feature_values: it is append-only, and an
 * index would halve bulk-write speed while DuckDB point lookups stay slower than the in-memory
 * latest-value index anyway (see LatestIndex).
 */
final class Schema {
  static final int VERSION = 1;

  private Schema() {}

  static void create(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL)");
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS feature_groups (
            name VARCHAR PRIMARY KEY,
            description VARCHAR,
            owner VARCHAR,
            tags VARCHAR NOT NULL,
            source_table VARCHAR,
            expected_update_frequency_hours INTEGER,
            max_age_hours INTEGER,
            mlflow_experiment_name VARCHAR,
            mlflow_experiment_id VARCHAR,
            created_at TIMESTAMP
          )""");
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS features (
            id UUID PRIMARY KEY,
            feature_group VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            value_type VARCHAR NOT NULL,
            entity_keys VARCHAR NOT NULL,
            description VARCHAR,
            owner VARCHAR,
            tags VARCHAR NOT NULL,
            computation_query VARCHAR,
            statistics VARCHAR,
            mlflow_run_id VARCHAR,
            created_at TIMESTAMP,
            UNIQUE (feature_group, name, version)
          )""");
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS feature_values (
            feature_id UUID NOT NULL,
            entity VARCHAR NOT NULL,
            value_json VARCHAR,
            event_timestamp TIMESTAMP NOT NULL,
            written_at TIMESTAMP NOT NULL,
            seq BIGINT NOT NULL,
            freshness_status VARCHAR
          )""");
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS training_sets (
            name VARCHAR PRIMARY KEY,
            definition VARCHAR NOT NULL
          )""");
      createSecurityTables(s);
      createLineageTable(s);
      // Drift history (issue 12): computed_at in microseconds since the epoch; result is JSON.
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS drift_results (
            feature_group VARCHAR NOT NULL,
            feature_name VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            status VARCHAR NOT NULL,
            psi DOUBLE,
            computed_at BIGINT NOT NULL,
            result VARCHAR NOT NULL
          )""");
      // Wave-2 declarative fields (constraints, validation, expression, schedule...) as JSON, so
      // later fields need no schema change; added to files made before they existed.
      s.execute("ALTER TABLE feature_groups ADD COLUMN IF NOT EXISTS options VARCHAR");
      s.execute("ALTER TABLE features ADD COLUMN IF NOT EXISTS options VARCHAR");
      addTrainingSetGroups(s);
      try (var rs = s.executeQuery("SELECT count(*) FROM schema_info")) {
        rs.next();
        if (rs.getLong(1) == 0) {
          s.execute("INSERT INTO schema_info VALUES (" + VERSION + ")");
        }
      }
    }
  }

  /**
   * Lineage edges only runs know: a saved training set's pinned feature versions and the runs
   * tagged on it (LineagePath derives the rest from the registry). Node ids are kind-prefixed text.
   * A file made before the table existed gains it with the edges of its saved training sets.
   */
  private static void createLineageTable(Statement s) throws SQLException {
    boolean existed;
    try (var rs =
        s.executeQuery(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'lineage_edges'")) {
      rs.next();
      existed = rs.getLong(1) > 0;
    }
    s.execute(
        """
        CREATE TABLE IF NOT EXISTS lineage_edges (
          from_node VARCHAR NOT NULL,
          to_node VARCHAR NOT NULL,
          kind VARCHAR NOT NULL,
          created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
          PRIMARY KEY (from_node, to_node)
        )""");
    s.execute("CREATE INDEX IF NOT EXISTS lineage_edges_to ON lineage_edges (to_node)");
    if (!existed) {
      java.util.List<String[]> edges = new java.util.ArrayList<>();
      try (var rs = s.executeQuery("SELECT name, definition FROM training_sets")) {
        while (rs.next()) {
          String set = "training_set:" + rs.getString(1);
          for (String ref :
              io.e2i.featurestore.TrainingSets.fromJson(rs.getString(2)).featureRefs()) {
            edges.add(new String[] {"feature:" + ref, set});
          }
        }
      }
      try (var ps =
          s.getConnection()
              .prepareStatement(
                  "INSERT OR IGNORE INTO lineage_edges (from_node, to_node, kind)"
                      + " VALUES (?, ?, 'used_by')")) {
        for (String[] e : edges) {
          ps.setString(1, e[0]);
          ps.setString(2, e[1]);
          ps.executeUpdate();
        }
      }
    }
  }

  /**
   * The feature groups each saved training set reads ({@code TrainingSets.groups}), so a key
   * restricted to some groups is listed its sets by a filter on this column instead of reading
   * every definition. A file made before the column existed gains it filled from the definitions.
   */
  private static void addTrainingSetGroups(Statement s) throws SQLException {
    s.execute("ALTER TABLE training_sets ADD COLUMN IF NOT EXISTS groups VARCHAR[]");
    java.util.Map<String, String> unfilled = new java.util.LinkedHashMap<>();
    try (var rs =
        s.executeQuery("SELECT name, definition FROM training_sets WHERE groups IS NULL")) {
      while (rs.next()) {
        unfilled.put(rs.getString(1), rs.getString(2));
      }
    }
    try (var ps =
        s.getConnection().prepareStatement("UPDATE training_sets SET groups = ? WHERE name = ?")) {
      for (var e : unfilled.entrySet()) {
        ps.setArray(1, groupsArray(s.getConnection(), e.getValue()));
        ps.setString(2, e.getKey());
        ps.executeUpdate();
      }
    }
  }

  static java.sql.Array groupsArray(Connection c, String definitionJson) throws SQLException {
    return c.createArrayOf(
        "VARCHAR", io.e2i.featurestore.TrainingSets.groups(definitionJson).toArray());
  }

  /**
   * API keys (SHA-256 hashes only, see SecurityRegistry) and the audit log. Created if missing, so
   * files made before they existed gain them on open.
   */
  private static void createSecurityTables(Statement s) throws SQLException {
    s.execute(
        """
        CREATE TABLE IF NOT EXISTS api_keys (
          id VARCHAR PRIMARY KEY,
          name VARCHAR NOT NULL UNIQUE,
          key_hash VARCHAR NOT NULL,
          scopes VARCHAR NOT NULL,
          created_at TIMESTAMP NOT NULL,
          revoked_at TIMESTAMP,
          last_used_at TIMESTAMP,
          use_count BIGINT NOT NULL DEFAULT 0
        )""");
    s.execute("CREATE SEQUENCE IF NOT EXISTS audit_log_seq");
    s.execute(
        """
        CREATE TABLE IF NOT EXISTS audit_log (
          id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
          logged_at TIMESTAMP NOT NULL,
          actor VARCHAR NOT NULL,
          action VARCHAR NOT NULL,
          target VARCHAR NOT NULL,
          detail VARCHAR
        )""");
  }
}
