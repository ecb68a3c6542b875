package io.e2i.featurestore;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The type of a feature's values. Scalars map to {@link String}, {@link Long}, {@link Double},
 * {@link Boolean} and {@link Instant}; list types to an unmodifiable {@link List} of those. Any
 * value may be null (missing).
 */
public enum ValueType {
  STRING("string", null),
  INT64("int64", null),
  FLOAT64("float64", null),
  BOOL("bool", null),
  TIMESTAMP("timestamp", null),
  STRING_LIST("string_list", STRING),
  INT64_LIST("int64_list", INT64),
  FLOAT64_LIST("float64_list", FLOAT64),
  BOOL_LIST("bool_list", BOOL),
  TIMESTAMP_LIST("timestamp_list", TIMESTAMP);

  private final String wireName;
  private final @Nullable ValueType elementType;

  ValueType(String wireName, @Nullable ValueType elementType) {
    this.wireName = wireName;
    this.elementType = elementType;
  }

  /** The name used in JSON, YAML, SQL and the CLI, e.g. {@code int64} or {@code float64_list}. */
  public String wireName() {
    return wireName;
  }

  public boolean isList() {
    return elementType != null;
  }

  /** The element type of a list type, or null for a scalar. */
  public @Nullable ValueType elementType() {
    return elementType;
  }

  public boolean isNumeric() {
    return this == INT64 || this == FLOAT64;
  }

  /**
   * Parses a type name: the wire names, plus {@code list<T>} / {@code array<T>} and the common
   * aliases int, long, integer, float, double, boolean, str.
   */
  public static ValueType parse(String name) {
    if (name == null || name.isBlank()) {
      throw FeatureStoreException.invalid("value_type is required");
    }
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (String prefix : List.of("list<", "array<")) {
      if (n.startsWith(prefix) && n.endsWith(">")) {
        ValueType element = parse(n.substring(prefix.length(), n.length() - 1));
        if (element.isList()) {
          throw FeatureStoreException.invalid("nested list types are not supported: " + name);
        }
        return listOf(element);
      }
    }
    for (ValueType t : values()) {
      if (t.wireName.equals(n)) {
        return t;
      }
    }
    return switch (n) {
      case "str", "text", "varchar" -> STRING;
      case "int", "integer", "long", "int32" -> INT64;
      case "float", "double", "float32", "number" -> FLOAT64;
      case "boolean" -> BOOL;
      case "datetime", "timestamptz" -> TIMESTAMP;
      default ->
          throw FeatureStoreException.invalid(
              "unknown value_type '" + name + "'; expected one of " + wireNames());
    };
  }

  public static ValueType listOf(ValueType element) {
    for (ValueType t : values()) {
      if (t.elementType == element) {
        return t;
      }
    }
    throw new IllegalArgumentException("no list type of " + element);
  }

  public static List<String> wireNames() {
    List<String> names = new ArrayList<>();
    for (ValueType t : values()) {
      names.add(t.wireName);
    }
    return names;
  }

  /**
   * Checks a value against this type and returns its canonical Java form (e.g. an Integer becomes a
   * Long, an ISO-8601 string becomes an Instant truncated to microseconds).
   *
   * @throws IllegalArgumentException naming why the value does not fit
   */
  public @Nullable Object normalize(@Nullable Object value) {
    return normalize(value, true);
  }

  /**
   * {@link #normalize} of a value read back from a store or a cache: a timestamp of any year reads
   * (a value written before writes were held to years 0000 to 9999, e.g. year 10001, must not make
   * its reads fail); writes stay strict.
   */
  @Nullable Object normalizeStored(@Nullable Object value) {
    return normalize(value, false);
  }

  private @Nullable Object normalize(@Nullable Object value, boolean checkYears) {
    if (value == null) {
      return null;
    }
    if (elementType != null) {
      if (!(value instanceof List<?> list)) {
        throw new IllegalArgumentException("expected a list of " + elementType.wireName);
      }
      List<Object> out = new ArrayList<>(list.size());
      for (Object element : list) {
        if (element == null) {
          throw new IllegalArgumentException("list elements must not be null");
        }
        out.add(elementType.normalize(element, checkYears));
      }
      return Collections.unmodifiableList(out);
    }
    return switch (this) {
      case STRING -> {
        if (value instanceof String s) {
          yield s;
        }
        throw mismatch(value);
      }
      case INT64 -> normalizeInt64(value);
      case FLOAT64 -> normalizeFloat64(value);
      case BOOL -> {
        if (value instanceof Boolean b) {
          yield b;
        }
        throw mismatch(value);
      }
      case TIMESTAMP -> checkYears ? toInstant(value) : storedInstant(value);
      default -> throw new IllegalStateException(name());
    };
  }

