package io.e2i.featurestore;

import java.util.Locale;

/**
 * What a write does with a value that breaks its feature's {@link Constraints}: {@code REJECT} (the
 * whole call fails naming feature, entity, value and constraint; nothing is written) or {@code
 * WARN} (written, counted and reported).
 */
public enum ValidationMode {
  REJECT,
  WARN;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ValidationMode parse(String text) {
    for (ValidationMode m : values()) {
      if (m.wireName().equals(text)) {
        return m;
      }
    }
    throw FeatureStoreException.invalid(
        "validation must be 'reject' or 'warn', got '" + text + "'");
  }
}
