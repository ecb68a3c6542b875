package io.e2i.featurestore.postgres;

import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One feature's history as {@link PgHistory#sql} returns it: its values packed into one {@code
 * bytea}, each {@code event_timestamp (8 bytes) written_at (8 bytes) [value]}, values separated by
 * a zero byte. Timestamps are PostgreSQL's binary {@code timestamptz} (microseconds since
 * 2000-01-01 UTC, big-endian); the value is {@code jsonb_send}'s form (version byte 1, then the
 * JSON text), absent for SQL NULL. A zero byte cannot occur in the JSON text (PostgreSQL text has
 * no NUL and {@code jsonb} prints control characters escaped), so it ends a value unambiguously. In
 * a typed read ({@link PgHistory#sql(boolean, boolean, boolean)}) a number may instead come as the
 * tag byte {@value #FLOAT8_TAG} and its 8 bytes of {@code float8send} (which may contain zero
 * bytes: the tag gives the length, the separator follows them).
 */
record PgHistoryRows(UUID featureId, int count, byte @Nullable [] packed) {
  private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L; // 2000-01-01T00:00:00Z
  private static final int TIMESTAMPS = 16;
  private static final byte JSONB_VERSION = 1;
  static final byte FLOAT8_TAG = 8;
  private static final double TWO_TO_53 = 0x1p53;

  /**
   * Receives one value: its JSON text at {@code b[off, off + len)}, or {@code len < 0} for null.
   */
  @FunctionalInterface
  interface Visitor {
    void value(byte[] b, int off, int len, Instant eventTimestamp, Instant writtenAt)
        throws SQLException;

    /**
     * Receives a number sent as float8 (typed reads only; see {@link #number(ValueType, double)}).
     */
    default void number(double value, Instant eventTimestamp, Instant writtenAt)
        throws SQLException {
      throw new SQLException("history: a float8 value in a read of JSON text");
    }
  }

  /**
   * The value a number sent as float8 stands for in a feature of {@code type}: what decoding its
   * JSON gives. The writer (PgCopy) sets value_num to the Double itself or to the Long's double,
   * and the typed SQL sends it only below 2^53 in magnitude, where a Long's double is exact: so a
   * float64 feature's value is the double, an int64 feature's the integer it holds. Anything else
   * (no such row is written by the store) is decoded from the number's text as its JSON would be.
   */
  static @Nullable Object number(ValueType type, double x) {
    boolean integral = x == Math.rint(x) && Math.abs(x) < TWO_TO_53;
    if (type == ValueType.FLOAT64) {
      return x == 0 ? 0.0 : x; // a JSON number's numeric has no negative zero
    }
    if (type == ValueType.INT64 && integral) {
      return (long) x;
    }
    return ValueCodec.decode(type, integral ? Long.toString((long) x) : Double.toString(x));
  }

  /**
   * Visits the values by event time, oldest first (the facade's order) or newest first (the order
   * the list form of the history has always returned). The aggregate receives them newest first
   * (the walk's order); if they are not strictly in that order they are sorted here, so the
   * output's order never depends on how the server fed the aggregate.
   */
  void forEach(Instants instants, boolean oldestFirst, Visitor visitor) throws SQLException {
    byte[] b = packed;
    if (b == null || count == 0) {
      return;
    }
    int[] starts = starts(b, count);
    boolean newestFirst = true;
    for (int k = 1; k < count && newestFirst; k++) {
      newestFirst = micros(b, starts[k]) < micros(b, starts[k - 1]);
    }
    if (!newestFirst) {
      Integer[] order = new Integer[count];
      for (int k = 0; k < count; k++) {
        order[k] = starts[k];
      }
      Arrays.sort(order, Comparator.comparingLong(start -> -micros(b, start)));
      for (int k = 0; k < count; k++) {
        starts[k] = order[k];
      }
    }
    for (int k = 0; k < count; k++) {
      visit(b, starts[oldestFirst ? count - 1 - k : k], instants, visitor);
    }
  }

  private static void visit(byte[] b, int start, Instants instants, Visitor visitor)
      throws SQLException {
    int value = start + TIMESTAMPS;
    Instant event = instants.of(micros(b, start));
    Instant written = instants.of(micros(b, start + 8));
    if (value < b.length && b[value] == FLOAT8_TAG) {
      visitor.number(Double.longBitsToDouble(micros(b, value + 1)), event, written);
      return;
    }
    int end = valueEnd(b, value);
    if (end == value) {
      visitor.value(b, value, -1, event, written);
    } else {
      visitor.value(b, value + 1, end - value - 1, event, written);
    }
  }

  /** Where each of the {@code count} values starts; fails if the bytes hold another number. */
  private static int[] starts(byte[] b, int count) throws SQLException {
    int[] starts = new int[count];
    int pos = 0;
    for (int k = 0; k < count; k++) {
      if (pos + TIMESTAMPS > b.length) {
        throw new SQLException("history: " + k + " packed values where " + count + " were counted");
      }
      starts[k] = pos;
      int value = pos + TIMESTAMPS;
      if (value < b.length && b[value] == FLOAT8_TAG) {
        pos = value + 9;
        if (pos > b.length || (pos < b.length && b[pos] != 0)) {
          throw new SQLException("history: a float8 value not 8 bytes long");
        }
      } else if (value < b.length && b[value] != 0 && b[value] != JSONB_VERSION) {
        throw new SQLException("history: unexpected jsonb version " + b[value]);
      } else {
        pos = valueEnd(b, value);
      }
      if (pos < b.length) {
        pos++; // the separator
        if (pos == b.length) {
          throw new SQLException("history: packed values end with a separator");
        }
      }
    }
    if (pos != b.length) {
      throw new SQLException("history: more packed values than the " + count + " counted");
    }
    return starts;
  }

  /** The end of the value starting at {@code from}: the next zero byte or the end. */
  private static int valueEnd(byte[] b, int from) {
    int i = from;
    while (i < b.length && b[i] != 0) {
      i++;
    }
    return i;
  }

  /** The 8 big-endian bytes at {@code at}: a timestamp's microseconds or a float8's bits. */
  private static long micros(byte[] b, int at) {
    long us = 0;
    for (int i = at; i < at + 8; i++) {
      us = (us << 8) | (b[i] & 0xff);
    }
    return us;
  }

  /** A binary timestamptz: microseconds since 2000-01-01 00:00 UTC. */
  static Instant instant(long us) {
    return Instant.ofEpochSecond(
        POSTGRES_EPOCH_SECONDS + Math.floorDiv(us, 1_000_000L),
        Math.floorMod(us, 1_000_000L) * 1000L);
  }

  /**
   * The JSON text of a value the visitor received; null for SQL NULL, as {@link
   * io.e2i.featurestore.spi.StoredValue#valueJson} has always carried a missing value.
   */
  @SuppressWarnings("NullAway")
  static String text(byte[] b, int off, int len) {
    return len < 0 ? null : new String(b, off, len, StandardCharsets.UTF_8);
  }

  /**
   * Instants of one read, shared: the 10 features of a 30-day history have the same 720 event times
   * and mostly one written-at, so 14,400 timestamps need about 730 Instant objects. A direct-mapped
   * cache (a colliding entry replaces the older one), sized for the read.
   */
  static final class Instants {
    private final long[] keys;
    private final @Nullable Instant[] values;
    private final int shift;

    Instants(int expected) {
      int bits =
          Math.max(6, Math.min(14, 33 - Integer.numberOfLeadingZeros(Math.max(1, expected))));
      keys = new long[1 << bits];
      values = new Instant[1 << bits];
      shift = 64 - bits;
    }

    Instant of(long us) {
      // Fibonacci hashing: hourly microseconds share their low bits, the product's top bits differ.
      int i = (int) ((us * 0x9E3779B97F4A7C15L) >>> shift);
      Instant cached = values[i];
      if (cached != null && keys[i] == us) {
        return cached;
      }
      Instant t = instant(us);
      keys[i] = us;
      values[i] = t;
      return t;
    }
  }
}
