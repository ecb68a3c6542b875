package io.e2i.featurestore;

/**
 * JSON numbers read straight from their UTF-8 bytes, for the forms a history read meets by the
 * thousand (PostgreSQL prints {@code jsonb} numbers as plain decimals). Only what is provably exact
 * is read here; anything else returns the "not read" marker and goes the String way, so results are
 * bit for bit those of {@link Double#parseDouble} and {@link Long#parseLong}.
 */
final class JsonNumbers {
  /** Marker for "not read here": JSON has no NaN, so no number text yields it. */
  static final double NOT_READ = Double.NaN;

  private static final long EXACT = 1L << 53; // every integer up to it is a double
  private static final double[] POWERS = new double[23]; // 10^0..10^22 are exact doubles

  static {
    double p = 1;
    for (int i = 0; i < POWERS.length; i++) {
      POWERS[i] = p;
      p *= 10;
    }
  }

  private JsonNumbers() {}

  /**
   * {@code [-]digits[.digits][(e|E)[+|-]digits]} whose digits make an integer of at most 2^53 and
   * whose decimal exponent is within 22: then the integer and 10^|exponent| are exact doubles and
   * one multiplication or division rounds once, correctly (Clinger's fast path). Otherwise {@link
   * #NOT_READ}.
   */
  static double parseDouble(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    boolean negative = i < end && b[i] == '-';
    if (negative) {
      i++;
    }
    long m = 0;
    int scale = 0;
    int start = i;
    for (; i < end && isDigit(b[i]); i++) {
      if (m > (EXACT - 9) / 10) {
        return NOT_READ;
      }
      m = m * 10 + (b[i] - '0');
    }
    if (i == start) {
      return NOT_READ;
    }
    if (i < end && b[i] == '.') {
      int fraction = ++i;
      for (; i < end && isDigit(b[i]); i++) {
        if (m > (EXACT - 9) / 10) {
          return NOT_READ;
        }
        m = m * 10 + (b[i] - '0');
        scale--;
      }
      if (i == fraction) {
        return NOT_READ;
      }
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      boolean negativeExponent = i < end && b[i] == '-';
      if (i < end && (b[i] == '-' || b[i] == '+')) {
        i++;
      }
      int digits = i;
      int e = 0;
      for (; i < end && isDigit(b[i]); i++) {
        if (e > 1000) {
          return NOT_READ;
        }
        e = e * 10 + (b[i] - '0');
      }
      if (i == digits) {
        return NOT_READ;
      }
      scale += negativeExponent ? -e : e;
    }
    if (i != end) {
      return NOT_READ;
    }
    double d;
    if (m == 0) {
      d = 0;
    } else if (scale >= 0 && scale < POWERS.length) {
      d = m * POWERS[scale];
    } else if (scale < 0 && -scale < POWERS.length) {
      d = m / POWERS[-scale];
    } else {
      return NOT_READ;
    }
    return negative ? -d : d;
  }

  /** {@code [-]digits} with at most 18 digits (no overflow possible), else null. */
  static @org.jspecify.annotations.Nullable Long parseLong(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    boolean negative = i < end && b[i] == '-';
    if (negative) {
      i++;
    }
    if (i == end || end - i > 18) {
      return null;
    }
    long v = 0;
    for (; i < end; i++) {
      if (!isDigit(b[i])) {
        return null;
      }
      v = v * 10 + (b[i] - '0');
    }
    return negative ? -v : v;
  }

  private static boolean isDigit(byte c) {
    return c >= '0' && c <= '9';
  }
}
