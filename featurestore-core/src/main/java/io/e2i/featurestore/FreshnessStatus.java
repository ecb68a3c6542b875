package io.e2i.featurestore;

import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** How old a value is relative to its group's bounds. */
public enum FreshnessStatus {
  FRESH,
  STALE,
  EXPIRED;

  /**
   * Fresh while {@code age <= expected}, stale while {@code age <= maxAge}, expired after. A null
   * bound never triggers: with no max age a value is never expired, with no expected frequency it
   * is fresh until it expires.
   */
  public static FreshnessStatus of(
      Duration age, @Nullable Duration expected, @Nullable Duration maxAge) {
    if (maxAge != null && age.compareTo(maxAge) > 0) {
      return EXPIRED;
    }
    if (expected != null && age.compareTo(expected) > 0) {
      return STALE;
    }
    return FRESH;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static FreshnessStatus fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
