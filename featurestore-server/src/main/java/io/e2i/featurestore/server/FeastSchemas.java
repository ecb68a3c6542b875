package io.e2i.featurestore.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI schemas of Feast's write and materialize routes ({@link FeastWriteApi}, {@link
 * FeastMaterializeApi}): exactly the fields of Feast's WriteToFeatureStoreRequest,
 * PushFeaturesRequest, MaterializeRequest and MaterializeIncrementalRequest, each as the server
 * checks it. That the frame's columns are equally long and name the group's features and entity
 * keys, and that start_ts precedes end_ts, no schema says (see .ci/schemathesis.toml).
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
    Map<String, Object> ts =
        Map.of(
            "type",
            List.of("string", "null"),
            "description",
            "ISO-8601; naive means UTC, as in Feast");
    Map<String, Object> views =
        Map.of(
            "type",
            List.of("array", "null"),
            "items",
            name(),
            "minItems",
            1,
            "description",
            "feature groups to materialize; absent: every group with a computation_query");
    Map<String, Object> noVersion =
        Map.of(
            "type",
            "null",
            "description",
            "Feast's feature view version: groups have none, so only null is accepted");
    Map<String, Object> materialize =
        strict(
            List.of(),
            "start_ts",
            ts,
            "end_ts",
            ts,
            "feature_views",
            views,
            "disable_event_timestamp",
            Map.of(
                "type",
                List.of("boolean", "null"),
                "default",
                false,
                "description",
                "true: from the epoch to now, start_ts and end_ts ignored"),
            "full_feature_names",
            flag(false, "accepted for Feast's clients; no effect on a materialization"),
            "version",
            noVersion);
    materialize.put(
        "anyOf",
        List.of(
            Map.of(
                "required",
                List.of("start_ts", "end_ts"),
                "properties",
                Map.of("start_ts", t("string"), "end_ts", t("string"))),
            Map.of(
                "required",
                List.of("disable_event_timestamp"),
                "properties",
                Map.of("disable_event_timestamp", Map.of("const", true)))));
    s.put("FeastMaterializeRequest", materialize);
    s.put(
        "FeastMaterializeIncrementalRequest",
        strict(
            List.of("end_ts"),
            "end_ts",
            Map.of("type", "string", "description", "ISO-8601; naive means UTC, as in Feast"),
            "feature_views",
            views,
            "full_feature_names",
            flag(false, "accepted for Feast's clients; no effect on a materialization"),
            "version",
            noVersion));
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("type", "object");
    run.put(
        "required",
        List.of("id", "feature_group", "status", "kind", "window_end", "rows", "duration_ms"));
    run.put(
        "properties",
        Map.of(
            "id", t("string"),
            "feature_group", t("string"),
            "status", Map.of("type", "string", "enum", List.of("succeeded", "failed")),
            "kind", Map.of("type", "string", "enum", List.of("incremental", "backfill")),
            "window_start", Map.of("type", List.of("string", "null"), "format", "date-time"),
            "window_end", Map.of("type", "string", "format", "date-time"),
            "rows", t("integer"),
            "duration_ms", t("integer"),
            "error", Map.of("type", List.of("string", "null"))));
    Map<String, Object> done = new LinkedHashMap<>();
    done.put("type", "object");
    done.put("required", List.of("status", "feature_views", "runs"));
    done.put(
        "properties",
        Map.of(
            "status", t("string"),
            "feature_views", Map.of("type", "array", "items", t("string")),
            "runs", Map.of("type", "array", "items", run)));
    s.put("FeastMaterialized", done);
    return s;
  }

  /** Feast's query parameters of its materialize routes ({@code ?async=true&force=true}). */
  static List<Map<String, Object>> queryParameters(String operationId) {
    if (!operationId.startsWith("feast_materialize")) {
      return List.of();
    }
    return List.of(
        query("async", "Feast's run_async: accepted; the runs are synchronous all the same"),
        query("force", "Feast's force: accepted; a group's run holds a lock (409 while held)"));
  }

  private static Map<String, Object> query(String name, String description) {
    return Map.of(
        "name",
        name,
        "in",
        "query",
        "required",
        false,
        "description",
        description,
        "schema",
        Map.of("type", "string", "enum", List.of("true", "false")));
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
    return flag(true, description);
  }

  private static Map<String, Object> flag(boolean dflt, String description) {
    return Map.of("type", List.of("boolean", "null"), "default", dflt, "description", description);
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
