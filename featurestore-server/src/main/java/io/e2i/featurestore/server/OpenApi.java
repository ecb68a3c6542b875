package io.e2i.featurestore.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Builds the OpenAPI 3.1 document from the endpoint table the server registers, so the two cannot
 * drift apart; the schemas spell out the snake_case JSON of each body. Request schemas declare
 * every rule the server enforces (required and non-empty fields, name patterns, ranges, value
 * types, no unknown fields), so a request the schema accepts is one the server accepts, bar what
 * depends on stored state (an unknown group, a value of the wrong type for its feature). Links lead
 * from a created group or feature to the operations on it, for clients and stateful fuzzers alike.
 */
final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");

  private OpenApi() {}

  static Map<String, Object> document(List<Endpoint> endpoints, String version) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
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
                + " {\"error\": {\"code\", \"message\"}} (a 500 adds \"error_id\", under which"
                + " the server logged it); unknown request fields are errors, and so are"
                + " query parameters an operation does not declare or given twice (bar"
                + " /metrics and the web UI's files); timestamps are ISO-8601 with an offset."));
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
      params.add(Map.of("name", m.group(1), "in", "path", "required", true, "schema", name()));
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
              Map.of("type", "integer", "minimum", 1, "maximum", Integer.MAX_VALUE)));
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
    params.addAll(PipelineSchemas.queryParameters(e.operationId()));
    params.addAll(FeastSchemas.queryParameters(e.operationId()));
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
    } else if (e.operationId().equals("rerun_training_set")) {
      op.put(
          "requestBody",
          Map.of(
              "required",
              false,
              "content",
              Map.of("application/json", Map.of("schema", ref("TrainingSetRun")))));
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
    Map<String, Object> links = Links.from(e.operationId());
    if (!links.isEmpty()) {
      ok.put("links", links);
    }
    responses.put(Integer.toString(e.okStatus()), ok);
    for (int status : e.otherOkStatuses()) {
      Map<String, Object> also = new LinkedHashMap<>(ok);
      also.put("description", status == 200 ? "stored already, unchanged" : "success");
      responses.put(Integer.toString(status), also);
    }
    TreeSet<Integer> errors = new TreeSet<>(e.errorStatuses());
    if (e.requestSchema() != null || op.containsKey("requestBody")) {
      errors.add(400);
      errors.add(413);
      errors.add(415);
    }
    // Any request may meet a bug (500), and a backend outage or a server shutting down (503).
    errors.add(500);
    errors.add(503);
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
      case 409 ->
          "conflict with what is stored: a create with another definition under a taken name"
              + " (the message names the differing fields), or an ambiguous feature name";
      case 413 -> "request body too large";
      case 415 -> "the body is declared as something other than JSON (send application/json)";
      case 501 -> "not implemented yet";
      case 503 -> "a backend is unavailable or the server is shutting down";
      default -> "server error";
    };
  }

  private static Map<String, Object> ref(String schema) {
    return Map.of("$ref", "#/components/schemas/" + schema);
  }

  // ---------------------------------------------------------------- schemas

  /** A response object: unknown fields may be added later, so clients must ignore them. */
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

  /** A request object: exactly these fields, any other is a 400 (Wire.knownFields). */
  private static Map<String, Object> strict(List<String> required, Object... props) {
    Map<String, Object> s = obj(required, props);
    s.put("additionalProperties", false);
    return s;
  }

  private static Map<String, Object> t(String type) {
    return Map.of("type", type);
  }

  private static Map<String, Object> nullable(String type) {
    return Map.of("type", List.of(type, "null"));
  }

  /** A schema that also allows null. */
  private static Map<String, Object> orNull(Map<String, Object> schema) {
    return Map.of("anyOf", List.of(schema, t("null")));
  }

  private static Map<String, Object> time() {
    return Map.of("type", List.of("string", "null"), "format", "date-time");
  }

  private static Map<String, Object> requiredTime() {
    return Map.of("type", "string", "format", "date-time");
  }

  private static Map<String, Object> arr(Object items) {
    return Map.of("type", "array", "items", items);
  }

  private static Map<String, Object> strings() {
    return arr(t("string"));
  }

  /** A group, feature or entity key name, as the core enforces it. */
  private static Map<String, Object> name() {
    return Map.of("type", "string", "pattern", Wire.NAME_PATTERN, "maxLength", 255);
  }

  private static Map<String, Object> reference() {
    return Map.of(
        "type",
        "string",
        "pattern",
        Wire.REFERENCE_PATTERN,
        "description",
        "name, group:name or either with @version");
  }

  private static Map<String, Object> nonEmptyReferences() {
    return Map.of("type", "array", "items", reference(), "minItems", 1);
  }

  private static Map<String, Object> hours() {
    return Map.of("type", List.of("integer", "null"), "minimum", 1, "maximum", Integer.MAX_VALUE);
  }

  private static Map<String, Object> validationMode() {
    return Map.of(
        "type", List.of("string", "null"), "enum", java.util.Arrays.asList("reject", "warn", null));
  }

  /**
   * Every rule is optional. The server also requires min <= max, min_items <= max_items and a
   * pattern Java compiles, which no schema can say.
   */
  private static Map<String, Object> constraintsSchema() {
    Map<String, Object> count =
        Map.of("type", List.of("integer", "null"), "minimum", 0, "maximum", Integer.MAX_VALUE);
    Map<String, Object> bound =
        Map.of("type", List.of("number", "null"), "minimum", -1e300, "maximum", 1e300);
    return withDescription(
        strict(
            List.of(),
            "nullable",
            nullable("boolean"),
            "min",
            bound,
            "max",
            bound,
            "allowed",
            Map.of("type", List.of("array", "null"), "items", scalar()),
            "pattern",
            Map.of("type", List.of("string", "null"), "format", "regex"),
            "max_length",
            count,
            "min_items",
            count,
            "max_items",
            count),
        "rules on a feature's values: min <= max, min_items <= max_items, pattern a Java regular"
            + " expression matched against the whole string");
  }

  private static Map<String, Object> scalar() {
    return Map.of("anyOf", List.of(t("string"), t("number"), t("boolean")));
  }

  /** Entity values in a request: at least one key, names as the core's, string/number values. */
  /** Tags: text that is not blank (a blank tag is a 400). */
  private static Map<String, Object> tags() {
    return Map.of(
        "type", List.of("array", "null"), "items", Map.of("type", "string", "pattern", "\\S"));
  }

  private static Map<String, Object> entityRequest() {
    return Map.of(
        "type",
        "object",
        "description",
        "entity key names to values, e.g. {\"hcp_id\": \"HCP123\"}",
        "minProperties",
        1,
        "propertyNames",
        name(),
        "additionalProperties",
        // An empty string id is a 400 (almost surely an unset variable on the client).
        Map.of(
            "anyOf", List.of(Map.of("type", "string", "minLength", 1), t("number"), t("boolean"))));
  }

  private static Map<String, Object> entity() {
    return Map.of(
        "type", "object",
        "description", "entity key names to values, e.g. {\"hcp_id\": \"HCP123\"}",
        "additionalProperties", scalar());
  }

  private static Map<String, Object> any() {
    return Map.of("description", "a value of the feature's type, or null");
  }

  /** A value to write: a scalar, a list of scalars, or null (objects fit no value type). */
  private static Map<String, Object> value() {
    return Map.of(
        "description",
        "a value of the feature's type (checked against it), or null",
        "anyOf",
        List.of(t("string"), t("number"), t("boolean"), t("null"), arr(scalar())));
  }

  private static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put(
        "Error",
        obj(
            List.of("error"),
            "error",
            obj(
                List.of("code", "message"),
                "code",
                t("string"),
                "message",
                t("string"),
                "error_id",
                Map.of("type", "string", "description", "500 only: the server log's id"))));
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
      "name", name(),
      "description", nullable("string"),
      "owner", nullable("string"),
      "tags", tags(),
      "source_table", nullable("string"),
      "expected_update_frequency_hours", hours(),
      "max_age_hours", hours(),
      "validation", validationMode(),
      "schedule",
          withDescription(
              Map.of(
                  "type", List.of("string", "null"), "pattern", io.e2i.featurestore.Cron.PATTERN),
              "cron in UTC (minute hour day-of-month month day-of-week) or @hourly, @daily,"
                  + " @weekly, @monthly; values must be in range (minute 0-59...)"),
      "retention_days", hours(),
      "mlflow_experiment_name", nullable("string")
    };
    s.put("FeatureGroupCreate", strict(List.of("name"), groupFields));
    s.put(
        "FeatureGroupUpdate",
        withDescription(
            strict(List.of(), java.util.Arrays.copyOfRange(groupFields, 2, groupFields.length)),
            "the whole definition but the name (the path's): an absent field becomes unset"));
    List<Object> group = new ArrayList<>(List.of(groupFields));
    group.addAll(List.of("mlflow_experiment_id", nullable("string"), "created_at", time()));
    s.put("FeatureGroup", obj(List.of("name"), group.toArray()));
    s.put(
        "FeatureGroupList",
        obj(List.of("feature_groups"), "feature_groups", arr(ref("FeatureGroup"))));
    Map<String, Object> valueType = Map.of("type", "string", "enum", Wire.VALUE_TYPES);
    Object[] featureFields = {
      "name", name(),
      "value_type", valueType,
      "entity_keys", Map.of("type", "array", "items", name(), "minItems", 1, "uniqueItems", true),
      "description", nullable("string"),
      "owner", nullable("string"),
      "tags", tags(),
      "computation_query", Map.of("type", List.of("string", "null"), "pattern", "\\S"),
      "expression",
          withDescription(
              Map.of("type", List.of("string", "null"), "pattern", "\\S"),
              "CEL over the group's other features of the same entity and request values;"
                  + " an on-demand feature (no computation_query)"),
      "constraints", orNull(ref("Constraints")),
      "validation", validationMode(),
      "drift_thresholds", orNull(ref("DriftThresholds"))
    };
    s.put("Constraints", constraintsSchema());
    s.put(
        "DriftThresholds",
        strict(
            List.of(),
            "psi_warn",
            Map.of("type", "number", "exclusiveMinimum", 0, "maximum", 1e300),
            "psi_drift",
            Map.of("type", "number", "exclusiveMinimum", 0, "maximum", 1e300)));
    s.put("FeatureCreate", strict(List.of("name", "value_type", "entity_keys"), featureFields));
    s.put(
        "FeatureUpdate",
        withDescription(
            strict(
                List.of("value_type", "entity_keys"),
                java.util.Arrays.copyOfRange(featureFields, 2, featureFields.length)),
            "the whole definition but group and name (the path's)"));
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
            "expression",
            nullable("string"),
            "constraints",
            ref("Constraints"),
            "validation",
            validationMode(),
            "drift_thresholds",
            orNull(ref("DriftThresholds")),
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
      "feature_name", name(),
      "entity_values", entityRequest(),
      "value", value(),
      "event_timestamp", time(),
      "feature_group", orNull(name())
    };
    s.put("FeatureValueWrite", strict(List.of("feature_name", "entity_values", "value"), write));
    s.put(
        "FeatureValueBatch",
        Map.of(
            "description",
            "the seed's list of values, or an object with 'feature_values' and an optional"
                + " default 'feature_group'; parsed as a stream",
            "oneOf",
            List.of(
                arr(ref("FeatureValueWrite")),
                strict(
                    List.of("feature_values"),
                    "feature_values",
                    arr(ref("FeatureValueWrite")),
                    "feature_group",
                    orNull(name())))));
    s.put("Written", obj(List.of("written"), "written", t("integer")));
    s.put(
        "OnlineFeaturesRequest",
        strict(
            List.of("entity_values", "feature_group"),
            "entity_values",
            entityRequest(),
            "feature_group",
            name(),
            "feature_names",
            Map.of(
                "type",
                List.of("array", "null"),
                "items",
                reference(),
                "description",
                "features of the group, e.g. specialty or specialty@1; absent or empty: all"
                    + " that take the entity's keys"),
            "use_cache",
            Map.of("type", List.of("boolean", "null"), "default", true),
            "as_of",
            time(),
            "request_values",
            Map.of(
                "type",
                List.of("object", "null"),
                "description",
                "inputs of on-demand features: their expressions' request map")));
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
        strict(
            List.of("entity_values", "feature_names"),
            "entity_values",
            entityRequest(),
            "feature_names",
            nonEmptyReferences(),
            "start_time",
            time(),
            "end_time",
            time(),
            "feature_group",
            Map.of(
                "anyOf",
                List.of(name(), t("null")),
                "description",
                "resolve bare names within this group (a name several groups use needs it)")));
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
                    Map.of(
                        "type",
                        List.of("string", "null"),
                        "enum",
                        java.util.Arrays.asList("fresh", "stale", "expired", null))))));
    Map<String, Object> spine =
        Map.of(
            "description",
            "spine rows in memory (the timestamp column as ISO-8601 text), a SQL query on the"
                + " offline store (only if the server runs with --allow-sql-spines), or a"
                + " .csv/.parquet file in the server's --spine-dir folder (relative to it)",
            "oneOf",
            List.of(
                strict(
                    List.of("columns", "rows"),
                    "columns",
                    Map.of("type", "array", "items", t("string"), "minItems", 1),
                    "rows",
                    arr(
                        Map.of(
                            "type",
                            "array",
                            "items",
                            Map.of(
                                "anyOf",
                                List.of(t("string"), t("number"), t("boolean"), t("null")))))),
                strict(List.of("sql"), "sql", Map.of("type", "string", "minLength", 1)),
                strict(List.of("path"), "path", Map.of("type", "string", "minLength", 1))));
    s.put(
        "TrainingDataRequest",
        strict(
            List.of("features", "spine"),
            "features",
            withDescription(
                nonEmptyReferences(),
                "\"group:feature\" or \"group:feature@version\" references (a bare name if one"
                    + " group has it)"),
            "spine",
            spine,
            "timestamp_column",
            Map.of("type", List.of("string", "null"), "default", "event_timestamp"),
            "as_of",
            Map.of(
                "type",
                List.of("string", "null"),
                "format",
                "date-time",
                "description",
                "ignore values written later (default: now, pinned)"),
            "save_as",
            Map.of(
                "anyOf",
                List.of(name(), t("null")),
                "description",
                "save the definition under this name"),
            "format",
            formatEnum()));
    s.put("TrainingSetRun", strict(List.of(), "format", formatEnum()));
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
            List.of("training_sets", "total"),
            "total",
            Map.of("type", "integer", "minimum", 0, "description", "sets on all pages"),
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
                    Map.of("type", List.of("string", "null"), "description", "ISO-8601"),
                    "time_since_last_event_seconds",
                    nullable("number"),
                    "checked_at",
                    time()))));
    s.put("FreshnessUpdated", obj(List.of("updated"), "updated", t("integer")));
    s.put(
        "CacheInvalidate",
        strict(
            List.of("entity_values"),
            "entity_values",
            entityRequest(),
            "feature_group",
            Map.of(
                "anyOf",
                List.of(name(), t("null")),
                "description",
                "drop this group's entries only; absent: every group's")));
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
        feastRequest(
            List.of("entities"),
            "features",
            Map.of(
                "type",
                List.of("array", "null"),
                "items",
                Map.of(
                    "type",
                    "string",
                    "pattern",
                    "^[A-Za-z_][A-Za-z0-9_]{0,254}:[A-Za-z_][A-Za-z0-9_]{0,254}(@[1-9][0-9]{0,8})?$"),
                "description",
                "\"feature_group:feature\" references; give these or feature_service"),
            "feature_service",
            Map.of(
                "anyOf",
                List.of(name(), t("null")),
                "description",
                "a feature group name: all its features"),
            "entities",
            Map.of(
                "type",
                "object",
                "minProperties",
                1,
                "propertyNames",
                name(),
                "additionalProperties",
                arr(scalar()),
                "description",
                "entity key names to equally long lists of values"),
            "full_feature_names",
            Map.of("type", List.of("boolean", "null"), "default", false),
            "include_feature_view_version_metadata",
            Map.of(
                "type",
                List.of("boolean", "null"),
                "default",
                false,
                "description",
                "also list the groups read in metadata.feature_view_metadata")));
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
    s.putAll(FeastSchemas.schemas());
    s.putAll(PipelineSchemas.schemas());
    return s;
  }

  /**
   * Feast's request: "features" (non-empty) or "feature_service", not both; Feast lets "features"
   * be empty beside a service.
   */
  private static Map<String, Object> feastRequest(List<String> required, Object... props) {
    Map<String, Object> s = strict(required, props);
    Map<String, Object> someFeatures = Map.of("type", "array", "minItems", 1);
    s.put(
        "anyOf",
        List.of(
            Map.of("required", List.of("features"), "properties", Map.of("features", someFeatures)),
            Map.of(
                "required",
                List.of("feature_service"),
                "properties",
                Map.of("feature_service", t("string")))));
    s.put(
        "not",
        Map.of(
            "required",
            List.of("features", "feature_service"),
            "properties",
            Map.of("features", someFeatures, "feature_service", t("string"))));
    return s;
  }

  private static Map<String, Object> withDescription(Map<String, Object> schema, String text) {
    Map<String, Object> m = new LinkedHashMap<>(schema);
    m.put("description", text);
    return m;
  }

  private static Map<String, Object> formatEnum() {
    return Map.of(
        "type",
        List.of("string", "null"),
        "enum",
        java.util.Arrays.asList("json", "csv", "parquet", null),
        "description",
        "default: from the Accept header, else json");
  }

  private static Map<String, Object> freshnessEnum() {
    return Map.of("type", "string", "enum", List.of("fresh", "stale", "expired"));
  }

  /**
   * OpenAPI links from a created (or updated) group or feature to the operations on it: a client,
   * or a stateful fuzzer, follows them to real groups and features instead of guessing names.
   */
  static final class Links {
    private Links() {}

    static Map<String, Object> from(String operationId) {
      Map<String, Object> links = new LinkedHashMap<>();
      switch (operationId) {
        case "create_feature_group", "update_feature_group" -> {
          String group = "$response.body#/name";
          links.put("GetFeatureGroup", link("get_feature_group", Map.of("group", group), null));
          links.put(
              "UpdateFeatureGroup", link("update_feature_group", Map.of("group", group), null));
          links.put("ListFeatures", link("list_features", Map.of("group", group), null));
          links.put("CreateFeature", link("create_feature", Map.of("group", group), null));
        }
        case "create_feature", "update_feature" -> {
          Map<String, Object> feature =
              Map.of("group", "$response.body#/feature_group", "name", "$response.body#/name");
          links.put("GetFeature", link("get_feature", feature, null));
          links.put("UpdateFeature", link("update_feature", feature, null));
          links.put("ListFeatureVersions", link("list_feature_versions", feature, null));
          links.put("ComputeStatistics", link("compute_statistics", feature, null));
        }
        default -> {}
      }
      return links;
    }

    private static Map<String, Object> link(
        String operationId, Map<String, Object> parameters, @Nullable Map<String, Object> body) {
      Map<String, Object> link = new LinkedHashMap<>();
      link.put("operationId", operationId);
      link.put("parameters", parameters);
      if (body != null) {
        link.put("requestBody", body);
      }
      return link;
    }
  }
}
