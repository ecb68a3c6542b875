package io.e2i.featurestore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * What a feature's values must satisfy beyond their type. Every rule is optional: {@code nullable}
 * (false forbids null values), {@code min} / {@code max} (numbers, inclusive), {@code allowed} (the
 * only values accepted), {@code pattern} (a regular expression a string must match whole), {@code
 * maxLength} (string length), {@code minItems} / {@code maxItems} (list sizes). Checked for
 * consistency when declared; enforced on write according to the {@link ValidationMode}.
 */
public record Constraints(
    @Nullable Boolean nullable,
    @Nullable Double min,
    @Nullable Double max,
    List<Object> allowed,
    @Nullable String pattern,
    @Nullable Integer maxLength,
    @Nullable Integer minItems,
    @Nullable Integer maxItems) {

  public static final Constraints NONE =
      new Constraints(null, null, null, List.of(), null, null, null, null);

  static final List<String> FIELDS =
      List.of(
          "nullable", "min", "max", "allowed", "pattern", "max_length", "min_items", "max_items");

  public Constraints {
    allowed = allowed == null ? List.of() : normalized(allowed);
    if (min != null && max != null && min > max) {
      throw invalid("min " + min + " is greater than max " + max);
    }
    if ((min != null && !Double.isFinite(min)) || (max != null && !Double.isFinite(max))) {
      throw invalid("min and max must be finite numbers");
    }
    if (pattern != null) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw invalid(
            "pattern '" + pattern + "' is not a regular expression: " + e.getDescription());
      }
    }
    nonNegative("max_length", maxLength);
    nonNegative("min_items", minItems);
    nonNegative("max_items", maxItems);
    if (minItems != null && maxItems != null && minItems > maxItems) {
      throw invalid("min_items " + minItems + " is greater than max_items " + maxItems);
    }
  }

  public boolean isEmpty() {
    return equals(NONE);
  }

  /**
   * Refuses a rule that can never apply to a feature of {@code type} (the write path checks {@code
   * min} / {@code max} on numbers, {@code pattern} / {@code max_length} on strings, {@code allowed}
   * on scalars and {@code min_items} / {@code max_items} on lists), so a declared rule is never
   * silently inert: {@code max_length} on a float64 feature, or {@code allowed: ["a"]} on an int64
   * one, is an error naming the rule, the feature and its type.
   */
  public void checkAppliesTo(String feature, ValueType type) {
    String where = " on feature '" + feature + "' of type " + type.wireName();
    if (!type.isNumeric() && (min != null || max != null)) {
      throw invalid(
          (min != null ? "min" : "max") + " applies to int64 and float64 values, not" + where);
    }
    if (type != ValueType.STRING && (pattern != null || maxLength != null)) {
      throw invalid(
          (pattern != null ? "pattern" : "max_length") + " applies to string values, not" + where);
    }
    if (!type.isList() && (minItems != null || maxItems != null)) {
      throw invalid(
          (minItems != null ? "min_items" : "max_items") + " applies to list values, not" + where);
    }
    if (!allowed.isEmpty()) {
      if (type.isList()) {
        throw invalid("allowed applies to single values, not" + where);
      }
      for (Object v : allowed) {
        if (!allowedFits(type, v)) {
          throw invalid(
              "allowed value "
                  + (v instanceof String ? "'" + v + "'" : String.valueOf(v))
                  + " can never be a value"
                  + where);
        }
      }
    }
  }

  private static boolean allowedFits(ValueType type, Object v) {
    return switch (type) {
      case INT64 -> v instanceof Long || (v instanceof Double d && d == Math.rint(d));
      case FLOAT64 -> v instanceof Number;
      case BOOL -> v instanceof Boolean;
      case STRING, TIMESTAMP -> v instanceof String;
      default -> false;
    };
  }

  /** The wire and YAML form: only the rules set, snake_case keys. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    putIf(m, "nullable", nullable);
    putIf(m, "min", min);
    putIf(m, "max", max);
    if (!allowed.isEmpty()) {
      m.put("allowed", allowed);
    }
    putIf(m, "pattern", pattern);
    putIf(m, "max_length", maxLength);
    putIf(m, "min_items", minItems);
    putIf(m, "max_items", maxItems);
    return m;
  }

  /** From the wire or YAML form; an unknown key or a value of the wrong kind is an error. */
  public static Constraints fromMap(Map<String, ?> map) {
    String what = "constraints";
    Options.known(map, what, FIELDS);
    Object allowed = map.get("allowed");
    if (allowed != null && !(allowed instanceof List<?>)) {
      throw invalid("allowed must be a list of values, got " + allowed);
    }
    return new Constraints(
        Options.bool(map, what, "nullable"),
        Options.optionalNumber(map, what, "min"),
        Options.optionalNumber(map, what, "max"),
        allowed == null ? List.of() : new ArrayList<>((List<?>) allowed),
        Options.text(map, what, "pattern"),
        Options.integer(map, what, "max_length"),
        Options.integer(map, what, "min_items"),
        Options.integer(map, what, "max_items"));
  }

  private static List<Object> normalized(List<?> values) {
    List<Object> out = new ArrayList<>(values.size());
    for (Object v : values) {
      if (v == null) {
        throw invalid("allowed may not contain null (use nullable)");
      }
      out.add(normalizedValue(v));
    }
    return List.copyOf(out);
  }

  /** Whole numbers as Long, other numbers as Double, so JSON round trips compare equal. */
  private static Object normalizedValue(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof java.math.BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String || v instanceof Boolean) {
      return v;
    }
    throw invalid("allowed values must be strings, numbers or booleans, got " + v);
  }

  private static void nonNegative(String field, @Nullable Integer n) {
    if (n != null && n < 0) {
      throw invalid(field + " must be >= 0, got " + n);
    }
  }

  private static void putIf(Map<String, Object> m, String key, @Nullable Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  private static FeatureStoreException invalid(String message) {
    return FeatureStoreException.invalid("constraints: " + message);
  }
}
