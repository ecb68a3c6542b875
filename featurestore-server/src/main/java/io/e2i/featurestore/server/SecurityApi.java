package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.AuditEntry;
import io.e2i.featurestore.AuditQuery;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.KeyScopes.Scope;
import io.e2i.featurestore.SecurityRegistry;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The audit log and key management over HTTP, for admins on every group ({@code admin '*'}). Keys
 * can be managed here as well as with {@code featurestore keys}: the CLI cannot open an embedded
 * store while a server holds it, and a revocation must not wait for a restart.
 */
final class SecurityApi {
  private static final Set<String> KEY_FIELDS = Set.of("name", "read", "write", "admin");

  private final SecurityRegistry security;
  private final long maxBodyBytes;
  private final Runnable keysChanged;
  private final java.util.function.BooleanSupplier keysRequired;

  /** A key name or 'local': what the audit log's actor can be. */
  static final String ACTOR_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";

  static final String ACTION_PATTERN = "^[a-z][a-z_]{0,63}$";

  /**
   * @param keysChanged reloads this server's keys, so a key created or revoked here takes effect
   *     here at once (other instances within their refresh interval)
   * @param keysRequired whether the server requires keys now
   */
  SecurityApi(
      SecurityRegistry security,
      long maxBodyBytes,
      Runnable keysChanged,
      java.util.function.BooleanSupplier keysRequired) {
    this.security = security;
    this.maxBodyBytes = maxBodyBytes;
    this.keysChanged = keysChanged;
    this.keysRequired = keysRequired;
  }

  List<Endpoint> endpoints() {
    List<Integer> errors = List.of(400);
    return List.of(
        new Endpoint(
            "GET",
            "/api/v1/audit",
            "audit_log",
            "The audit log, newest first: registry changes one by one and key use per flush"
                + " (admin on '*'); ?since=ISO-8601&actor=&action=&limit= (default 100)",
            null,
            200,
            "AuditLog",
            errors,
            this::audit),
        new Endpoint(
            "GET",
            "/api/v1/keys",
            "list_api_keys",
            "API keys, revoked ones included; never a key itself (admin on '*')",
            null,
            200,
            "ApiKeyList",
            List.of(),
            this::listKeys),
        new Endpoint(
            "POST",
            "/api/v1/keys",
            "create_api_key",
            "Create an API key; the answer holds the key, shown this once (admin on '*')",
            "ApiKeyCreate",
            201,
            "ApiKeyCreated",
            List.of(400, 409),
            this::createKey),
        new Endpoint(
            "DELETE",
            "/api/v1/keys/{name}",
            "revoke_api_key",
            "Revoke an API key: every server refuses it within a second (admin on '*')",
            null,
            200,
            "ApiKey",
            List.of(400, 404, 409),
            this::revokeKey));
  }

  private static Principal admin(String what) {
    Principal p = Principal.current();
    p.requireEverything(Scope.ADMIN, what);
    return p;
  }

  private Object audit(Context ctx) {
    admin("the audit log");
    // Unknown and repeated query parameters are refused before this (QueryParams).
    Instant since = null;
    String sinceText = ctx.queryParam("since");
    if (sinceText != null) {
      since = rfc3339("since", sinceText);
    }
    int limit = AuditQuery.DEFAULT_LIMIT;
    String limitText = ctx.queryParam("limit");
    if (limitText != null) {
      try {
        limit = Integer.parseInt(limitText);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("'limit' must be a whole number, got '" + limitText + "'");
      }
    }
    AuditQuery query =
        new AuditQuery(
            since,
            matching(ctx, "actor", ACTOR_PATTERN, "a key name or 'local'"),
            matching(ctx, "action", ACTION_PATTERN, "e.g. create_feature_group"),
            limit);
    return Map.of("entries", security.auditLog(query).stream().map(SecurityApi::entry).toList());
  }

  private static final java.util.regex.Pattern FAR_OFFSET =
      java.util.regex.Pattern.compile(
          "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?)([+-])(\\d{2}):(\\d{2})");

