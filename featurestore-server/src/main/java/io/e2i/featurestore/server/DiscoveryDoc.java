package io.e2i.featurestore.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Declares the lineage, search, drift history and web UI endpoints in the OpenAPI document {@link
 * OpenApi} builds, and the training-set list's paging: their query parameters, the UI's non-JSON
 * bodies and the schemas. Kept apart from OpenApi, like {@link SecurityDoc}; it copies what it
 * changes.
 */
final class DiscoveryDoc {
  private DiscoveryDoc() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> addTo(Map<String, Object> doc) {
    Map<String, Object> out = new LinkedHashMap<>(doc);
    Map<String, Object> components =
        new LinkedHashMap<>((Map<String, Object>) doc.getOrDefault("components", Map.of()));
    Map<String, Object> schemas =
        new LinkedHashMap<>((Map<String, Object>) components.getOrDefault("schemas", Map.of()));
    schemas.putAll(schemas());
    components.put("schemas", schemas);
    out.put("components", components);
    Map<String, Object> paths =
        new LinkedHashMap<>((Map<String, Object>) doc.getOrDefault("paths", Map.of()));
    paths.replaceAll((path, item) -> path(path, (Map<String, Object>) item));
    out.put("paths", paths);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object path(String path, Map<String, Object> item) {
    Map<String, Object> get = (Map<String, Object>) item.get("get");
    if (get == null) {
      return item;
    }
    Map<String, Object> op = new LinkedHashMap<>(get);
    switch (path) {
      case LineageApi.LINEAGE -> op.put("parameters", lineageParameters());
      case SearchApi.PATH -> op.put("parameters", searchParameters());
      case DriftHistoryApi.PATH -> op.put("parameters", plus(op, driftHistoryLimit()));
      case TRAINING_SETS -> op.put("parameters", plus(op, trainingSetPage()));
      case UiRoutes.ROOT -> op.put("responses", ui(op, Map.of("text/html", string())));
      case UiRoutes.ASSET -> {
        op.put(
            "parameters",
            List.of(
                Map.of(
                    "name",
                    "name",
                    "in",
                    "path",
                    "required",
                    true,
                    "schema",
                    Map.of(
                        "type", "string", "enum", List.of("app.js", "app.css", "favicon.svg")))));
        op.put(
            "responses",
            ui(
                op,
                Map.of(
                    "text/javascript", string(), "text/css", string(), "image/svg+xml", string())));
      }
      default -> {
        return item;
      }
    }
    Map<String, Object> copy = new LinkedHashMap<>(item);
    copy.put("get", op);
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> ui(Map<String, Object> op, Map<String, Object> content) {
    Map<String, Object> responses =
        new LinkedHashMap<>((Map<String, Object>) op.getOrDefault("responses", Map.of()));
    responses.put("200", Map.of("description", "the file", "content", content));
    return responses;
  }

  private static Map<String, Object> string() {
    return Map.of("schema", Map.of("type", "string"));
  }

  private static List<Map<String, Object>> lineageParameters() {
    return List.of(
        query(
            "node",
            true,
            Map.of("type", "string", "minLength", 1, "maxLength", LineageApi.MAX_NODE),
            "a feature reference (group:feature@version; group:feature for the latest) or a"
                + " kind-prefixed id: table:NAME, computation:group:feature@v,"
                + " feature:group:feature@v, training_set:NAME, run:ID"),
        query(
            "depth",
            false,
            Map.of(
                "type",
                "integer",
                "minimum",
                1,
                "maximum",
                LineageApi.MAX_DEPTH,
                "default",
                LineageApi.DEFAULT_DEPTH),
            "how many edges to walk from the node"),
        query(
            "direction",
            false,
            Map.of(
                "type",
                "string",
                "enum",
                List.of("upstream", "downstream", "both"),
                "default",
                "both"),
            "upstream (where it comes from), downstream (what uses it) or both"));
  }

  static final String TRAINING_SETS = "/api/v1/training-sets";

  /** The operation's parameters (its path's, from OpenApi) and these. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> plus(
      Map<String, Object> op, List<Map<String, Object>> more) {
    List<Map<String, Object>> all =
        new java.util.ArrayList<>(
            (List<Map<String, Object>>) op.getOrDefault("parameters", List.of()));
    all.addAll(more);
    return all;
  }

  private static List<Map<String, Object>> driftHistoryLimit() {
    return List.of(
        query(
            "limit",
            false,
            Map.of(
                "type",
                "integer",
                "minimum",
                1,
                "maximum",
                io.e2i.featurestore.quality.DriftHistory.MAX_LIMIT,
                "default",
                io.e2i.featurestore.quality.DriftHistory.DEFAULT_LIMIT),
            "at most this many results, newest first"));
  }

  private static List<Map<String, Object>> trainingSetPage() {
    return List.of(
        query(
            "limit",
            false,
            Map.of("type", "integer", "minimum", 1, "maximum", TrainingSetPage.MAX_LIMIT),
            "at most this many sets (in name order); without it, every set from offset on"),
        query(
            "offset",
            false,
            Map.of("type", "integer", "minimum", 0, "maximum", Integer.MAX_VALUE, "default", 0),
            "sets to skip first; 'total' in the answer counts the sets on all pages"));
  }

  private static List<Map<String, Object>> searchParameters() {
    return List.of(
        query(
            "q",
            true,
            Map.of("type", "string", "minLength", 1, "maxLength", SearchApi.MAX_QUERY),
            "search words, matched against names, tags, owners and descriptions"),
        query(
            "limit",
            false,
            Map.of(
                "type",
                "integer",
                "minimum",
                1,
                "maximum",
                SearchApi.MAX_LIMIT,
                "default",
                SearchApi.DEFAULT_LIMIT),
            "at most this many results, best first"));
  }

  private static Map<String, Object> query(
      String name, boolean required, Map<String, Object> schema, String description) {
    return Map.of(
        "name",
        name,
        "in",
        "query",
        "required",
        required,
        "schema",
        schema,
        "description",
        description);
  }

  private static Map<String, Object> t(String type) {
    return Map.of("type", type);
  }

  private static Map<String, Object> obj(List<String> required, Map<String, Object> props) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    s.put("required", required);
    s.put("properties", props);
    return s;
  }

  private static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    Map<String, Object> edge =
        obj(
            List.of("from", "to", "kind"),
            Map.of(
                "from",
                t("string"),
                "to",
                t("string"),
                "kind",
                Map.of(
                    "type",
                    "string",
                    "enum",
                    List.of("reads", "computes", "feeds", "used_by", "trained"))));
    Map<String, Object> node =
        obj(
            List.of("id", "type", "name", "attributes"),
            Map.of(
                "id",
                t("string"),
                "type",
                Map.of(
                    "type",
                    "string",
                    "enum",
                    List.of(
                        "source_table", "computation", "feature_version", "training_set", "run")),
                "name",
                t("string"),
                "attributes",
                Map.of("type", "object", "additionalProperties", t("string"))));
    s.put("LineageEdge", edge);
    s.put(
        "Lineage",
        obj(
            List.of("nodes", "edges"),
            Map.of(
                "nodes",
                Map.of("type", "array", "items", node),
                "edges",
                Map.of(
                    "type",
                    "array",
                    "items",
                    Map.of("$ref", "#/components/schemas/LineageEdge")))));
    Map<String, Object> tag = new LinkedHashMap<>();
    tag.put("type", "object");
    tag.put("required", List.of("run_id"));
    tag.put(
        "properties",
        Map.of(
            "run_id",
            Map.of(
                "type",
                "string",
                "pattern",
                "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$",
                "description",
                "the run's id, e.g. an MLflow run id")));
    tag.put("additionalProperties", false);
    s.put("TrainingSetRunTag", tag);
    s.put(
        "TrainingSetRunTagged",
        obj(
            List.of("training_set", "run_id", "edge"),
            Map.of(
                "training_set",
                t("string"),
                "run_id",
                t("string"),
                "edge",
                Map.of("$ref", "#/components/schemas/LineageEdge"))));
    s.put(
        "DriftHistory",
        obj(
            List.of("feature_group", "feature_name", "results"),
            Map.of(
                "feature_group",
                t("string"),
                "feature_name",
                t("string"),
                "results",
                Map.of(
                    "type",
                    "array",
                    "items",
                    Map.of("$ref", "#/components/schemas/DriftResult"),
                    "description",
                    "the kept drift results, newest first"))));
    Map<String, Object> nullableString = Map.of("type", List.of("string", "null"));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("kind", Map.of("type", "string", "enum", List.of("group", "feature")));
    result.put("group", t("string"));
    result.put("name", t("string"));
    result.put("version", Map.of("type", List.of("integer", "null")));
    result.put("value_type", nullableString);
    result.put("description", nullableString);
    result.put("owner", nullableString);
    result.put("tags", Map.of("type", "array", "items", t("string")));
    result.put("score", t("integer"));
    s.put(
        "SearchResults",
        obj(
            List.of("query", "total", "results"),
            Map.of(
                "query",
                t("string"),
                "total",
                t("integer"),
                "results",
                Map.of(
                    "type",
                    "array",
                    "items",
                    obj(List.of("kind", "group", "name", "score"), result)))));
    return s;
  }
}