  /**
   * Parses the text form of a value (a CSV cell, a CLI argument). Empty text is null. Lists are
   * JSON arrays.
   */
  public @Nullable Object parseText(@Nullable String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    if (isList()) {
      return normalize(ValueCodec.parseJsonList(text));
    }
    return switch (this) {
      case STRING -> text;
      case INT64 -> {
        try {
          yield Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + text + "' is not an int64");
        }
      }
      case FLOAT64 -> {
        try {
          yield normalizeFloat64(Double.parseDouble(text.trim()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + text + "' is not a float64");
        }
      }
      case BOOL -> {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("1")) {
          yield Boolean.TRUE;
        }
        if (t.equals("false") || t.equals("0")) {
          yield Boolean.FALSE;
        }
        throw new IllegalArgumentException("'" + text + "' is not a bool");
      }
      case TIMESTAMP -> toInstant(text.trim());
      default -> throw new IllegalStateException(name());
    };
  }

  private IllegalArgumentException mismatch(Object value) {
    return new IllegalArgumentException(
        "expected " + wireName + ", got " + describe(value) + " " + value);
  }

  private static String describe(Object value) {
    return switch (value) {
      case String s -> "string";
      case Boolean b -> "bool";
      case Integer i -> "integer";
      case Long l -> "integer";
      case Double d -> "float";
      case Float f -> "float";
      case List<?> l -> "list";
      // A JSON object reaches the core as a Map: the caller should read JSON's word, not a class.
      case java.util.Map<?, ?> m -> "object";
      default -> value.getClass().getSimpleName();
    };
  }

  private Long normalizeInt64(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger big) {
      if (big.bitLength() < 64) {
        return big.longValue();
      }
      throw new IllegalArgumentException("integer " + value + " is out of the int64 range");
    }
    if (value instanceof BigDecimal dec) {
      try {
        return dec.longValueExact();
      } catch (ArithmeticException e) {
        throw mismatch(value);
      }
    }
    throw mismatch(value);
  }

  private Double normalizeFloat64(Object value) {
    if (!(value instanceof Number n)) {
      throw mismatch(value);
    }
    double d = n.doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new IllegalArgumentException("float64 must be finite, got " + d);
    }
    return d;
  }

  /**
   * The first instant a timestamp may hold: RFC 3339's first, 0000-01-01T00:00:00, at the largest
   * offset java.time reads (+18:00), so every date-time in years 0000 to 9999 is in range.
   */
  public static final Instant MIN_TIMESTAMP = Instant.parse("-0001-12-31T06:00:00Z");

  /** The last instant a timestamp may hold: 9999-12-31T23:59:59.999999 at offset -18:00. */
  public static final Instant MAX_TIMESTAMP = Instant.parse("+10000-01-01T17:59:59.999999Z");

  /**
   * Accepts an Instant, an OffsetDateTime or ZonedDateTime, or ISO-8601 text with an offset, in
   * years 0000 to 9999 (RFC 3339's): the stores count microseconds in a long (DuckDB's and
   * PostgreSQL's timestamps; a year past 294,000 overflows) and Python's datetime ends at 9999, so
   * a time past them is the caller's mistake, not a store failure.
   */
  public static Instant toInstant(Object value) {
    return inRange(anyYear(value), value).truncatedTo(ChronoUnit.MICROS);
  }

  /**
   * {@link #toInstant} of a time read back from a store: any year (see {@link #normalizeStored}).
   */
  static Instant storedInstant(Object value) {
    return anyYear(value).truncatedTo(ChronoUnit.MICROS);
  }

  private static Instant anyYear(Object value) {
    return switch (value) {
      case Instant i -> i;
      case OffsetDateTime o -> o.toInstant();
      case ZonedDateTime z -> z.toInstant();
      case java.util.Date d -> d.toInstant();
      case String s -> parseInstant(s);
      default ->
          throw new IllegalArgumentException(
              "expected a timestamp, got " + describe(value) + " " + value);
    };
  }

  /** Whether {@code instant} is in years 0000 to 9999 (see {@link #MIN_TIMESTAMP}). */
  public static boolean isInRange(Instant instant) {
    return !instant.isBefore(MIN_TIMESTAMP) && !instant.isAfter(MAX_TIMESTAMP);
  }

  /**
   * {@code instant} if it is in years 0000 to 9999 (see {@link #MIN_TIMESTAMP}), else an
   * IllegalArgumentException naming {@code given} (what the caller gave).
   */
  public static Instant inRange(Instant instant, Object given) {
    if (!isInRange(instant)) {
      throw new IllegalArgumentException(outOfRange(given));
    }
    return instant;
  }

  /**
   * A Java caller's time argument named {@code argument} (a read window's bound, an as-of), refused
   * as HTTP refuses it (a 400) when it is outside years 0000 to 9999: the stores count microseconds
   * in a long, so such a time would otherwise fail inside them ("offline store read failed"). Null,
   * an open bound, passes.
   *
   * @throws FeatureStoreException INVALID_ARGUMENT naming the argument and the time
   */
  public static @Nullable Instant checkTimeArgument(String argument, @Nullable Instant instant) {
    if (instant != null && !isInRange(instant)) {
      throw FeatureStoreException.invalid("'" + argument + "': " + outOfRange(instant));
    }
    return instant;
  }

  private static String outOfRange(Object given) {
    String text = given instanceof String s ? "'" + s + "'" : String.valueOf(given);
    return "timestamp "
        + (text.length() > 80 ? text.substring(0, 77) + "..." : text)
        + " is out of range: years 0000 to 9999";
  }

  private static Instant parseInstant(String s) {
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(
            "malformed timestamp '"
                + s
                + "': expected ISO-8601 with an offset, e.g. 2025-12-18T10:15:30Z");
      }
    }
  }
}
