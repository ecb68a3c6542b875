package io.e2i.featurestore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Encodes feature values as JSON text, the form every store and cache keeps them in (JSONB in
 * PostgreSQL, as the seed's schema says). Timestamps are ISO-8601 strings in UTC.
 */
public final class ValueCodec {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ValueCodec() {}

  /** JSON text of a value already normalized by {@link ValueType#normalize}; null gives "null". */
  public static String encode(@Nullable Object value) {
    StringBuilder sb = new StringBuilder(16);
    append(sb, value);
    return sb.toString();
  }

  private static void append(StringBuilder sb, @Nullable Object value) {
    switch (value) {
      case null -> sb.append("null");
      case String s -> Json.appendQuoted(sb, s);
      case Long l -> sb.append(l.longValue());
      case Double d -> sb.append(d.doubleValue());
      case Boolean b -> sb.append(b.booleanValue());
      case Instant i -> Json.appendQuoted(sb, i.toString());
      case List<?> list -> {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          append(sb, list.get(i));
        }
        sb.append(']');
      }
      default -> throw new IllegalArgumentException("not a normalized value: " + value);
    }
  }

  /** Reads JSON text written by {@link #encode} back as a value of the given type. */
  public static @Nullable Object decode(ValueType type, String json) {
    if (json == null) {
      return null;
    }
    Object scalar = decodeScalar(type, json);
    if (scalar != null) {
      return scalar;
    }
    try {
      return fromStoredNode(type, MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("stored value is not JSON: " + json, e);
    }
  }

  /**
   * {@link #decode(ValueType, String)} of the JSON text in {@code utf8[off, off + len)}, without a
   * String for plain numbers and booleans (a history read decodes thousands of values per call, and
   * the String was most of the garbage each one left).
   */
  public static @Nullable Object decode(ValueType type, byte[] utf8, int off, int len) {
    switch (type) {
      case FLOAT64 -> {
        double d = JsonNumbers.parseDouble(utf8, off, len);
        if (!Double.isNaN(d)) {
          return d;
        }
      }
      case INT64 -> {
        Long l = JsonNumbers.parseLong(utf8, off, len);
        if (l != null) {
          return l;
        }
      }
      case BOOL -> {
        if (is(utf8, off, len, TRUE)) {
          return Boolean.TRUE;
        }
        if (is(utf8, off, len, FALSE)) {
          return Boolean.FALSE;
        }
      }
      default -> {
        // the String way below
      }
    }
    return decode(type, new String(utf8, off, len, StandardCharsets.UTF_8));
  }

  private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

  private static boolean is(byte[] b, int off, int len, byte[] word) {
    return len == word.length && Arrays.equals(b, off, off + len, word, 0, len);
  }

  /**
   * Decodes the common scalar forms without building a JSON tree (reads of history and training
   * data decode millions of values); null when the text needs the general path.
   */
  private static @Nullable Object decodeScalar(ValueType type, String json) {
    try {
      return switch (type) {
        case INT64 -> Long.parseLong(json);
        case FLOAT64 -> Double.parseDouble(json);
        case BOOL ->
            json.equals("true") ? Boolean.TRUE : json.equals("false") ? Boolean.FALSE : null;
        case STRING -> plainString(json);
        case TIMESTAMP -> {
          String text = plainString(json);
          yield text == null ? null : ValueType.storedInstant(text);
        }
        default -> null;
      };
    } catch (NumberFormatException e) {
      return null; // e.g. 1e3 written by another client: let Jackson read it
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The content of a JSON string literal without escapes, or null. */
  private static @Nullable String plainString(String json) {
    int last = json.length() - 1;
    if (last < 1 || json.charAt(0) != '"' || json.charAt(last) != '"') {
      return null;
    }
    for (int i = 1; i < last; i++) {
      char c = json.charAt(i);
      if (c == '\\' || c == '"' || c < 0x20) {
        return null;
      }
    }
    return json.substring(1, last);
  }

  /** Converts a parsed JSON node (e.g. from an HTTP body) to a normalized value of the type. */
  public static @Nullable Object fromNode(ValueType type, @Nullable JsonNode node) {
    return type.normalize(toJava(node));
  }

  /**
   * {@link #fromNode} of a value read back from a store or a cache (what {@link #encode} wrote):
   * timestamps of any year read, so a value stored before writes were held to years 0000 to 9999
   * still reads.
   */
  public static @Nullable Object fromStoredNode(ValueType type, @Nullable JsonNode node) {
    return type.normalizeStored(toJava(node));
  }

  /** Plain Java form of a JSON node: String, Long/BigInteger, Double, Boolean, List or null. */
  public static @Nullable Object toJava(@Nullable JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(child -> list.add(toJava(child)));
      return list;
    }
    throw new IllegalArgumentException("objects are not feature values: " + node);
  }

  static List<?> parseJsonList(String text) {
    try {
      JsonNode node = MAPPER.readTree(text);
      if (!node.isArray()) {
        throw new IllegalArgumentException("expected a JSON array, got " + text);
      }
      return (List<?>) Objects.requireNonNull(toJava(node));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("expected a JSON array, got " + text);
    }
  }
}
