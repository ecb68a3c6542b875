package io.e2i.featurestore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.spi.PitQuery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** JSON form of saved training set definitions (stored by registries as text). */
public final class TrainingSets {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TrainingSets() {}

  public static String toJson(TrainingSetDefinition d) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("name", d.name());
    ArrayNode refs = root.putArray("features");
    d.featureRefs().forEach(refs::add);
    root.put("as_of", d.asOf() == null ? null : d.asOf().toString());
    root.put("created_at", d.createdAt() == null ? null : d.createdAt().toString());
    ObjectNode spine = root.putObject("spine");
    spine.put("timestamp_column", d.spine().timestampColumn());
    switch (d.spine()) {
      case PitQuery.Spine.Sql sql -> spine.put("sql", sql.query());
      case PitQuery.Spine.File file -> spine.put("file", file.path().toAbsolutePath().toString());
      case PitQuery.Spine.Rows rows -> {
        ArrayNode columns = spine.putArray("columns");
        rows.columns().forEach(columns::add);
        ArrayNode data = spine.putArray("rows");
        for (Object[] row : rows.rows()) {
          ArrayNode r = data.addArray();
          for (Object v : row) {
            r.add(MAPPER.valueToTree(v instanceof Instant i ? i.toString() : v));
          }
        }
      }
    }
    return root.toString();
  }

  public static TrainingSetDefinition fromJson(String json) {
    try {
      JsonNode root = MAPPER.readTree(json);
      JsonNode spineNode = root.get("spine");
      String ts = spineNode.get("timestamp_column").asText();
      PitQuery.Spine spine;
      if (spineNode.has("sql")) {
        spine = new PitQuery.Spine.Sql(spineNode.get("sql").asText(), ts);
      } else if (spineNode.has("file")) {
        spine = new PitQuery.Spine.File(Path.of(spineNode.get("file").asText()), ts);
      } else {
        List<String> columns = new ArrayList<>();
        spineNode.get("columns").forEach(c -> columns.add(c.asText()));
        List<Object[]> rows = new ArrayList<>();
        for (JsonNode r : spineNode.get("rows")) {
          Object[] row = new Object[r.size()];
          for (int i = 0; i < row.length; i++) {
            row[i] = ValueCodec.toJava(r.get(i));
          }
          rows.add(row);
        }
        spine = new PitQuery.Spine.Rows(columns, ts, rows);
      }
      List<String> refs = new ArrayList<>();
      root.get("features").forEach(f -> refs.add(f.asText()));
      return new TrainingSetDefinition(
          root.get("name").asText(),
          spine,
          refs,
          Objects.requireNonNull(instant(root.get("as_of")), "as_of"),
          Objects.requireNonNull(instant(root.get("created_at")), "created_at"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The feature groups a definition reads, sorted and distinct: what registries store beside it so
   * a key restricted to some groups is served the sets it may see by the registry's own filter. A
   * reference without a group (saved sets pin {@code group:name@v}, so only a definition written by
   * hand) and a definition that is not JSON count as the group {@code ""}, which no key names: only
   * an unrestricted key sees them. A definition without {@code features} reads no group.
   * PostgreSQL's migration V10 derives the same from stored definitions.
   */
  public static List<String> groups(String definitionJson) {
    JsonNode features;
    try {
      features = MAPPER.readTree(definitionJson).path("features");
    } catch (IOException e) {
      return List.of("");
    }
    java.util.SortedSet<String> groups = new java.util.TreeSet<>();
    features.forEach(
        f -> {
          String ref = f.asText();
          int colon = ref.indexOf(':');
          groups.add(colon < 0 ? "" : ref.substring(0, colon));
        });
    return List.copyOf(groups);
  }

  private static @Nullable Instant instant(JsonNode node) {
    return node == null || node.isNull() ? null : Instant.parse(node.asText());
  }
}
