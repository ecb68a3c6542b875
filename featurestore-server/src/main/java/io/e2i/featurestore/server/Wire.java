package io.e2i.featurestore.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureMetadata;
import io.e2i.featurestore.FeatureValue;
import io.e2i.featurestore.FreshnessReport;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.io.JsonValues;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The JSON wire format: snake_case names as in the seed's Python, timestamps as ISO-8601 text with
 * an offset ({@code Z}). Reads request bodies as trees (they are small; the batch endpoint streams
 * instead, see {@link BatchReader}).
 */
final class Wire {
  static final ObjectMapper MAPPER =
      new ObjectMapper(
              // A key given twice is refused (400 naming it) rather than the last one silently
              // winning, as an unknown key is; a parser flag, no extra pass over the body.
              com.fasterxml.jackson.core.JsonFactory.builder()
                  .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** A group, feature or entity key name: what the core accepts (see Names in the core). */
  static final String NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]{0,254}$";

  /** {@code name}, {@code group:name} or either with {@code @version} (1 to 999,999,999). */
  static final String REFERENCE_PATTERN =
      "^([A-Za-z_][A-Za-z0-9_]{0,254}:)?[A-Za-z_][A-Za-z0-9_]{0,254}(@[1-9][0-9]{0,8})?$";

  private static final java.util.regex.Pattern REFERENCE =
      java.util.regex.Pattern.compile(REFERENCE_PATTERN);

  /**
   * {@link #NAME_PATTERN} compiled: {@link #isName} implements it by hand; tests compare the two.
   */
  static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile(NAME_PATTERN);

  /**
   * The value types a request may name: the wire names and {@code list<T>} for each scalar T. Exact
   * spellings only (the Java API and YAML also take aliases such as {@code int} or {@code double}),
   * so that /openapi.json can list them all.
   */
  static final List<String> VALUE_TYPES = valueTypeNames();

  private Wire() {}

  private static List<String> valueTypeNames() {
    List<String> names = new ArrayList<>(ValueType.wireNames());
    for (ValueType t : ValueType.values()) {
      if (!t.isList()) {
        names.add("list<" + t.wireName() + ">");
      }
    }
    return List.copyOf(names);
  }

  // ---------------------------------------------------------------- reading requests

