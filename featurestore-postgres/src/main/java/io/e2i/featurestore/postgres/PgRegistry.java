package io.e2i.featurestore.postgres;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.LineageGraph;
import io.e2i.featurestore.TrainingSets;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.RegistryChanges;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Feature groups and feature versions in the seed's {@code feature_groups} and {@code features}.
 */
public final class PgRegistry implements Registry, RegistryChanges {
  private static final String GROUP_COLUMNS =
      "name, description, owner, tags, source_table, expected_update_frequency_hours,"
          + " max_age_hours, mlflow_experiment_name, mlflow_experiment_id, created_at, options";

  private final PgDatabase db;

  PgRegistry(PgDatabase db) {
    this.db = db;
  }

  /**
   * The row count and the sum of {@code updated_at} of groups and of feature versions: every insert
   * and every update (which sets {@code updated_at = now()}) moves it, whatever order concurrent
   * transactions commit in (a maximum would miss one that started earlier and committed later).
   */
  @Override
  public String changeStamp() {
    String sql =
        "SELECT (SELECT count(*) || ':' || coalesce(sum(extract(epoch FROM updated_at)), 0)"
            + " FROM feature_groups) || '/' || (SELECT count(*) || ':'"
            + " || coalesce(sum(extract(epoch FROM updated_at)), 0) FROM features)";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return Objects.requireNonNullElse(rs.getString(1), "");
    } catch (SQLException e) {
      throw PgDatabase.error("reading the registry's change stamp", e);
    }
  }

  @Override
  public List<FeatureGroup> loadGroups() {
    String sql = "SELECT " + GROUP_COLUMNS + " FROM feature_groups ORDER BY name";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      List<FeatureGroup> groups = new ArrayList<>();
      while (rs.next()) {
        groups.add(
            new FeatureGroup(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    PgJson.stringList(rs.getString(4)),
                    rs.getString(5),
                    (Integer) rs.getObject(6),
                    (Integer) rs.getObject(7),
                    rs.getString(8),
                    rs.getString(9),
                    instant(rs, 10))
                .withOptions(PgJson.map(rs.getString(11))));
      }
      return groups;
    } catch (SQLException e) {
      throw PgDatabase.error("loading feature groups", e);
    }
  }

  @Override
  public List<Feature> loadFeatures() {
    String sql =
        "SELECT f.id, g.name, f.name, f.version, f.value_type::text, f.entity_keys, f.description,"
            + " f.owner, f.tags, f.computation_query, f.statistics, f.mlflow_run_id, f.created_at,"
            + " f.options FROM features f JOIN feature_groups g ON g.id = f.feature_group_id"
            + " ORDER BY g.name, f.name, f.version";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      List<Feature> features = new ArrayList<>();
      while (rs.next()) {
        features.add(
            new Feature(
                    rs.getObject(1, java.util.UUID.class),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getInt(4),
                    ValueType.parse(rs.getString(5)),
                    PgJson.stringList(rs.getString(6)),
                    rs.getString(7),
                    rs.getString(8),
                    PgJson.stringList(rs.getString(9)),
                    rs.getString(10),
                    PgJson.map(rs.getString(11)),
                    rs.getString(12),
                    requiredInstant(rs, 13))
                .withOptions(PgJson.map(rs.getString(14))));
      }
      return features;
    } catch (SQLException e) {
      throw PgDatabase.error("loading features", e);
    }
  }

  @Override
  public boolean insertGroup(FeatureGroup group) {
    String sql =
        "INSERT INTO feature_groups ("
            + GROUP_COLUMNS
            + ") VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, coalesce(?, now()), ?::jsonb)"
            + " ON CONFLICT (name) DO NOTHING";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      bindGroup(ps, group);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw PgDatabase.error("inserting feature group '" + group.name() + "'", e);
    }
  }

  @Override
  public void updateGroup(FeatureGroup group) {
    String sql =
        "UPDATE feature_groups SET name = ?, description = ?, owner = ?, tags = ?::jsonb,"
            + " source_table = ?, expected_update_frequency_hours = ?, max_age_hours = ?,"
            + " mlflow_experiment_name = ?, mlflow_experiment_id = ?,"
            + " created_at = coalesce(?, created_at), options = ?::jsonb, updated_at = now()"
            + " WHERE name = ?";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      bindGroup(ps, group);
      ps.setString(12, group.name());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw PgDatabase.error("updating feature group '" + group.name() + "'", e);
    }
  }

  private static void bindGroup(PreparedStatement ps, FeatureGroup g) throws SQLException {
    ps.setString(1, g.name());
    ps.setString(2, g.description());
    ps.setString(3, g.owner());
    ps.setString(4, PgJson.write(g.tags()));
    ps.setString(5, g.sourceTable());
    ps.setObject(6, g.expectedUpdateFrequencyHours(), Types.INTEGER);
    ps.setObject(7, g.maxAgeHours(), Types.INTEGER);
    ps.setString(8, g.mlflowExperimentName());
    ps.setString(9, g.mlflowExperimentId());
    ps.setObject(10, timestamp(g.createdAt()), Types.TIMESTAMP_WITH_TIMEZONE);
    ps.setString(11, optionsJson(g.options()));
  }

  private static @Nullable String optionsJson(Map<String, Object> options) {
    return options.isEmpty() ? null : PgJson.write(options);
  }

  @Override
  public boolean insertFeature(Feature f) {
    String sql =
        "INSERT INTO features (id, feature_group_id, name, version, value_type, entity_keys,"
            + " description, owner, tags, computation_query, statistics, mlflow_run_id,"
            + " created_at, options)"
            + " SELECT ?, g.id, ?, ?, ?::feature_value_type, ?::jsonb, ?, ?, ?::jsonb, ?,"
            + " ?::jsonb, ?, coalesce(?, now()), ?::jsonb FROM feature_groups g WHERE g.name = ?"
            + " ON CONFLICT DO NOTHING";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, f.id());
      ps.setString(2, f.name());
      ps.setInt(3, f.version());
      ps.setString(4, f.valueType().wireName());
      ps.setString(5, PgJson.write(f.entityKeys()));
      ps.setString(6, f.description());
      ps.setString(7, f.owner());
      ps.setString(8, PgJson.write(f.tags()));
      ps.setString(9, f.computationQuery());
      ps.setString(10, PgJson.write(f.statistics()));
      ps.setString(11, f.mlflowRunId());
      ps.setObject(12, timestamp(f.createdAt()), Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setString(13, optionsJson(f.options()));
      ps.setString(14, f.featureGroup());
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw PgDatabase.error("inserting feature '" + f.reference() + "'", e);
    }
  }

  @Override
  public void updateFeature(Feature f) {
    String sql =
        "UPDATE features SET description = ?, owner = ?, tags = ?::jsonb, statistics = ?::jsonb,"
            + " mlflow_run_id = ?, options = ?::jsonb, updated_at = now() WHERE id = ?";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, f.description());
      ps.setString(2, f.owner());
      ps.setString(3, PgJson.write(f.tags()));
      ps.setString(4, PgJson.write(f.statistics()));
      ps.setString(5, f.mlflowRunId());
      ps.setString(6, optionsJson(f.options()));
      ps.setObject(7, f.id());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw PgDatabase.error("updating feature '" + f.reference() + "'", e);
    }
  }

  @Override
  public void saveTrainingSet(String name, String definitionJson) {
    String sql =
        "INSERT INTO training_sets (name, definition, groups) VALUES (?, ?::jsonb, ?)"
            + " ON CONFLICT (name) DO UPDATE SET definition = EXCLUDED.definition,"
            + " groups = EXCLUDED.groups, updated_at = now()";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      ps.setString(2, definitionJson);
      ps.setArray(3, c.createArrayOf("text", TrainingSets.groups(definitionJson).toArray()));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw PgDatabase.error("saving training set '" + name + "'", e);
    }
  }

  @Override
  public Map<String, String> loadTrainingSets() {
    String sql = "SELECT name, definition::text FROM training_sets ORDER BY name";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      Map<String, String> out = new LinkedHashMap<>();
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
      return out;
    } catch (SQLException e) {
      throw PgDatabase.error("loading training sets", e);
    }
  }

  /**
   * In code point order ({@code COLLATE "C"}), as the embedded store and {@link String#compareTo}
   * order names, whatever the database's default collation.
   */
  @Override
  public List<String> loadTrainingSets(int offset, int limit) {
    return page(offset, limit, null);
  }

  @Override
  public int countTrainingSets() {
    return count(null);
  }

  /**
   * A set is kept when its groups are contained in the key's ({@code <@}, which the GIN index on
   * {@code groups} serves), in code point order as {@link #loadTrainingSets(int, int)}.
   */
  @Override
  public List<String> loadTrainingSets(int offset, int limit, java.util.Set<String> groups) {
    return page(offset, limit, groups);
  }

  @Override
  public int countTrainingSets(java.util.Set<String> groups) {
    return count(groups);
  }

  /** A page of definitions, of the sets whose groups are all in {@code groups} unless null. */
  private List<String> page(int offset, int limit, java.util.@Nullable Set<String> groups) {
    String sql =
        "SELECT definition::text FROM training_sets"
            + (groups == null ? "" : " WHERE groups <@ ?")
            + " ORDER BY name COLLATE \"C\" LIMIT ? OFFSET ?";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      if (groups != null) {
        ps.setArray(i++, c.createArrayOf("text", groups.toArray()));
      }
      ps.setLong(i++, limit);
      ps.setLong(i, offset);
      List<String> page = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          page.add(rs.getString(1));
        }
      }
      return page;
    } catch (SQLException e) {
      throw PgDatabase.error("loading training sets", e);
    }
  }

  /** How many sets there are, of those whose groups are all in {@code groups} unless null. */
  private int count(java.util.@Nullable Set<String> groups) {
    String sql =
        "SELECT count(*) FROM training_sets" + (groups == null ? "" : " WHERE groups <@ ?");
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (groups != null) {
        ps.setArray(1, c.createArrayOf("text", groups.toArray()));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw PgDatabase.error("counting training sets", e);
    }
  }

  @Override
  public @Nullable String loadTrainingSet(String name) {
    String sql = "SELECT definition::text FROM training_sets WHERE name = ?";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw PgDatabase.error("loading training set '" + name + "'", e);
    }
  }

  @Override
  public void replaceLineageInto(String node, List<LineageGraph.Edge> edges) {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement del =
            c.prepareStatement("DELETE FROM lineage_edges WHERE to_node = ?")) {
          del.setString(1, node);
          del.executeUpdate();
        }
        insertEdges(c, edges);
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw PgDatabase.error("saving the lineage of '" + node + "'", e);
    }
  }

  @Override
  public void addLineageEdge(LineageGraph.Edge edge) {
    try (Connection c = db.connection()) {
      insertEdges(c, List.of(edge));
    } catch (SQLException e) {
      throw PgDatabase.error("saving a lineage edge", e);
    }
  }

  private static void insertEdges(Connection c, List<LineageGraph.Edge> edges) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO lineage_edges (from_node, to_node, kind) VALUES (?, ?, ?)"
                + " ON CONFLICT DO NOTHING")) {
      for (LineageGraph.Edge e : edges) {
        ps.setString(1, e.from());
        ps.setString(2, e.to());
        ps.setString(3, e.kind());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  @Override
  public List<LineageGraph.Edge> lineageEdges(
      java.util.Collection<String> nodes, boolean downstream) {
    if (nodes.isEmpty()) {
      return List.of();
    }
    String sql =
        "SELECT from_node, to_node, kind FROM lineage_edges WHERE "
            + (downstream ? "from_node" : "to_node")
            + " = ANY (?) ORDER BY from_node, to_node";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("text", nodes.toArray()));
      List<LineageGraph.Edge> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new LineageGraph.Edge(rs.getString(1), rs.getString(2), rs.getString(3)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw PgDatabase.error("reading lineage", e);
    }
  }

  @Override
  public io.e2i.featurestore.spi.SecurityStore securityStore() {
    return new PgSecurityStore(db);
  }

  @Override
  public void close() {
    db.close();
  }

  static @Nullable OffsetDateTime timestamp(@Nullable Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** {@link #instant} of a NOT NULL column. */
  static Instant requiredInstant(ResultSet rs, int column) throws SQLException {
    return Objects.requireNonNull(instant(rs, column), "NULL in a NOT NULL timestamp column");
  }
}
