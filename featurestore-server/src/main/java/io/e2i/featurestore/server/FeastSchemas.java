package io.e2i.featurestore.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI schemas of Feast's write routes ({@link FeastWriteApi}): exactly the fields of
 * Feast's WriteToFeatureStoreRequest and PushFeaturesRequest, each as the server checks it. That
 * the frame's columns are equally long and name the group's features and entity keys depends on
 * what is stored, which no schema says (see .ci/schemathesis.toml).
 */
final class FeastSchemas {
  private FeastSchemas() {}

  static Map<String, Map<String, Object>> schemas() {
    Map<String, Map<String, Object>> s = new LinkedHashMap<>();
    s.put(
        "FeastWriteRequest",
        strict(
            List.of("feature_view_name", "df"),
            "feature_view_name",
            withDescription(name(), "the feature group to write"),
            "df",
            frame(),
            "allow_registry_cache",
            flag("accepted for Feast's clients; the registry is always read as stored"),
            "transform_on_write",
            flag("accepted for Feast's clients; nothing is transformed on write")));
    s.put(
        "FeastPushRequest",
        strict(
            List.of("push_source_name", "df"),
            "push_source_name",
            withDescription(name(), "the feature group to write (push sources are groups)"),
            "df",
            frame(),
            "allow_registry_cache",
            flag("accepted for Feast's clients; the registry is always read as stored"),
            "to",
            Map.of(
                "type",
                List.of("string", "null"),
                "enum",
                java.util.Arrays.asList(
                    FeastWriteApi.PUSH_MODES.get(0),
                    FeastWriteApi.PUSH_MODES.get(1),
                    FeastWriteApi.PUSH_MODES.get(2),
                    null),
                "default",
                "online",
                "description",
                "every mode writes through the same path: committed to the offline store, the"
                    + " online cache invalidated"),
            "transform_on_write",
            flag("accepted for Feast's clients; nothing is transformed on write")));
    return s;
  }

  /** Feast's column-oriented frame: column names to equally long lists of cells. */
  private static Map<String, Object> frame() {
    Map<String, Object> cell =
        Map.of(
            "anyOf",
            List.of(
                t("string"),
                t("number"),
                t("boolean"),
                t("null"),
                Map.of(
                    "type",
                    "array",
                    "items",
                    Map.of("anyOf", List.of(t("string"), t("number"), t("boolean"))))));
    return Map.of(
        "type",
        "object",
        "minProperties",
        1,
        "propertyNames",
        name(),
        "additionalProperties",
        Map.of("type", "array", "items", cell),
        "description",
        "columns: entity keys, features of the group, 'event_timestamp' (required: ISO-8601,"
            + " naive is UTC, or epoch seconds) and 'created' (ignored: the ingestion time is"
            + " recorded); each an equally long list of cells");
  }

  private static Map<String, Object> flag(String description) {
    return Map.of("type", List.of("boolean", "null"), "default", true, "description", description);
  }

  private static Map<String, Object> strict(List<String> required, Object... props) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    s.put("required", required);
    Map<String, Object> p = new LinkedHashMap<>();
    for (int i = 0; i < props.length; i += 2) {
      p.put((String) props[i], props[i + 1]);
    }
    s.put("properties", p);
    s.put("additionalProperties", false);
    return s;
  }

  private static Map<String, Object> name() {
    return Map.of("type", "string", "pattern", Wire.NAME_PATTERN, "maxLength", 255);
  }

  private static Map<String, Object> t(String type) {
    return Map.of("type", type);
  }

  private static Map<String, Object> withDescription(Map<String, Object> schema, String text) {
    Map<String, Object> m = new LinkedHashMap<>(schema);
    m.put("description", text);
    return m;
  }
}