  /**
   * Rejects a field this endpoint does not know, so a typo or an unsupported field (say {@code
   * constraints}) is a 400 naming it rather than silently dropped. {@code what} names the object,
   * e.g. "feature definition".
   */
  static void knownFields(JsonNode node, String what, java.util.Collection<String> known) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String field = names.next();
      if (!known.contains(field)) {
        throw ApiException.badRequest(
            "unknown field '"
                + abbreviate(field)
                + "' in "
                + what
                + "; known fields: "
                + String.join(", ", known));
      }
    }
  }

  /** A client's text cut to 80 characters for an error message. */
  static String abbreviate(String text) {
    return text.length() > 80 ? text.substring(0, 77) + "..." : text;
  }

  /** A value type named exactly as in {@link #VALUE_TYPES}. */
  static ValueType valueType(JsonNode body, String field) {
    String name = requiredText(body, field);
    if (!VALUE_TYPES.contains(name)) {
      throw ApiException.badRequest(
          "unknown " + field + " '" + abbreviate(name) + "'; expected one of " + VALUE_TYPES);
    }
    return ValueType.parse(name);
  }

  /** A non-empty list of feature references ({@link #REFERENCE_PATTERN}), or null if absent. */
  static @Nullable List<String> optionalReferences(JsonNode body, String field) {
    List<String> refs = optionalStrings(body, field);
    if (refs != null) {
      for (String ref : refs) {
        if (!REFERENCE.matcher(ref).matches()) {
          throw ApiException.badRequest(
              "'"
                  + field
                  + "' holds '"
                  + abbreviate(ref)
                  + "', which is no feature reference: expected name, group:name or either with"
                  + " @version");
        }
      }
    }
    return refs;
  }

  static ObjectNode readObject(InputStream body) {
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw malformed(e);
    } catch (IOException e) {
      throw ApiException.badRequest("could not read the request body: " + e.getMessage());
    }
    if (node == null || node.isMissingNode()) {
      throw ApiException.badRequest("the request body must be a JSON object, got nothing");
    }
    if (!(node instanceof ObjectNode object)) {
      throw ApiException.badRequest(
          "the request body must be a JSON object, got " + node.getNodeType().name().toLowerCase());
    }
    return object;
  }

  /**
   * The 400 for a body Jackson could not read: its own words without its location (which names
   * Jackson's internals), and a key given twice said as our other field errors say it.
   */
  static ApiException malformed(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    String duplicate = "Duplicate field '";
    if (message != null && message.startsWith(duplicate) && message.endsWith("'")) {
      String field = message.substring(duplicate.length(), message.length() - 1);
      return ApiException.badRequest(
          "duplicate field '" + abbreviate(field) + "': each field may be given once");
    }
    return ApiException.badRequest("malformed JSON: " + message);
  }

  static String requiredText(JsonNode body, String field) {
    String text = optionalText(body, field);
    if (text == null || text.isBlank()) {
      throw ApiException.badRequest("'" + field + "' is required");
    }
    return text;
  }

  static @Nullable String optionalText(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw ApiException.badRequest("'" + field + "' must be a string, got " + node);
    }
    return node.textValue();
  }

  static @Nullable Integer optionalInt(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    java.math.BigDecimal value = integral(node);
    if (value == null
        || value.compareTo(java.math.BigDecimal.valueOf(Integer.MAX_VALUE)) > 0
        || value.compareTo(java.math.BigDecimal.valueOf(Integer.MIN_VALUE)) < 0) {
      throw ApiException.badRequest(
          "'" + field + "' must be an integer up to " + Integer.MAX_VALUE + ", got " + node);
    }
    return value.intValueExact();
  }

  /** The number's value if it is a whole number (24.0 is one in JSON Schema too), else null. */
  private static java.math.@Nullable BigDecimal integral(JsonNode node) {
    if (node.isIntegralNumber()) {
      return new java.math.BigDecimal(node.bigIntegerValue());
    }
    if (!node.isNumber() || (node.isDouble() && !Double.isFinite(node.doubleValue()))) {
      return null;
    }
    java.math.BigDecimal value = node.decimalValue();
    return value.stripTrailingZeros().scale() <= 0 ? value : null;
  }

  /** A JSON object as plain Java values (maps, lists, strings, numbers, booleans), or null. */
  @SuppressWarnings("unchecked")
  static @Nullable Map<String, Object> optionalObject(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw ApiException.badRequest("'" + field + "' must be an object, got " + node);
    }
    return MAPPER.convertValue(node, Map.class);
  }

  static boolean optionalBool(JsonNode body, String field, boolean dflt) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return dflt;
    }
    if (!node.isBoolean()) {
      throw ApiException.badRequest("'" + field + "' must be true or false, got " + node);
    }
    return node.booleanValue();
  }

  static @Nullable List<String> optionalStrings(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw ApiException.badRequest("'" + field + "' must be a list of strings, got " + node);
    }
    List<String> out = new ArrayList<>(node.size());
    for (JsonNode e : node) {
      if (!e.isTextual()) {
        throw ApiException.badRequest("'" + field + "' must be a list of strings, got " + e);
      }
      out.add(e.textValue());
    }
    return out;
  }

  static @Nullable Instant optionalInstant(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw ApiException.badRequest(
          "'" + field + "' must be an ISO-8601 timestamp string, got " + node);
    }
    return instant(field, node.textValue());
  }

  static Instant instant(String field, String text) {
    try {
      return ValueType.toInstant(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'" + field + "': " + e.getMessage());
    }
  }

  /** {@link #entityValues} of a field that must be present. */
  static Map<String, Object> requiredEntityValues(JsonNode body, String field) {
    return Objects.requireNonNull(entityValues(body, field, true), field);
  }

  /** Entity values: a JSON object of key names to strings, numbers or booleans. */
  static @Nullable Map<String, Object> entityValues(JsonNode body, String field, boolean required) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw ApiException.badRequest("'" + field + "' is required, e.g. {\"hcp_id\": \"HCP123\"}");
      }
      return null;
    }
    if (!node.isObject()) {
      throw ApiException.badRequest(
          "'" + field + "' must be an object of entity keys to values, got " + node);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(entityKey(e.getKey()), entityValue(e.getKey(), e.getValue()));
    }
    return out;
  }

  /** A name as the core's ({@link #NAME_PATTERN}), else a 400 naming the field. */
  static String name(String field, String value) {
    return nameAt("'" + field + "'", value);
  }

  /** {@link #name} of a value at {@code where}, a place named as the message should say it. */
  static String nameAt(String where, String value) {
    if (!isName(value)) {
      throw ApiException.badRequest(
          where
              + " is '"
              + abbreviate(value)
              + "': a name must start with a letter or '_' and hold only letters, digits and '_'"
              + " (at most 255)");
    }
    return value;
  }

  /**
   * An entity key name: features declare theirs as names ({@link #NAME_PATTERN}), so any other key
   * can match no feature and is refused as malformed rather than looked up.
   */
  static String entityKey(String key) {
    if (!isName(key)) {
      throw ApiException.badRequest(
          "entity key '"
              + abbreviate(key)
              + "' must start with a letter or '_' and hold only letters, digits and '_'");
    }
    return key;
  }

  /**
   * Whether {@code text} matches {@link #NAME_PATTERN}, checked by hand: every online read checks
   * its entity keys, and the regex cost 2% of the server's CPU per read.
   */
  static boolean isName(String text) {
    int n = text.length();
    if (n == 0 || n > 255 || !nameStart(text.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = text.charAt(i);
      if (!nameStart(c) && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
  }

  private static boolean nameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  static Object entityValue(String key, JsonNode v) {
    if (v.isTextual()) {
      return nonEmptyEntityValue(key, v.textValue());
    }
    if (v.isIntegralNumber()) {
      return v.numberValue();
    }
    if (v.isNumber() || v.isBoolean()) {
      return v.isBoolean() ? v.booleanValue() : v.numberValue();
    }
    if (v.isNull()) {
      throw ApiException.badRequest("missing entity key value: entity key '" + key + "' is null");
    }
    throw ApiException.badRequest("entity key '" + key + "' must be a string or number, got " + v);
  }

  /**
   * An entity id given as {@code ""} is almost surely a client's bug (an unset variable), and it
   * would be stored and served like any id: refused, naming the key.
   */
  static String nonEmptyEntityValue(String key, String value) {
    if (value.isEmpty()) {
      throw ApiException.badRequest(
          "entity key '" + key + "' is an empty string; an entity value must be non-empty");
    }
    return value;
  }

  /** A feature value as plain Java: strings, Long/BigInteger, Double, Boolean, lists, null. */
  static @Nullable Object plainValue(@Nullable JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? (Object) v.longValue() : v.bigIntegerValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isArray()) {
      List<Object> list = new ArrayList<>(v.size());
      v.forEach(e -> list.add(plainValue(e)));
      return list;
    }
    // An object is no feature value of any type: hand it on as a map so the type check rejects
    // it (as text, a string feature would accept it).
    return MAPPER.convertValue(v, Map.class);
  }

  // ---------------------------------------------------------------- writing responses

  static Map<String, Object> group(FeatureGroup g) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", g.name());
    m.put("description", g.description());
    m.put("owner", g.owner());
    m.put("tags", g.tags());
    m.put("source_table", g.sourceTable());
    m.put("expected_update_frequency_hours", g.expectedUpdateFrequencyHours());
    m.put("max_age_hours", g.maxAgeHours());
    m.put("validation", g.validation() == null ? null : g.validation().wireName());
    m.put("schedule", g.schedule());
    m.put("retention_days", g.retentionDays());
    m.put("mlflow_experiment_name", g.mlflowExperimentName());
    m.put("mlflow_experiment_id", g.mlflowExperimentId());
    m.put("created_at", g.createdAt());
    return m;
  }

  static Map<String, Object> feature(Feature f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", f.id().toString());
    m.put("feature_group", f.featureGroup());
    m.put("name", f.name());
    m.put("version", f.version());
    m.put("value_type", f.valueType().wireName());
    m.put("entity_keys", f.entityKeys());
    m.put("description", f.description());
    m.put("owner", f.owner());
    m.put("tags", f.tags());
    m.put("computation_query", f.computationQuery());
    m.put("expression", f.expression());
    m.put("constraints", f.constraints().toMap());
    m.put("validation", f.validation() == null ? null : f.validation().wireName());
    m.put("drift_thresholds", f.driftThresholds() == null ? null : f.driftThresholds().toMap());
    m.put("statistics", f.statistics());
    m.put("mlflow_run_id", f.mlflowRunId());
    m.put("created_at", f.createdAt());
    return m;
  }

  /**
   * The online-features answer, written straight to bytes: the hottest response, and serializing it
   * through maps made Jackson look up a serializer per key and value (a quarter of the server's CPU
   * per request). Same JSON as mapping the fields: entity_values, features, metadata.
   */
  static byte[] entityFeatures(EntityFeatures ef) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeFieldName("entity_values");
      writeMap(g, ef.entity().values());
      g.writeFieldName("features");
      writeMap(g, ef.features());
      g.writeObjectFieldStart("metadata");
      // Values written together share their event time: render it once per answer, not per feature.
      Instant lastTime = null;
      String lastText = null;
      for (Map.Entry<String, FeatureMetadata> e : ef.metadata().entrySet()) {
        FeatureMetadata md = e.getValue();
        g.writeObjectFieldStart(e.getKey());
        g.writeStringField("feature_group", md.featureGroup());
        g.writeNumberField("version", md.version());
        Instant time = md.eventTimestamp();
        if (time == null) {
          g.writeNullField("event_timestamp");
        } else {
          if (lastText == null || !time.equals(lastTime)) {
            lastTime = time;
            lastText = JsonValues.text(time);
          }
          g.writeStringField("event_timestamp", lastText);
        }
        g.writeStringField("freshness_status", md.freshnessStatus().wireName());
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize response: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private static void writeMap(JsonGenerator g, Map<String, ?> map) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, ?> e : map.entrySet()) {
      g.writeFieldName(e.getKey());
      JsonValues.write(g, e.getValue());
    }
    g.writeEndObject();
  }

  static Map<String, Object> featureValue(FeatureValue v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("feature_group", v.featureGroup());
    m.put("feature_name", v.featureName());
    m.put("version", v.version());
    m.put("entity_values", v.entity().values());
    m.put("value", v.value());
    m.put("event_timestamp", v.eventTimestamp());
    m.put("written_at", v.writtenAt());
    m.put("freshness_status", v.freshnessStatus() == null ? null : v.freshnessStatus().wireName());
    return m;
  }

  static Map<String, Object> freshness(FreshnessReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("feature_group", r.featureGroup());
    m.put("feature_name", r.featureName());
    m.put("version", r.version());
    m.put("total_entities", r.totalEntities());
    m.put("fresh_count", r.freshCount());
    m.put("stale_count", r.staleCount());
    m.put("expired_count", r.expiredCount());
    m.put("last_event_timestamp", r.lastEventTimestamp());
    m.put(
        "time_since_last_event",
        r.timeSinceLastEvent() == null ? null : r.timeSinceLastEvent().toString());
    m.put(
        "time_since_last_event_seconds",
        r.timeSinceLastEvent() == null ? null : r.timeSinceLastEvent().toMillis() / 1000.0);
    m.put("checked_at", r.checkedAt());
    return m;
  }

  static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize response: " + e.getMessage(), e);
    }
  }

  static byte[] error(String code, @Nullable String message) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", code);
    inner.put("message", message == null ? code : message);
    return bytes(Map.of("error", inner));
  }

  /** A 500's body: the error id the server logged the failure under, and nothing of the failure. */
  static byte[] internalError(String errorId) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", "INTERNAL");
    inner.put("message", "internal server error (error id " + errorId + "); see the server log");
    inner.put("error_id", errorId);
    return bytes(Map.of("error", inner));
  }
}
