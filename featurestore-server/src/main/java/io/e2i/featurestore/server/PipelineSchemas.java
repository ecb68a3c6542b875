package io.e2i.featurestore.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The OpenAPI schemas and query parameters of {@link PipelinesApi}'s routes. */
final class PipelineSchemas {
  private PipelineSchemas() {}

  static Map<String, Map<String, Object>> schemas() {
    Map<String, Map<String, Object>> s = new LinkedHashMap<>();
    Map<String, Object> request =
        object(
            List.of(),
            "start",
            time("window start (inclusive); absent: the group's watermark (incremental run)"),
            "end",
            time("window end (exclusive); absent: now"));
    request.put("additionalProperties", false);
    s.put("MaterializeRequest", request);
    s.put(
        "MaterializationRun",
        object(
            List.of(
                "id",
                "feature_group",
                "status",
                "kind",
                "trigger",
                "window_end",
                "rows",
                "started_at",
                "duration_ms"),
            "id",
            Map.of("type", "string", "format", "uuid"),
            "feature_group",
            Map.of("type", "string"),
            "status",
            Map.of("type", "string", "enum", List.of("succeeded", "failed")),
            "kind",
            Map.of(
                "type",
                "string",
                "enum",
                List.of("incremental", "backfill"),
                "description",
                "incremental: from the watermark (moves it); backfill: from a given start"),
            "trigger",
            Map.of("type", "string", "description", "manual or schedule"),
            "window_start",
            Map.of("type", List.of("string", "null"), "format", "date-time"),
            "window_end",
            Map.of("type", "string", "format", "date-time"),
            "rows",
            Map.of(
                "type",
                "integer",
                "minimum",
                0,
                "description",
                "values written; of a failed run, those its batches committed before the failure"
                    + " (the error says how many)"),
            "started_at",
            Map.of("type", "string", "format", "date-time"),
            "duration_ms",
            Map.of("type", "integer", "minimum", 0),
            "error",
            Map.of("type", List.of("string", "null"))));
    s.put(
        "MaterializationRunList",
        object(
            List.of("materializations"),
            "materializations",
            Map.of(
                "type",
                "array",
                "items",
                Map.of("$ref", "#/components/schemas/MaterializationRun"))));
    return s;
  }

  /** The query parameters of an operation of {@link PipelinesApi}; none for the others. */
  static List<Map<String, Object>> queryParameters(String operationId) {
    if (!operationId.equals("list_materializations")) {
      return List.of();
    }
    return List.of(
        Map.of(
            "name",
            "group",
            "in",
            "query",
            "required",
            false,
            "schema",
            Map.of("type", "string", "pattern", Wire.NAME_PATTERN, "maxLength", 255)),
        Map.of(
            "name",
            "limit",
            "in",
            "query",
            "required",
            false,
            "schema",
            Map.of(
                "type",
                "integer",
                "minimum",
                1,
                "maximum",
                PipelinesApi.MAX_LIMIT,
                "default",
                PipelinesApi.DEFAULT_LIMIT)));
  }

  private static Map<String, Object> time(String description) {
    return Map.of(
        "type", List.of("string", "null"), "format", "date-time", "description", description);
  }

  private static Map<String, Object> object(List<String> required, Object... props) {
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
}