  /**
   * An RFC 3339 date-time, as the document declares: also with offsets beyond the ±18:00 that
   * java.time accepts (RFC 3339 allows up to ±23:59), and with a lowercase 't' or 'z'.
   */
  static Instant rfc3339(String field, String text) {
    String upper = text.toUpperCase(java.util.Locale.ROOT);
    java.util.regex.Matcher m = FAR_OFFSET.matcher(upper);
    if (m.matches()) {
      int hours = Integer.parseInt(m.group(3));
      int minutes = Integer.parseInt(m.group(4));
      if (hours > 23 || minutes > 59) {
        throw ApiException.badRequest("'" + field + "': offset out of range in '" + text + "'");
      }
      try {
        Instant local =
            java.time.LocalDateTime.parse(m.group(1)).toInstant(java.time.ZoneOffset.UTC);
        long seconds = (hours * 3600L + minutes * 60L) * (m.group(2).equals("+") ? 1 : -1);
        return local.minusSeconds(seconds).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
      } catch (java.time.format.DateTimeParseException e) {
        throw ApiException.badRequest("'" + field + "': malformed timestamp '" + text + "'");
      }
    }
    return Wire.instant(field, upper);
  }

  /** A query parameter that must match its declared pattern; null when absent. */
  private static @Nullable String matching(
      Context ctx, String name, String pattern, String example) {
    String value = ctx.queryParam(name);
    if (value != null && !value.matches(pattern)) {
      throw ApiException.badRequest(
          "'"
              + name
              + "' must be "
              + example
              + " ("
              + pattern
              + "), got '"
              + Wire.abbreviate(value)
              + "'");
    }
    return value;
  }

  private Object listKeys(Context ctx) {
    admin("listing API keys");
    return Map.of("keys", security.listKeys().stream().map(SecurityApi::key).toList());
  }

  private Object createKey(Context ctx) throws java.io.IOException {
    Principal p = admin("creating API keys");
    if (!keysRequired.getAsBoolean()) {
      // The first key turns authentication on for every caller: that is for whoever holds the
      // store (the CLI), not for anyone who can reach a keyless server.
      throw ApiException.forbidden(
          "this server runs without API keys: create the first key on the store with"
              + " 'featurestore keys create --name NAME --admin \"*\"' (then restart the server if"
              + " it holds an embedded store); once keys are on, admins manage them here");
    }
    ObjectNode b;
    try (var in = new LimitedInputStream(ctx.req().getInputStream(), maxBodyBytes)) {
      b = Wire.readObject(in);
    }
    Iterator<String> fields = b.fieldNames();
    while (fields.hasNext()) {
      String f = fields.next();
      if (!KEY_FIELDS.contains(f)) {
        throw ApiException.badRequest(
            "unknown field '" + f + "' in an API key; known fields: name, read, write, admin");
      }
    }
    KeyScopes scopes =
        new KeyScopes(patterns(b, "read"), patterns(b, "write"), patterns(b, "admin"));
    SecurityRegistry.CreatedKey created =
        security.createKey(Wire.requiredText(b, "name"), scopes, p.name());
    keysChanged.run();
    Map<String, Object> m = key(created.key());
    m.put("key", created.secret());
    return m;
  }

