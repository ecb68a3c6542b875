package io.e2i.featurestore;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the declarative option maps (constraints, drift thresholds, the stored options column)
 * strictly: unknown keys and values of the wrong kind are errors naming them.
 */
final class Options {
  private Options() {}

  static void known(Map<String, ?> map, String what, List<String> fields) {
    for (String key : map.keySet()) {
      if (!fields.contains(key)) {
        throw FeatureStoreException.invalid(
            what + ": unknown field '" + key + "' (known: " + String.join(", ", fields) + ")");
      }
    }
  }

  static @Nullable Boolean bool(Map<String, ?> map, String what, String key) {
    Object v = map.get(key);
    if (v == null || v instanceof Boolean) {
      return (Boolean) v;
    }
    throw FeatureStoreException.invalid(what + ": " + key + " must be true or false, got " + v);
  }

  static @Nullable Double optionalNumber(Map<String, ?> map, String what, String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw FeatureStoreException.invalid(what + ": " + key + " must be a number, got " + v);
  }

  static double number(Map<String, ?> map, String what, String key, double dflt) {
    Double d = optionalNumber(map, what, key);
    return d == null ? dflt : d;
  }

  static @Nullable Integer integer(Map<String, ?> map, String what, String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    // 24.0 is a whole number in JSON Schema too, so the wire may carry it.
    if (v instanceof Number n
        && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
      return (int) n.doubleValue();
    }
    throw FeatureStoreException.invalid(what + ": " + key + " must be an integer, got " + v);
  }

  static @Nullable String text(Map<String, ?> map, String what, String key) {
    Object v = map.get(key);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw FeatureStoreException.invalid(what + ": " + key + " must be text, got " + v);
  }

  @SuppressWarnings("unchecked")
  static @Nullable Map<String, Object> object(Map<String, ?> map, String what, String key) {
    Object v = map.get(key);
    if (v == null || v instanceof Map<?, ?>) {
      return (Map<String, Object>) v;
    }
    throw FeatureStoreException.invalid(what + ": " + key + " must be an object, got " + v);
  }
}
