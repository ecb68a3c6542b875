package io.e2i.featurestore.server;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the body of {@code POST /api/v1/feature-values/batch} token by token, so a request of
 * hundreds of thousands of values never becomes a JSON tree: only the resulting {@link
 * FeatureWrite}s are held (the store writes them in one transaction, so they must all be known).
 *
 * <p>Accepts the seed's list as is ({@code [{"feature_name", "entity_values", "value",
 * "event_timestamp", "feature_group"?}, ...]}) or an object {@code {"feature_values": [...],
 * "feature_group": "default group"?}}.
 */
final class BatchReader {
  // Reads one nested value in the middle of the stream: what follows it is no "trailing token".
  private static final ObjectReader NESTED =
      Wire.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  static final List<String> ENVELOPE_FIELDS = List.of("feature_values", "feature_group");
  private final int maxValues;
  // Timestamps in a batch repeat a lot: parse each distinct text once.
  private final Map<String, Instant> instants = new HashMap<>();
  // Entity maps repeat too (several features of one entity): share equal ones.
  private final Map<List<Object>, Map<String, Object>> entities = new HashMap<>();

  BatchReader(int maxValues) {
    this.maxValues = maxValues;
  }

  List<FeatureWrite> read(InputStream body) {
    try (JsonParser p = Wire.MAPPER.getFactory().createParser(body)) {
      JsonToken first = p.nextToken();
      List<FeatureWrite> writes;
      if (first == JsonToken.START_ARRAY) {
        writes = readArray(p, null);
      } else if (first == JsonToken.START_OBJECT) {
        writes = readEnvelope(p);
      } else {
        throw ApiException.badRequest(
            "the batch body must be a JSON list of feature values or"
                + " {\"feature_values\": [...]}");
      }
      if (p.nextToken() != null) {
        throw ApiException.badRequest("malformed JSON: trailing content after the batch");
      }
      return writes;
    } catch (JsonParseException e) {
      throw Wire.malformed(e);
    } catch (IOException e) {
      throw ApiException.badRequest("could not read the request body: " + e.getMessage());
    }
  }

