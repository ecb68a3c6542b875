package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.DriftThresholds;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValidationMode;
import io.e2i.featurestore.ValueType;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A YAML file of feature groups and their features, the input of {@code apply}. Parsed whole and
 * strictly (unknown keys are errors, to catch typos) before anything is written.
 *
 * <pre>
 * groups:
 *   - name: hcp_demographics
 *     expected_update_frequency_hours: 168
 *     features:
 *       - name: specialty
 *         value_type: string
 *         entity_keys: [hcp_id]
 * </pre>
 */
record FeatureFile(List<Entry> groups) {

  /** A group and the features declared under it. */
  record Entry(FeatureGroup group, List<FeatureSpec> features) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> GROUP_KEYS =
      Set.of(
          "name",
          "description",
          "owner",
          "tags",
          "source_table",
          "expected_update_frequency_hours",
          "max_age_hours",
          "validation",
          "schedule",
          "retention_days",
          "mlflow_experiment_name",
          "features");
  private static final Set<String> FEATURE_KEYS =
      Set.of(
          "name",
          "value_type",
          "entity_keys",
          "description",
          "owner",
          "tags",
          "computation_query",
          "expression",
          "constraints",
          "validation",
          "drift_thresholds");

  static FeatureFile parse(String source, InputStream in) {
    JsonNode root;
    try {
      root = YAML.readTree(in);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw FeatureStoreException.invalid(
          source + " is not valid YAML: " + Main.oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw FeatureStoreException.invalid("cannot read " + source + ": " + e.getMessage());
    }
    if (root == null || !root.isObject() || !root.has("groups")) {
      throw FeatureStoreException.invalid(source + " must be a mapping with a 'groups' list");
    }
    checkKeys(source, root, Set.of("groups"));
    JsonNode groups = root.get("groups");
    if (!groups.isArray()) {
      throw FeatureStoreException.invalid(source + ": 'groups' must be a list");
    }
    List<Entry> entries = new ArrayList<>();
    Set<String> seenGroups = new HashSet<>();
    for (int i = 0; i < groups.size(); i++) {
      JsonNode g = groups.get(i);
      String where = source + ": groups[" + i + "]";
      if (!g.isObject()) {
        throw FeatureStoreException.invalid(where + " must be a mapping");
      }
      String name = text(where, g, "name");
      if (name == null) {
        throw FeatureStoreException.invalid(where + " has no name");
      }
      where = source + ": group '" + name + "'";
      checkKeys(where, g, GROUP_KEYS);
      if (!seenGroups.add(name)) {
        throw FeatureStoreException.invalid(where + " is declared twice");
      }
      FeatureGroup group =
          withContext(
              where,
              () ->
                  FeatureGroup.builder(name)
                      .description(text(source, g, "description"))
                      .owner(text(source, g, "owner"))
                      .tags(strings(source + ": group '" + name + "'", g, "tags"))
                      .sourceTable(text(source, g, "source_table"))
                      .expectedUpdateFrequencyHours(
                          integer(source, g, "expected_update_frequency_hours"))
                      .maxAgeHours(integer(source, g, "max_age_hours"))
                      .validation(validation(source, g))
                      .schedule(text(source, g, "schedule"))
                      .retentionDays(integer(source, g, "retention_days"))
                      .mlflowExperimentName(text(source, g, "mlflow_experiment_name"))
                      .build());
      entries.add(new Entry(group, features(where, name, g.get("features"))));
    }
    return new FeatureFile(List.copyOf(entries));
  }

  private static List<FeatureSpec> features(String where, String group, JsonNode list) {
    if (list == null || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw FeatureStoreException.invalid(where + ": 'features' must be a list");
    }
    List<FeatureSpec> specs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode f = list.get(i);
      String fwhere = where + " features[" + i + "]";
      if (!f.isObject()) {
        throw FeatureStoreException.invalid(fwhere + " must be a mapping");
      }
      String name = text(fwhere, f, "name");
      if (name == null) {
        throw FeatureStoreException.invalid(fwhere + " has no name");
      }
      String w = where + " feature '" + name + "'";
      checkKeys(w, f, FEATURE_KEYS);
      if (!seen.add(name)) {
        throw FeatureStoreException.invalid(w + " is declared twice");
      }
      specs.add(
          withContext(
              w,
              () ->
                  FeatureSpec.builder(group, name)
                      // a missing value_type parses as blank: "value_type is required"
                      .valueType(
                          ValueType.parse(Objects.requireNonNullElse(text(w, f, "value_type"), "")))
                      .entityKeys(strings(w, f, "entity_keys"))
                      .description(text(w, f, "description"))
                      .owner(text(w, f, "owner"))
                      .tags(strings(w, f, "tags"))
                      .computationQuery(text(w, f, "computation_query"))
                      .expression(text(w, f, "expression"))
                      .constraints(
                          object(w, f, "constraints") instanceof Map<String, Object> c
                              ? Constraints.fromMap(c)
                              : null)
                      .validation(validation(w, f))
                      .driftThresholds(
                          object(w, f, "drift_thresholds") instanceof Map<String, Object> d
                              ? DriftThresholds.fromMap(d)
                              : null)
                      .build()));
    }
    return List.copyOf(specs);
  }

  private static <T> T withContext(String where, java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (FeatureStoreException e) {
      if (Objects.requireNonNull(e.getMessage()).startsWith(where)) {
        throw e;
      }
      throw new FeatureStoreException(e.code(), where + ": " + e.getMessage(), e);
    }
  }

  private static void checkKeys(String where, JsonNode node, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw FeatureStoreException.invalid(
            where + ": unknown key '" + key + "'; expected one of " + sorted(allowed));
      }
    }
  }

  private static List<String> sorted(Set<String> keys) {
    return keys.stream().sorted().toList();
  }

  private static @Nullable String text(String where, JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw FeatureStoreException.invalid(where + ": '" + key + "' must be a single value");
    }
    return v.asText();
  }

  private static @Nullable ValidationMode validation(String where, JsonNode node) {
    String mode = text(where, node, "validation");
    return mode == null ? null : ValidationMode.parse(mode);
  }

  /** A nested mapping (constraints, drift_thresholds) as plain values, or null when absent. */
  @SuppressWarnings("unchecked")
  private static @Nullable Map<String, Object> object(String where, JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      throw FeatureStoreException.invalid(where + ": '" + key + "' must be a mapping");
    }
    return YAML.convertValue(v, Map.class);
  }

  private static @Nullable Integer integer(String where, JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw FeatureStoreException.invalid(
          where + ": '" + key + "' must be a whole number, got " + v);
    }
    return v.intValue();
  }

  private static List<String> strings(String where, JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (v.isTextual()) {
      return List.of(v.textValue());
    }
    if (!v.isArray()) {
      throw FeatureStoreException.invalid(where + ": '" + key + "' must be a list of names");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isValueNode() || e.isNull()) {
        throw FeatureStoreException.invalid(where + ": '" + key + "' must be a list of names");
      }
      out.add(e.asText());
    }
    return out;
  }
}
