package io.e2i.featurestore.server;

import org.jspecify.annotations.Nullable;

/** Whole-number query parameters (limit, offset, depth): range-checked, a 400 naming the bounds. */
final class QueryNumbers {
  private QueryNumbers() {}

  /**
   * {@code text} as a whole number from min to max; {@code absent} when the parameter is absent.
   */
  static int between(String name, @Nullable String text, int min, int max, int absent) {
    return text == null ? absent : between(name, text, min, max);
  }

  /** {@code text} as a whole number from min to max, or a 400 echoing at most 40 characters. */
  static int between(String name, String text, int min, int max) {
    try {
      int n = Integer.parseInt(text.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw ApiException.badRequest(
        name
            + " must be a whole number from "
            + min
            + " to "
            + max
            + ", got '"
            + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
            + "'");
  }
}
