package io.e2i.featurestore.io;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** Writes feature and entity values to a {@link JsonGenerator} without a serializer lookup. */
public final class JsonValues {
  private JsonValues() {}

  /**
   * Strings, numbers, booleans, timestamps (ISO-8601 text) and lists of them, as the HTTP API
   * writes them; any other number as its decimal text, anything else as its string form.
   */
  public static void write(JsonGenerator g, Object value) throws IOException {
    switch (value) {
      case null -> g.writeNull();
      case String s -> g.writeString(s);
      case Long l -> g.writeNumber(l);
      case Integer i -> g.writeNumber(i);
      case Double d -> g.writeNumber(d);
      case Boolean b -> g.writeBoolean(b);
      case Instant t -> writeInstant(g, t);
      case List<?> list -> {
        g.writeStartArray();
        for (Object item : list) {
          write(g, item);
        }
        g.writeEndArray();
      }
      case Number n -> g.writeNumber(n.toString());
      default -> g.writeString(value.toString());
    }
  }

  /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years {@link #writeInstant} writes. */
  private static final long MIN_FAST_SECOND = -62_167_219_200L;

  private static final long MAX_FAST_SECOND = 253_402_300_799L;

  /**
   * Writes {@link Instant#toString()}'s text (ISO-8601, fraction in groups of 3 digits, {@code Z})
   * without a formatter: every online answer holds a timestamp per feature, and the JDK's formatter
   * cost 5% of the server's CPU per read. Years outside 0000-9999 (a sign, more digits) go to the
   * JDK.
   */
  static void writeInstant(JsonGenerator g, Instant t) throws IOException {
    g.writeString(text(t));
  }

  /** {@link Instant#toString()}'s text, see {@link #writeInstant}. */
  public static String text(Instant t) {
    long second = t.getEpochSecond();
    if (second < MIN_FAST_SECOND || second > MAX_FAST_SECOND) {
      return t.toString();
    }
    char[] buf = new char[30];
    int n = isoInstant(buf, second, t.getNano());
    return new String(buf, 0, n);
  }

  /** Fills {@code buf} (30 chars) with the instant's text, returns its length. */
  static int isoInstant(char[] buf, long second, int nano) {
    java.time.LocalDate date = java.time.LocalDate.ofEpochDay(Math.floorDiv(second, 86_400L));
    int secondOfDay = (int) Math.floorMod(second, 86_400L);
    digits(buf, 0, date.getYear(), 4);
    buf[4] = '-';
    digits(buf, 5, date.getMonthValue(), 2);
    buf[7] = '-';
    digits(buf, 8, date.getDayOfMonth(), 2);
    buf[10] = 'T';
    digits(buf, 11, secondOfDay / 3600, 2);
    buf[13] = ':';
    digits(buf, 14, secondOfDay / 60 % 60, 2);
    buf[16] = ':';
    digits(buf, 17, secondOfDay % 60, 2);
    int n = 19;
    if (nano > 0) {
      buf[n++] = '.';
      if (nano % 1_000_000 == 0) {
        digits(buf, n, nano / 1_000_000, 3);
        n += 3;
      } else if (nano % 1000 == 0) {
        digits(buf, n, nano / 1000, 6);
        n += 6;
      } else {
        digits(buf, n, nano, 9);
        n += 9;
      }
    }
    buf[n++] = 'Z';
    return n;
  }

  private static void digits(char[] buf, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      buf[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
