package io.e2i.featurestore.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.LineageGraph;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.Registry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Feature groups and feature versions in the embedded DuckDB file. */
public final class DuckDbRegistry implements Registry {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final DuckDbDatabase db;
  private boolean closed;

  DuckDbRegistry(DuckDbDatabase db) {
    this.db = db.retain();
  }

  @Override
  public List<FeatureGroup> loadGroups() {
    return call(
        "load feature groups",
        () ->
            db.read(
                c -> {
                  List<FeatureGroup> groups = new ArrayList<>();
                  try (PreparedStatement ps =
                          c.prepareStatement(
                              "SELECT name, description, owner, tags, source_table,"
                                  + " expected_update_frequency_hours, max_age_hours,"
                                  + " mlflow_experiment_name, mlflow_experiment_id,"
                                  + " epoch_us(created_at), options FROM feature_groups ORDER BY name");
                      ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      groups.add(
                          new FeatureGroup(
                                  rs.getString(1),
                                  rs.getString(2),
                                  rs.getString(3),
                                  stringList(rs.getString(4)),
                                  rs.getString(5),
                                  (Integer) rs.getObject(6),
                                  (Integer) rs.getObject(7),
                                  rs.getString(8),
                                  rs.getString(9),
                                  instant(rs, 10))
                              .withOptions(statistics(rs.getString(11))));
                    }
                  }
                  return groups;
                }));
  }

  @Override
  public List<Feature> loadFeatures() {
    return call(
        "load features",
        () ->
            db.read(
                c -> {
                  List<Feature> features = new ArrayList<>();
                  try (PreparedStatement ps =
                          c.prepareStatement(
                              "SELECT CAST(id AS VARCHAR), feature_group, name, version,"
                                  + " value_type, entity_keys, description, owner, tags,"
                                  + " computation_query, statistics, mlflow_run_id,"
                                  + " epoch_us(created_at), options FROM features"
                                  + " ORDER BY feature_group, name, version");
                      ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      features.add(
                          new Feature(
                                  UUID.fromString(rs.getString(1)),
                                  rs.getString(2),
                                  rs.getString(3),
                                  rs.getInt(4),
                                  ValueType.parse(rs.getString(5)),
                                  stringList(rs.getString(6)),
                                  rs.getString(7),
                                  rs.getString(8),
                                  stringList(rs.getString(9)),
                                  rs.getString(10),
                                  statistics(rs.getString(11)),
                                  rs.getString(12),
                                  Objects.requireNonNull(instant(rs, 13), "created_at"))
                              .withOptions(statistics(rs.getString(14))));
                    }
                  }
                  return features;
                }));
  }

  @Override
  public boolean insertGroup(FeatureGroup g) {
    return call(
        "insert feature group '" + g.name() + "'",
        () ->
            db.write(
                c -> {
                  if (exists(c, "SELECT 1 FROM feature_groups WHERE name = ?", g.name())) {
                    return false;
                  }
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO feature_groups (description, owner, tags, source_table,"
                              + " expected_update_frequency_hours, max_age_hours,"
                              + " mlflow_experiment_name, mlflow_experiment_id, created_at, options,"
                              + " name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, make_timestamp(?), ?, ?)")) {
                    bindGroup(ps, g);
                    ps.executeUpdate();
                  }
                  return true;
                }));
  }

  @Override
  public void updateGroup(FeatureGroup g) {
    call(
        "update feature group '" + g.name() + "'",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "UPDATE feature_groups SET description = ?, owner = ?, tags = ?,"
                              + " source_table = ?, expected_update_frequency_hours = ?,"
                              + " max_age_hours = ?, mlflow_experiment_name = ?,"
                              + " mlflow_experiment_id = ?, created_at = make_timestamp(?),"
                              + " options = ? WHERE name = ?")) {
                    bindGroup(ps, g);
                    if (ps.executeUpdate() != 1) {
                      throw FeatureStoreException.notFound(
                          "feature group '" + g.name() + "' not found");
                    }
                  }
                  return DuckDbDatabase.NO_RESULT;
                }));
  }

  private static void bindGroup(PreparedStatement ps, FeatureGroup g) throws SQLException {
    ps.setString(1, g.description());
    ps.setString(2, g.owner());
    ps.setString(3, json(g.tags()));
    ps.setString(4, g.sourceTable());
    setInt(ps, 5, g.expectedUpdateFrequencyHours());
    setInt(ps, 6, g.maxAgeHours());
    ps.setString(7, g.mlflowExperimentName());
    ps.setString(8, g.mlflowExperimentId());
    setMicros(ps, 9, g.createdAt());
    ps.setString(10, options(g.options()));
    ps.setString(11, g.name());
  }

  @Override
  public boolean insertFeature(Feature f) {
    return call(
        "insert feature '" + f.reference() + "'",
        () ->
            db.write(
                c -> {
                  if (exists(
                      c,
                      "SELECT 1 FROM features WHERE feature_group = ? AND name = ? AND version = ?",
                      f.featureGroup(),
                      f.name(),
                      f.version())) {
                    return false;
                  }
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO features (feature_group, name, version, value_type,"
                              + " entity_keys, description, owner, tags, computation_query,"
                              + " statistics, mlflow_run_id, created_at, options, id) VALUES"
                              + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, make_timestamp(?), ?,"
                              + " CAST(? AS UUID))")) {
                    bindFeature(ps, f);
                    ps.executeUpdate();
                  }
                  return true;
                }));
  }

  @Override
  public void updateFeature(Feature f) {
    call(
        "update feature '" + f.reference() + "'",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "UPDATE features SET feature_group = ?, name = ?, version = ?,"
                              + " value_type = ?, entity_keys = ?, description = ?, owner = ?,"
                              + " tags = ?, computation_query = ?, statistics = ?,"
                              + " mlflow_run_id = ?, created_at = make_timestamp(?), options = ?"
                              + " WHERE id = CAST(? AS UUID)")) {
                    bindFeature(ps, f);
                    if (ps.executeUpdate() != 1) {
                      throw FeatureStoreException.notFound(
                          "feature '" + f.reference() + "' (id " + f.id() + ") not found");
                    }
                  }
                  return DuckDbDatabase.NO_RESULT;
                }));
  }

  private static void bindFeature(PreparedStatement ps, Feature f) throws SQLException {
    ps.setString(1, f.featureGroup());
    ps.setString(2, f.name());
    ps.setInt(3, f.version());
    ps.setString(4, f.valueType().wireName());
    ps.setString(5, json(f.entityKeys()));
    ps.setString(6, f.description());
    ps.setString(7, f.owner());
    ps.setString(8, json(f.tags()));
    ps.setString(9, f.computationQuery());
    ps.setString(10, f.statistics().isEmpty() ? null : json(f.statistics()));
    ps.setString(11, f.mlflowRunId());
    setMicros(ps, 12, f.createdAt());
    ps.setString(13, options(f.options()));
    ps.setString(14, f.id().toString());
  }

  @Override
  public void saveTrainingSet(String name, String definitionJson) {
    call(
        "save training set '" + name + "'",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT OR REPLACE INTO training_sets (name, definition, groups)"
                              + " VALUES (?, ?, ?)")) {
                    ps.setString(1, name);
                    ps.setString(2, definitionJson);
                    ps.setArray(3, Schema.groupsArray(c, definitionJson));
                    ps.executeUpdate();
                  }
                  return DuckDbDatabase.NO_RESULT;
                }));
  }

  @Override
  public Map<String, String> loadTrainingSets() {
    return call(
        "load training sets",
        () ->
            db.read(
                c -> {
                  Map<String, String> sets = new LinkedHashMap<>();
                  try (PreparedStatement ps =
                          c.prepareStatement(
                              "SELECT name, definition FROM training_sets ORDER BY name");
                      ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      sets.put(rs.getString(1), rs.getString(2));
                    }
                  }
                  return sets;
                }));
  }

  @Override
  public List<String> loadTrainingSets(int offset, int limit) {
    return page(offset, limit, null);
  }

  @Override
  public int countTrainingSets() {
    return count(null);
  }

  /** A set is kept when the key's groups hold all of its own ({@code list_has_all}). */
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
    // DuckDB orders VARCHAR by byte (the default collation), i.e. by code point.
    String sql =
        "SELECT definition FROM training_sets"
            + (groups == null ? "" : " WHERE list_has_all(?, groups)")
            + " ORDER BY name LIMIT ? OFFSET ?";
    return call(
        "load training sets",
        () ->
            db.read(
                c -> {
                  List<String> page = new ArrayList<>();
                  try (PreparedStatement ps = c.prepareStatement(sql)) {
                    int i = 1;
                    if (groups != null) {
                      ps.setArray(i++, c.createArrayOf("VARCHAR", groups.toArray()));
                    }
                    ps.setLong(i++, limit);
                    ps.setLong(i, offset);
                    try (ResultSet rs = ps.executeQuery()) {
                      while (rs.next()) {
                        page.add(rs.getString(1));
                      }
                    }
                  }
                  return page;
                }));
  }

  /** How many sets there are, of those whose groups are all in {@code groups} unless null. */
  private int count(java.util.@Nullable Set<String> groups) {
    String sql =
        "SELECT count(*) FROM training_sets"
            + (groups == null ? "" : " WHERE list_has_all(?, groups)");
    return call(
        "count training sets",
        () ->
            db.read(
                c -> {
                  try (PreparedStatement ps = c.prepareStatement(sql)) {
                    if (groups != null) {
                      ps.setArray(1, c.createArrayOf("VARCHAR", groups.toArray()));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                      rs.next();
                      return rs.getInt(1);
                    }
                  }
                }));
  }

  @Override
  public @Nullable String loadTrainingSet(String name) {
    java.util.Optional<String> found =
        call(
            "load training set '" + name + "'",
            () ->
                db.read(
                    c -> {
                      try (PreparedStatement ps =
                          c.prepareStatement(
                              "SELECT definition FROM training_sets WHERE name = ?")) {
                        ps.setString(1, name);
                        try (ResultSet rs = ps.executeQuery()) {
                          return rs.next()
                              ? java.util.Optional.of(rs.getString(1))
                              : java.util.Optional.<String>empty();
                        }
                      }
                    }));
    return found.orElse(null);
  }

  @Override
  public void replaceLineageInto(String node, List<LineageGraph.Edge> edges) {
    call(
        "save lineage of '" + node + "'",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement del =
                      c.prepareStatement("DELETE FROM lineage_edges WHERE to_node = ?")) {
                    del.setString(1, node);
                    del.executeUpdate();
                  }
                  insertEdges(c, edges);
                  return DuckDbDatabase.NO_RESULT;
                }));
  }

  @Override
  public void addLineageEdge(LineageGraph.Edge edge) {
    call(
        "save lineage edge",
        () ->
            db.write(
                c -> {
                  insertEdges(c, List.of(edge));
                  return DuckDbDatabase.NO_RESULT;
                }));
  }

  private static void insertEdges(java.sql.Connection c, List<LineageGraph.Edge> edges)
      throws java.sql.SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT OR IGNORE INTO lineage_edges (from_node, to_node, kind) VALUES (?, ?, ?)")) {
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
    String column = downstream ? "from_node" : "to_node";
    return call(
        "read lineage",
        () ->
            db.read(
                c -> {
                  List<LineageGraph.Edge> edges = new java.util.ArrayList<>();
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "SELECT from_node, to_node, kind FROM lineage_edges WHERE "
                              + column
                              + " IN (SELECT unnest(?)) ORDER BY from_node, to_node")) {
                    ps.setArray(1, c.createArrayOf("VARCHAR", nodes.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                      while (rs.next()) {
                        edges.add(
                            new LineageGraph.Edge(
                                rs.getString(1), rs.getString(2), rs.getString(3)));
                      }
                    }
                  }
                  return edges;
                }));
  }

  @Override
  public io.e2i.featurestore.spi.SecurityStore securityStore() {
    return new DuckDbSecurityStore(db);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      db.release();
    }
  }

  @Override
  public String toString() {
    return "DuckDbRegistry[" + db.file() + "]";
  }

  // ---------------------------------------------------------------- helpers

  private static <T> T call(String what, DuckDbDatabase.SqlCall<T> call) {
    return DuckDbDatabase.call("embedded registry: " + what, call);
  }

  private static boolean exists(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void setInt(PreparedStatement ps, int index, @Nullable Integer value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setInt(index, value);
    }
  }

  private static void setMicros(PreparedStatement ps, int index, @Nullable Instant value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, DuckDbDatabase.micros(value));
    }
  }

  private static @Nullable Instant instant(ResultSet rs, int index) throws SQLException {
    long micros = rs.getLong(index);
    return rs.wasNull() ? null : DuckDbDatabase.instant(micros);
  }

  private static String json(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot store as JSON: " + value, e);
    }
  }

  private static @Nullable String options(Map<String, Object> options) {
    return options.isEmpty() ? null : json(options);
  }

  private static List<String> stringList(@Nullable String json) {
    if (json == null) {
      return List.of();
    }
    List<String> list = new ArrayList<>();
    readTree(json).forEach(n -> list.add(n.asText()));
    return list;
  }

  /** Statistics maps as they were stored: integral numbers come back as Long, as they went in. */
  private static Map<String, Object> statistics(@Nullable String json) {
    if (json == null) {
      return Map.of();
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) plain(readTree(json));
    return map == null ? Map.of() : map; // JSON null: as Feature would normalize it
  }

  private static @Nullable Object plain(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.properties()
          .forEach(
              e -> {
                if (!e.getValue().isNull()) {
                  map.put(e.getKey(), plain(e.getValue()));
                }
              });
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(plain(n)));
      return list;
    }
    if (node.isNull()) {
      return null;
    }
    if (node.isIntegralNumber()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.asText();
  }

  private static JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt JSON in the embedded registry: " + json, e);
    }
  }
}