  /** A list of patterns, as declared: absent is empty, but null or anything else is a 400. */
  private static List<String> patterns(JsonNode b, String field) {
    JsonNode node = b.get(field);
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      throw ApiException.badRequest(
          "'" + field + "' must be a list of group name patterns, got " + node);
    }
    List<String> list = new java.util.ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isTextual()) {
        throw ApiException.badRequest(
            "'" + field + "' must hold group name patterns (strings), got " + item);
      }
      list.add(item.textValue());
    }
    return list;
  }

  private Object revokeKey(Context ctx) {
    Principal p = admin("revoking API keys");
    String name = ctx.pathParam("name");
    if (name.equals(p.name()) && p.keyId() != null) {
      throw new io.e2i.featurestore.FeatureStoreException(
          io.e2i.featurestore.FeatureStoreException.Code.CONFLICT,
          "API key '"
              + name
              + "' cannot revoke itself (an admin would lock itself out); revoke it with another"
              + " admin key or with 'featurestore keys revoke'");
    }
    ApiKey revoked = security.revokeKey(name, p.name());
    keysChanged.run();
    return key(revoked);
  }

  static Map<String, Object> key(ApiKey k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", k.name());
    m.put("id", k.id());
    m.put("read", k.scopes().read());
    m.put("write", k.scopes().write());
    m.put("admin", k.scopes().admin());
    m.put("active", k.active());
    m.put("created_at", k.createdAt());
    m.put("revoked_at", k.revokedAt());
    m.put("last_used_at", k.lastUsedAt());
    m.put("use_count", k.useCount());
    return m;
  }

  static Map<String, Object> entry(AuditEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id());
    m.put("at", e.at());
    m.put("actor", e.actor());
    m.put("action", e.action());
    m.put("target", e.target());
    m.put("detail", e.detail());
    return m;
  }

  // ---------------------------------------------------------------- OpenAPI schemas

  static Map<String, Object> schemas() {
    Map<String, Object> patternList =
        Map.of(
            "type",
            "array",
            "items",
            Map.of("type", "string", "pattern", "^[A-Za-z0-9_*?]{1,255}$"),
            "description",
            "feature group names or globs ('*' any run of characters, '?' one)");
    Map<String, Object> time = Map.of("type", "string", "format", "date-time");
    Map<String, Object> nullableTime =
        Map.of("type", List.of("string", "null"), "format", "date-time");
    Map<String, Object> s = new LinkedHashMap<>();
    Map<String, Object> create =
        object(
            List.of("name"),
            false,
            "name",
            Map.of("type", "string", "pattern", "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
            "read",
            patternList,
            "write",
            patternList,
            "admin",
            patternList);
    // A key without any pattern could do nothing: at least one scope must list one.
    create.put("anyOf", List.of(atLeastOne("read"), atLeastOne("write"), atLeastOne("admin")));
    s.put("ApiKeyCreate", create);
    Object[] keyFields = {
      "name", Map.of("type", "string"),
      "id", Map.of("type", "string"),
      "read", patternList,
      "write", patternList,
      "admin", patternList,
      "active", Map.of("type", "boolean"),
      "created_at", time,
      "revoked_at", nullableTime,
      "last_used_at", nullableTime,
      "use_count", Map.of("type", "integer", "minimum", 0)
    };
    List<String> keyRequired =
        List.of("name", "id", "read", "write", "admin", "active", "created_at", "use_count");
    s.put("ApiKey", object(keyRequired, true, keyFields));
    Object[] created = java.util.Arrays.copyOf(keyFields, keyFields.length + 2);
    created[keyFields.length] = "key";
    created[keyFields.length + 1] =
        Map.of("type", "string", "description", "the key itself: shown this once, never again");
    List<String> createdRequired = new java.util.ArrayList<>(keyRequired);
    createdRequired.add("key");
    s.put("ApiKeyCreated", object(createdRequired, true, created));
    s.put(
        "ApiKeyList",
        object(
            List.of("keys"),
            true,
            "keys",
            Map.of("type", "array", "items", Map.of("$ref", "#/components/schemas/ApiKey"))));
    s.put(
        "AuditLog",
        object(
            List.of("entries"),
            true,
            "entries",
            Map.of(
                "type",
                "array",
                "items",
                object(
                    List.of("id", "at", "actor", "action", "target"),
                    true,
                    "id",
                    Map.of("type", "integer"),
                    "at",
                    time,
                    "actor",
                    Map.of(
                        "type",
                        "string",
                        "description",
                        "the API key's name, or 'local' (no keys: the CLI, or a server without keys)"),
                    "action",
                    Map.of("type", "string"),
                    "target",
                    Map.of("type", "string"),
                    "detail",
                    Map.of("type", List.of("string", "null"))))));
    return s;
  }

  private static Map<String, Object> atLeastOne(String field) {
    return Map.of("required", List.of(field), "properties", Map.of(field, Map.of("minItems", 1)));
  }

  private static Map<String, Object> object(
      List<String> required, boolean additional, Object... props) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    s.put("required", required);
    Map<String, Object> p = new LinkedHashMap<>();
    for (int i = 0; i < props.length; i += 2) {
      p.put((String) props[i], props[i + 1]);
    }
    s.put("properties", p);
    if (!additional) {
      s.put("additionalProperties", false);
    }
    return s;
  }
}
