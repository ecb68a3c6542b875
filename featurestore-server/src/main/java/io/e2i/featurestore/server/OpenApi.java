package io.e2i.featurestore.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the OpenAPI 3.0 document from the endpoint table the server registers, so the two cannot
 * drift apart; the schemas spell out the snake_case JSON of each body.
 */
final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");

  private OpenApi() {}

  static Map<String, Object> document(List<Endpoint> endpoints, String version) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.3");
    doc.put(
        "info",
        Map.of(
            "title",
            "E2I Feature Store",
            "version",
            version,
            "description",
            "Feature registry, offline/online feature values, freshness and a"
                + " Feast-compatible online endpoint. Errors are"
                + " {\"error\": {\"code\", \"message\"}}; timestamps are ISO-8601 with an"
                + " offset."));
    Map<String, Map<String, Object>> paths = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      paths
          .computeIfAbsent(e.path(), p -> new LinkedHashMap<>())
          .put(e.method().toLowerCase(java.util.Locale.ROOT), operation(e));
    }
    doc.put("paths", paths);
    doc.put("components", Map.of("schemas", schemas()));
    return doc;
  }

  private static Map<String, Object> operation(Endpoint e) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", e.operationId());
    op.put("summary", e.summary());
    List<Map<String, Object>> params = new ArrayList<>();
    Matcher m = PARAM.matcher(e.path());
    while (m.find()) {
      params.add(
          Map.of(
              "name",
              m.group(1),
              "in",
              "path",
              "required",
              true,
              "schema",
              Map.of("type", "string")));
    }
    if (e.operationId().equals("get_feature")) {
      params.add(
          Map.of(
              "name",
              "version",
              "in",
              "query",
              "required",
              false,
              "schema",
              Map.of("type", "integer", "minimum", 1)));
    }
    if (e.operationId().equals("rerun_training_set")) {
      params.add(
          Map.of(
              "name",
              "format",
              "in",
              "query",
              "required",
              false,
              "schema",
              Map.of("type", "string", "enum", List.of("json", "csv", "parquet"))));
    }
    if (!params.isEmpty()) {
      op.put("parameters", params);
    }
    if (e.requestSchema() != null) {
      op.put(
          "requestBody",
          Map.of(
              "required",
              true,
              "content",
              Map.of("application/json", Map.of("schema", ref(e.requestSchema())))));
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    Map<String, Object> ok = new LinkedHashMap<>();
    ok.put("description", "success");
    if ("TrainingData".equals(e.responseSchema())) {
      // Streamed in the format asked for; JSON has a schema, CSV and Parquet are tables.
      Map<String, Object> content = new LinkedHashMap<>();
      content.put("application/json", Map.of("schema", ref("TrainingData")));
      content.put("text/csv", Map.of("schema", Map.of("type", "string")));
      content.put(
          "application/vnd.apache.parquet",
          Map.of("schema", Map.of("type", "string", "format", "binary")));
      ok.put("content", content);
      ok.put(
          "headers",
          Map.of(
              TrainingDataApi.AS_OF_HEADER,
              Map.of(
                  "description",
                  "the ingestion time the rows were built as of",
                  "schema",
                  Map.of("type", "string", "format", "date-time")),
              TrainingDataApi.FEATURES_HEADER,
              Map.of(
                  "description",
                  "comma-separated group:feature@version references",
                  "schema",
                  Map.of("type", "string"))));
    } else if (e.responseSchema() != null) {
      ok.put("content", Map.of("application/json", Map.of("schema", ref(e.responseSchema()))));
    } else if (e.path().equals("/metrics")) {
      ok.put("content", Map.of(Api.PROMETHEUS_TEXT, Map.of("schema", Map.of("type", "string"))));
    } else {
      ok.put("content", Map.of("application/json", Map.of("schema", Map.of("type", "object"))));
    }
    responses.put(Integer.toString(e.okStatus()), ok);
    TreeSet<Integer> errors = new TreeSet<>(e.errorStatuses());
    if (e.requestSchema() != null) {
      errors.add(400);
      errors.add(413);
    }
    errors.add(500);
    for (int status : errors) {
      responses.put(
          Integer.toString(status),
          Map.of(
              "description", describe(status),
              "content", Map.of("application/json", Map.of("schema", ref("Error")))));
    }
    op.put("responses", responses);
    return op;
  }

  private static String describe(int status) {
    return switch (status) {
      case 400 -> "bad input: malformed JSON or timestamp, type mismatch, missing entity key";
      case 403 ->
          "refused by the server's configuration, e.g. a SQL or file spine it does not allow";
      case 404 -> "unknown feature group, feature or version";
      case 409 -> "conflict, e.g. an ambiguous feature name";
      case 413 -> "request body too large";
      case 501 -> "not implemented yet";
      case 503 -> "a backend is unavailable or the server is shutting down";
      default -> "server error";
    };
  }

  private static Map<String, Object> ref(String schema) {
    return Map.of("$ref", "#/components/schemas/" + schema);
  }

  // ---------------------------------------------------------------- schemas

  private static Map<String, Object> obj(List<String> required, Object... props) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    if (!required.isEmpty()) {
      s.put("required", required);
    }
    Map<String, Object> p = new LinkedHashMap<>();
    for (int i = 0; i < props.length; i += 2) {
      p.put((String) props[i], props[i + 1]);
    }
    s.put("properties", p);
    return s;
  }

  private static Map<String, Object> t(String type) {
    return Map.of("type", type);
  }

  private static Map<String, Object> nullable(String type) {
    return Map.of("type", type, "nullable", true);
  }

  private static Map<String, Object> time() {
    return Map.of("type", "string", "format", "date-time", "nullable", true);
  }

  private static Map<String, Object> arr(Object items) {
    return Map.of("type", "array", "items", items);
  }

  private static Map<String, Object> strings() {
    return arr(t("string"));
  }

  private static Map<String, Object> entity() {
    return Map.of(
        "type", "object",
        "description", "entity key names to values, e.g. {\"hcp_id\": \"HCP123\"}",
        "additionalProperties", Map.of());
  }

  private static Map<String, Object> any() {
    return Map.of("description", "a value of the feature's type, or null", "nullable", true);
  }

  private static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put(
        "Error",
        obj(
            List.of("error"),
            "error",
            obj(List.of("code", "message"), "code", t("string"), "message", t("string"))));
    s.put(
        "Health",
        obj(
            List.of("healthy", "offline", "online", "tracking"),
            "healthy",
            t("boolean"),
            "offline",
            t("boolean"),
            "online",
            t("boolean"),
            "tracking",
            t("boolean"),
            "supabase",
            t("boolean"),
            "redis",
            t("boolean"),
            "mlflow",
            t("boolean"),
            "details",
            Map.of("type", "object", "additionalProperties", t("string"))));
    Object[] groupFields = {
      "name", t("string"),
      "description", nullable("string"),
      "owner", nullable("string"),
      "tags", strings(),
      "source_table", nullable("string"),
      "expected_update_frequency_hours", Map.of("type", "integer", "minimum", 1, "nullable", true),
      "max_age_hours", Map.of("type", "integer", "minimum", 1, "nullable", true),
      "mlflow_experiment_name", nullable("string")
    };
    s.put("FeatureGroupCreate", obj(List.of("name"), groupFields));
    List<Object> group = new ArrayList<>(List.of(groupFields));
    group.addAll(List.of("mlflow_experiment_id", nullable("string"), "created_at", time()));
    s.put("FeatureGroup", obj(List.of("name"), group.toArray()));
    s.put(
        "FeatureGroupList",
        obj(List.of("feature_groups"), "feature_groups", arr(ref("FeatureGroup"))));
    Map<String, Object> valueType =
        Map.of(
            "type", "string",
            "enum", io.e2i.featurestore.ValueType.wireNames(),
            "description", "also accepted on input: list<T>, int, float, double, boolean, str");
    s.put(
        "FeatureCreate",
        obj(
            List.of("name", "value_type", "entity_keys"),
            "name",
            t("string"),
            "value_type",
            valueType,
            "entity_keys",
            strings(),
            "description",
            nullable("string"),
            "owner",
            nullable("string"),
            "tags",
            strings(),
            "computation_query",
            nullable("string"),
            "feature_group_name",
            nullable("string")));
    s.put(
        "Feature",
        obj(
            List.of("id", "feature_group", "name", "version", "value_type", "entity_keys"),
            "id",
            Map.of("type", "string", "format", "uuid"),
            "feature_group",
            t("string"),
            "name",
            t("string"),
            "version",
            t("integer"),
            "value_type",
            valueType,
            "entity_keys",
            strings(),
            "description",
            nullable("string"),
            "owner",
            nullable("string"),
            "tags",
            strings(),
            "computation_query",
            nullable("string"),
            "statistics",
            t("object"),
            "mlflow_run_id",
            nullable("string"),
            "created_at",
            time()));
    s.put("FeatureList", obj(List.of("features"), "features", arr(ref("Feature"))));
    s.put("FeatureVersions", obj(List.of("versions"), "versions", arr(ref("Feature"))));
    s.put(
        "FeatureStatistics",
        obj(
            List.of("feature_group", "feature_name", "statistics"),
            "feature_group",
            t("string"),
            "feature_name",
            t("string"),
            "statistics",
            obj(
                List.of("count", "nulls", "distinct", "computed_at"),
                "count",
                t("integer"),
                "nulls",
                t("integer"),
                "distinct",
                t("integer"),
                "min",
                t("number"),
                "max",
                t("number"),
                "mean",
                t("number"),
                "stddev",
                t("number"),
                "p50",
                t("number"),
                "p90",
                t("number"),
                "p99",
                t("number"),
                "top_values",
                arr(t("object")),
                "histogram",
                arr(t("object")),
                "computed_at",
                time())));
    Object[] write = {
      "feature_name", t("string"),
      "entity_values", entity(),
      "value", any(),
      "event_timestamp", time(),
      "feature_group", nullable("string")
    };
    s.put("FeatureValueWrite", obj(List.of("feature_name", "entity_values", "value"), write));
    s.put(
        "FeatureValueBatch",
        Map.of(
            "description",
            "the seed's list of values, or an object with 'feature_values' and an optional"
                + " default 'feature_group'; parsed as a stream",
            "oneOf",
            List.of(
                arr(ref("FeatureValueWrite")),
                obj(
                    List.of("feature_values"),
                    "feature_values",
                    arr(ref("FeatureValueWrite")),
                    "feature_group",
                    nullable("string")))));
    s.put("Written", obj(List.of("written"), "written", t("integer")));
    s.put(
        "OnlineFeaturesRequest",
        obj(
            List.of("entity_values", "feature_group"),
            "entity_values",
            entity(),
            "feature_group",
            t("string"),
            "feature_names",
            strings(),
            "use_cache",
            Map.of("type", "boolean", "default", true),
            "as_of",
            time()));
    s.put(
        "EntityFeatures",
        obj(
            List.of("entity_values", "features", "metadata"),
            "entity_values",
            entity(),
            "features",
            Map.of("type", "object", "additionalProperties", any()),
            "metadata",
            Map.of(
                "type",
                "object",
                "additionalProperties",
                obj(
                    List.of("feature_group", "version", "event_timestamp", "freshness_status"),
                    "feature_group",
                    t("string"),
                    "version",
                    t("integer"),
                    "event_timestamp",
                    time(),
                    "freshness_status",
                    freshnessEnum()))));
    s.put(
        "HistoricalFeaturesRequest",
        obj(
            List.of("entity_values", "feature_names"),
            "entity_values",
            entity(),
            "feature_names",
            strings(),
            "start_time",
            time(),
            "end_time",
            time()));
    s.put(
        "HistoricalFeatures",
        obj(
            List.of("records"),
            "records",
            arr(
                obj(
                    List.of("feature_name", "value", "event_timestamp"),
                    "feature_group",
                    t("string"),
                    "feature_name",
                    t("string"),
                    "version",
                    t("integer"),
                    "entity_values",
                    entity(),
                    "value",
                    any(),
                    "event_timestamp",
                    time(),
                    "written_at",
                    time(),
                    "freshness_status",
                    freshnessEnum()))));
    Map<String, Object> spine =
        Map.of(
            "description",
            "spine rows in memory (the timestamp column as ISO-8601 text), a SQL query on the"
                + " offline store (only if the server runs with --allow-sql-spines), or a"
                + " .csv/.parquet file in the server's --spine-dir folder (relative to it)",
            "oneOf",
            List.of(
                obj(
                    List.of("columns", "rows"),
                    "columns",
                    strings(),
                    "rows",
                    arr(
                        Map.of(
                            "type",
                            "array",
                            "items",
                            Map.of("nullable", true, "description", "string, number or boolean")))),
                obj(List.of("sql"), "sql", t("string")),
                obj(List.of("path"), "path", t("string"))));
    s.put(
        "TrainingDataRequest",
        obj(
            List.of("features", "spine"),
            "features",
            Map.of(
                "type",
                "array",
                "items",
                t("string"),
                "description",
                "\"group:feature\" or \"group:feature@version\" references"),
            "spine",
            spine,
            "timestamp_column",
            Map.of("type", "string", "default", "event_timestamp"),
            "as_of",
            Map.of(
                "type",
                "string",
                "format",
                "date-time",
                "nullable",
                true,
                "description",
                "ignore values written later (default: now, pinned)"),
            "save_as",
            Map.of(
                "type",
                "string",
                "nullable",
                true,
                "description",
                "save the definition under this name"),
            "format",
            Map.of(
                "type",
                "string",
                "enum",
                List.of("json", "csv", "parquet"),
                "description",
                "default: from the Accept header, else json")));
    s.put(
        "TrainingData",
        obj(
            List.of("columns", "rows", "row_count"),
            "columns",
            strings(),
            "rows",
            arr(
                Map.of(
                    "type",
                    "object",
                    "description",
                    "spine columns, then one column per feature (null: no value in max age)",
                    "additionalProperties",
                    any())),
            "row_count",
            t("integer")));
    s.put(
        "TrainingSetList",
        obj(
            List.of("training_sets"),
            "training_sets",
            arr(
                obj(
                    List.of("name", "features", "as_of", "spine"),
                    "name",
                    t("string"),
                    "features",
                    strings(),
                    "as_of",
                    time(),
                    "created_at",
                    time(),
                    "spine",
                    obj(
                        List.of("type", "timestamp_column"),
                        "type",
                        Map.of("type", "string", "enum", List.of("rows", "sql", "file")),
                        "timestamp_column",
                        t("string"),
                        "sql",
                        t("string"),
                        "path",
                        t("string"),
                        "columns",
                        strings(),
                        "row_count",
                        t("integer"))))));
    s.put(
        "FreshnessMonitor",
        obj(
            List.of("data"),
            "data",
            arr(
                obj(
                    List.of("feature_group", "feature_name", "total_entities"),
                    "feature_group",
                    t("string"),
                    "feature_name",
                    t("string"),
                    "version",
                    t("integer"),
                    "total_entities",
                    t("integer"),
                    "fresh_count",
                    t("integer"),
                    "stale_count",
                    t("integer"),
                    "expired_count",
                    t("integer"),
                    "last_event_timestamp",
                    time(),
                    "time_since_last_event",
                    Map.of("type", "string", "nullable", true, "description", "ISO-8601"),
                    "time_since_last_event_seconds",
                    nullable("number"),
                    "checked_at",
                    time()))));
    s.put("FreshnessUpdated", obj(List.of("updated"), "updated", t("integer")));
    s.put(
        "CacheInvalidate",
        obj(
            List.of("entity_values"),
            "entity_values",
            entity(),
            "feature_group",
            nullable("string")));
    s.put(
        "Invalidated",
        obj(
            List.of("invalidated"),
            "invalidated",
            t("boolean"),
            "entity_values",
            entity(),
            "feature_group",
            nullable("string")));
    s.put(
        "FeastRequest",
        obj(
            List.of("entities"),
            "features",
            Map.of(
                "type",
                "array",
                "items",
                t("string"),
                "description",
                "\"feature_group:feature\" references"),
            "feature_service",
            Map.of("type", "string", "description", "a feature group name"),
            "entities",
            Map.of("type", "object", "additionalProperties", arr(Map.of())),
            "full_feature_names",
            Map.of("type", "boolean", "default", false)));
    s.put(
        "FeastResponse",
        obj(
            List.of("metadata", "results"),
            "metadata",
            obj(List.of("feature_names"), "feature_names", strings()),
            "results",
            arr(
                obj(
                    List.of("values", "statuses", "event_timestamps"),
                    "values",
                    arr(Map.of()),
                    "statuses",
                    arr(
                        Map.of(
                            "type",
                            "string",
                            "enum",
                            List.of(
                                "PRESENT",
                                "NOT_FOUND",
                                "NULL_VALUE",
                                "OUTSIDE_MAX_AGE",
                                "INVALID"))),
                    "event_timestamps",
                    arr(Map.of("type", "string", "format", "date-time"))))));
    return s;
  }

  private static Map<String, Object> freshnessEnum() {
    return Map.of("type", "string", "enum", List.of("fresh", "stale", "expired"));
  }
}