  private List<FeatureWrite> readEnvelope(JsonParser p) throws IOException {
    String defaultGroup = null;
    List<FeatureWrite> writes = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "feature_group" ->
            defaultGroup = groupName(text(p, t, "'feature_group'"), "'feature_group'");
        case "feature_values" -> {
          if (t != JsonToken.START_ARRAY) {
            throw ApiException.badRequest("'feature_values' must be a list");
          }
          writes = readArray(p, defaultGroup);
        }
        default -> throw unknownField(field, "batch", ENVELOPE_FIELDS);
      }
    }
    if (writes == null) {
      throw ApiException.badRequest("'feature_values' is required");
    }
    if (defaultGroup != null) {
      // The default applies whichever field came first.
      String group = defaultGroup;
      writes.replaceAll(
          w ->
              w.featureGroup() != null
                  ? w
                  : new FeatureWrite(
                      w.featureName(), w.entityValues(), w.value(), w.eventTimestamp(), group));
    }
    return writes;
  }

  private List<FeatureWrite> readArray(JsonParser p, @Nullable String defaultGroup)
      throws IOException {
    List<FeatureWrite> writes = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw ApiException.badRequest(
            "value #" + (writes.size() + 1) + " must be a JSON object, got " + t.asString());
      }
      if (writes.size() >= maxValues) {
        throw ApiException.tooLarge(
            "a batch may carry at most " + maxValues + " values; split the request");
      }
      writes.add(readWrite(p, writes.size() + 1, defaultGroup));
    }
    return writes;
  }

  private FeatureWrite readWrite(JsonParser p, int index, @Nullable String defaultGroup)
      throws IOException {
    String featureName = null;
    String group = defaultGroup;
    Map<String, Object> entity = null;
    Object value = null;
    boolean hasValue = false;
    Instant eventTimestamp = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "feature_name" -> featureName = text(p, t, at(index, field));
        case "feature_group" -> group = groupName(text(p, t, at(index, field)), at(index, field));
        case "entity_values" -> entity = entity(p, t, index);
        case "value" -> {
          value = value(p, t);
          hasValue = true;
        }
        case "event_timestamp" -> {
          String ts = text(p, t, at(index, field));
          if (ts != null) {
            eventTimestamp = instants.get(ts);
            if (eventTimestamp == null) {
              eventTimestamp = instant(at(index, field), ts);
              if (instants.size() < 10_000) {
                instants.put(ts, eventTimestamp);
              }
            }
          }
        }
        default -> throw unknownField(field, "value #" + index, Api.WRITE_FIELDS);
      }
    }
    if (featureName == null || featureName.isBlank()) {
      throw ApiException.badRequest(at(index, "feature_name") + " is required");
    }
    if (entity == null) {
      throw ApiException.badRequest(at(index, "entity_values") + " is required");
    }
    if (!hasValue) {
      throw ApiException.badRequest(at(index, "value") + " is required (null is a missing value)");
    }
    return new FeatureWrite(featureName, entity, value, eventTimestamp, group);
  }

  /**
   * Where a value's field is, said as the spine's messages say it ("spine row 3, column 'x'"):
   * {@code value #3, field 'event_timestamp'}.
   */
  private static String at(int index, String field) {
    return "value #" + index + ", field '" + field + "'";
  }

  private static Instant instant(String where, String text) {
    try {
      return ValueType.toInstant(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(where + ": " + e.getMessage());
    }
  }

  /** A group named in a batch is checked even when no value uses it (an empty batch). */
  private static @Nullable String groupName(@Nullable String group, String where) {
    return group == null ? null : Wire.nameAt(where, group);
  }

  private static ApiException unknownField(String field, String where, List<String> known) {
    return ApiException.badRequest(
        "unknown field '"
            + Wire.abbreviate(field)
            + "' in "
            + where
            + "; known fields: "
            + String.join(", ", known));
  }

  /** A string field's text, or null; {@code where} names it, quoted. */
  private static @Nullable String text(JsonParser p, JsonToken t, String where) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw ApiException.badRequest(where + " must be a string");
    }
    return p.getText();
  }

  private static String entityText(String key, String value, int index) {
    try {
      return Wire.nonEmptyEntityValue(key, value);
    } catch (ApiException e) {
      throw ApiException.badRequest("value #" + index + ": " + e.getMessage());
    }
  }

  private Map<String, Object> entity(JsonParser p, JsonToken t, int index) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      throw ApiException.badRequest(
          at(index, "entity_values") + " must be an object of entity keys to values");
    }
    List<Object> flat = new ArrayList<>(4);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = Wire.entityKey(p.currentName());
      JsonToken v = p.nextToken();
      Object value =
          switch (v) {
            case VALUE_STRING -> entityText(key, p.getText(), index);
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
            case VALUE_TRUE, VALUE_FALSE -> v == JsonToken.VALUE_TRUE;
            case VALUE_NULL ->
                throw ApiException.badRequest(
                    "value #" + index + ": missing entity key value: '" + key + "' is null");
            default ->
                throw ApiException.badRequest(
                    "value #" + index + ": entity key '" + key + "' must be a string or number");
          };
      flat.add(key);
      flat.add(value);
    }
    Map<String, Object> shared = entities.get(flat);
    if (shared == null) {
      shared = new LinkedHashMap<>();
      for (int i = 0; i < flat.size(); i += 2) {
        shared.put((String) flat.get(i), flat.get(i + 1));
      }
      if (entities.size() < 100_000) {
        entities.put(flat, shared);
      }
    }
    return shared;
  }

  private static @Nullable Object value(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case VALUE_NULL -> null;
      case VALUE_STRING -> p.getText();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NUMBER_INT ->
          p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? (BigInteger) p.getBigIntegerValue()
              : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          list.add(value(p, e));
        }
        yield list;
      }
      // An object is no feature value of any type: a map, so the type check rejects it.
      case START_OBJECT -> Wire.MAPPER.convertValue(NESTED.readTree(p), Map.class);
      default -> throw ApiException.badRequest("unexpected JSON token " + t);
    };
  }
}
