package io.e2i.featurestore.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Declares authentication in the OpenAPI document {@link OpenApi} builds: the bearer scheme, which
 * operations need it, their 401 and 403 answers, and the schemas of {@link SecurityApi}. Kept apart
 * from OpenApi so the two concerns change independently; it copies what it changes.
 */
final class SecurityDoc {
  static final String SCHEME = "api_key";

  private SecurityDoc() {}

  /**
   * @param open paths answered without a key (health, metrics unless keyed, this document)
   * @param keysRequired whether the server requires keys now; while it does not (a store without
   *     keys, on loopback), the document says the key is optional, which is what the server does
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> addTo(
      Map<String, Object> doc, Set<String> open, boolean keysRequired) {
    Map<String, Object> out = new LinkedHashMap<>(doc);
    Map<String, Object> components =
        new LinkedHashMap<>((Map<String, Object>) doc.getOrDefault("components", Map.of()));
    Map<String, Object> schemas =
        new LinkedHashMap<>((Map<String, Object>) components.getOrDefault("schemas", Map.of()));
    schemas.putAll(SecurityApi.schemas());
    components.put("schemas", schemas);
    components.put(
        "securitySchemes",
        Map.of(
            SCHEME,
            Map.of(
                "type",
                "http",
                "scheme",
                "bearer",
                "description",
                "An API key from 'featurestore keys create' (or POST /api/v1/keys), sent as"
                    + " 'Authorization: Bearer <key>'. Required once the store has any key; a"
                    + " server on a store without keys serves only its loopback address, unless"
                    + " started with --insecure.")));
    out.put("components", components);
    out.put(
        "security",
        keysRequired
            ? List.of(Map.of(SCHEME, List.of()))
            : List.of(Map.of(), Map.of(SCHEME, List.of())));

    Map<String, Object> paths = new LinkedHashMap<>();
    ((Map<String, Object>) doc.getOrDefault("paths", Map.of()))
        .forEach(
            (path, item) -> {
              Map<String, Object> ops = new LinkedHashMap<>();
              ((Map<String, Object>) item)
                  .forEach(
                      (method, op) ->
                          ops.put(method, operation(path, (Map<String, Object>) op, open)));
              paths.put(path, ops);
            });
    out.put("paths", paths);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object operation(String path, Map<String, Object> op, Set<String> open) {
    if (!op.containsKey("responses")) {
      return op; // not an operation (e.g. path-level parameters)
    }
    Map<String, Object> o = new LinkedHashMap<>(op);
    Map<String, Object> responses = new LinkedHashMap<>((Map<String, Object>) op.get("responses"));
    if (open.contains(path)) {
      o.put("security", List.of());
    } else {
      responses.put("401", unauthorized());
      Object existing = responses.get("403");
      String why =
          "the API key lacks the scope this call needs (read, write or admin) on a feature"
              + " group the message names";
      if (existing instanceof Map<?, ?> m && m.get("description") instanceof String d) {
        why = why + "; or " + d;
      }
      responses.put("403", error(why));
    }
    if ("audit_log".equals(op.get("operationId"))) {
      o.put("parameters", auditParameters());
    }
    if ("revoke_api_key".equals(op.get("operationId"))) {
      o.put(
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
                  Map.of("type", "string", "pattern", SecurityApi.ACTOR_PATTERN))));
    }
    o.put("responses", sorted(responses));
    return o;
  }

  private static Map<String, Object> sorted(Map<String, Object> responses) {
    List<String> codes = new ArrayList<>(responses.keySet());
    codes.sort(String::compareTo);
    Map<String, Object> out = new LinkedHashMap<>();
    codes.forEach(c -> out.put(c, responses.get(c)));
    return out;
  }

  private static Map<String, Object> unauthorized() {
    Map<String, Object> r =
        error(
            "no valid API key: missing, not 'Bearer <key>', unknown or revoked (only once the store"
                + " has keys)");
    r.put(
        "headers",
        Map.of(
            "WWW-Authenticate",
            Map.of(
                "description",
                "Bearer realm=\"featurestore\" (RFC 6750)",
                "schema",
                Map.of("type", "string"))));
    return r;
  }

  private static Map<String, Object> error(String description) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("description", description);
    r.put(
        "content",
        Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Error"))));
    return r;
  }

  private static List<Map<String, Object>> auditParameters() {
    return List.of(
        query("since", Map.of("type", "string", "format", "date-time"), "entries at or after"),
        query(
            "actor",
            Map.of("type", "string", "pattern", SecurityApi.ACTOR_PATTERN),
            "a key name, or 'local'"),
        query(
            "action",
            Map.of("type", "string", "pattern", SecurityApi.ACTION_PATTERN),
            "e.g. create_feature_group, api_key_use"),
        query(
            "limit",
            Map.of(
                "type",
                "integer",
                "minimum",
                1,
                "maximum",
                io.e2i.featurestore.AuditQuery.MAX_LIMIT,
                "default",
                io.e2i.featurestore.AuditQuery.DEFAULT_LIMIT),
            "at most this many, newest first"));
  }

  private static Map<String, Object> query(
      String name, Map<String, Object> schema, String description) {
    return Map.of(
        "name",
        name,
        "in",
        "query",
        "required",
        false,
        "schema",
        schema,
        "description",
        description);
  }
}
