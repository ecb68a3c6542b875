package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.ValueRow;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Streams value rows into {@code feature_values} with binary COPY, in chunks so that a million rows
 * never sit in memory as one buffer. The caller owns the transaction.
 *
 * <p>Two things make a bulk write cheaper for the server (measured in docs/performance.md, issue
 * 15):
 *
 * <ul>
 *   <li>Binary format: the server does not parse UUIDs or timestamps from text (the JSON value is
 *       still parsed into JSONB).
 *   <li>Rows go in read-index order (feature, entity, event time newest first): each insertion
 *       lands next to the previous one, so the index pages are visited once, in order, and filled
 *       by appends rather than split in the middle; the index comes out about a quarter smaller,
 *       with as much less WAL. The sort is stable, so of two rows for the same (feature, entity,
 *       event time) in one call the later still gets the higher {@code seq} and wins.
 * </ul>
 */
final class PgCopy {
  static final String COPY_SQL =
      "COPY feature_values (feature_id, entity_key, value, event_timestamp, written_at,"
          + " value_num) FROM STDIN (FORMAT binary)";
  private static final int CHUNK_BYTES = 1 << 16;
  private static final byte[] HEADER = {
    'P',
    'G',
    'C',
    'O',
    'P',
    'Y',
    '\n',
    (byte) 0xff,
    '\r',
    '\n',
    0, // signature
    0,
    0,
    0,
    0, // flags
    0,
    0,
    0,
    0 // header extension length
  };
  private static final short FIELDS = 6;
  private static final byte JSONB_VERSION = 1;

  /** Seconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC). */
  private static final long PG_EPOCH_SECONDS = 946_684_800L;

  /** The read index's order; entity keys compare as the "C" collation does for ASCII keys. */
  private static final Comparator<ValueRow> INDEX_ORDER =
      Comparator.comparing(ValueRow::featureId)
          .thenComparing(r -> r.entity().canonical())
          .thenComparing(ValueRow::eventTimestamp, Comparator.reverseOrder());

  private PgCopy() {}

  static long copy(Connection connection, List<ValueRow> rows, Instant writtenAt)
      throws SQLException {
    List<ValueRow> ordered = inIndexOrder(rows);
    CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_SQL);
    try {
      long written = micros(writtenAt);
      Buffer b = new Buffer(CHUNK_BYTES + 1024);
      b.bytes(HEADER);
      for (ValueRow row : ordered) {
        b.int16(FIELDS);
        b.int32(16);
        UUID id = row.featureId();
        b.int64(id.getMostSignificantBits());
        b.int64(id.getLeastSignificantBits());
        b.text(row.entity().canonical(), -1);
        String json = row.json();
        if (json == null) {
          b.int32(-1);
        } else {
          b.text(json, JSONB_VERSION);
        }
        b.int32(8);
        b.int64(micros(row.eventTimestamp()));
        b.int32(8);
        b.int64(written);
        double number = number(row.value());
        if (Double.isNaN(number)) {
          b.int32(-1);
        } else {
          b.int32(8);
          b.int64(Double.doubleToRawLongBits(number));
        }
        if (b.size >= CHUNK_BYTES) {
          in.writeToCopy(b.data, 0, b.size);
          b.size = 0;
        }
      }
      b.int16((short) -1); // trailer
      in.writeToCopy(b.data, 0, b.size);
      return in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  /**
   * The {@code value_num} of a value (V11): the double PostgreSQL's {@code (value)::float8} gives
   * for its JSON, or NaN for none (not a number, or missing). A normalized number is a Long or a
   * Double ({@link io.e2i.featurestore.ValueCodec#encode}): a Long is written as its digits, a
   * Double as its shortest text that reads back as itself, and PostgreSQL keeps that decimal
   * exactly (jsonb's numeric) and converts it to float8 by printing and parsing it ({@code strtod},
   * rounded to nearest), so the double is the Double itself and the Long's nearest double, which
   * Java's conversion gives (also beyond 2^53). Two exceptions: a negative zero reads back from the
   * numeric as 0, and a value that is not finite (not encodable as JSON) gets none.
   */
  static double number(@Nullable Object value) {
    double x;
    if (value instanceof Double d) {
      x = d;
    } else if (value instanceof Long l) {
      x = l;
    } else {
      return Double.NaN;
    }
    if (!Double.isFinite(x)) {
      return Double.NaN;
    }
    return x == 0 ? 0.0 : x;
  }

  /** The rows sorted into read-index order (stable); the list itself when already in order. */
  static List<ValueRow> inIndexOrder(List<ValueRow> rows) {
    for (int i = 1; i < rows.size(); i++) {
      if (INDEX_ORDER.compare(rows.get(i - 1), rows.get(i)) > 0) {
        ValueRow[] sorted = rows.toArray(new ValueRow[0]);
        Arrays.sort(sorted, INDEX_ORDER); // TimSort: stable, and fast on runs already in order
        return Arrays.asList(sorted);
      }
    }
    return rows;
  }

  /** Microseconds since 2000-01-01 UTC, PostgreSQL's binary timestamptz (truncated to µs). */
  static long micros(Instant t) {
    return Math.multiplyExact(t.getEpochSecond() - PG_EPOCH_SECONDS, 1_000_000L)
        + t.getNano() / 1_000;
  }

  /** A growable byte buffer in network byte order. */
  private static final class Buffer {
    private byte[] data;
    private int size;

    Buffer(int capacity) {
      data = new byte[capacity];
    }

    private void room(int n) {
      if (size + n > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
      }
    }

    void bytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, data, size, b.length);
      size += b.length;
    }

    void int16(short v) {
      room(2);
      data[size++] = (byte) (v >>> 8);
      data[size++] = (byte) v;
    }

    void int32(int v) {
      room(4);
      data[size++] = (byte) (v >>> 24);
      data[size++] = (byte) (v >>> 16);
      data[size++] = (byte) (v >>> 8);
      data[size++] = (byte) v;
    }

    void int64(long v) {
      int32((int) (v >>> 32));
      int32((int) v);
    }

    /** A length-prefixed UTF-8 field, after one version byte when {@code prefix >= 0}. */
    void text(String s, int prefix) {
      int extra = prefix >= 0 ? 1 : 0;
      int n = s.length();
      room(4 + extra + n);
      int start = size;
      size += 4;
      if (extra == 1) {
        data[size++] = (byte) prefix;
      }
      int i = 0;
      for (; i < n; i++) { // ASCII, by far the common case, without an intermediate array
        char c = s.charAt(i);
        if (c >= 0x80) {
          break;
        }
        data[size++] = (byte) c;
      }
      if (i < n) {
        byte[] rest = s.substring(i).getBytes(StandardCharsets.UTF_8);
        room(rest.length);
        System.arraycopy(rest, 0, data, size, rest.length);
        size += rest.length;
      }
      int len = size - start - 4;
      data[start] = (byte) (len >>> 24);
      data[start + 1] = (byte) (len >>> 16);
      data[start + 2] = (byte) (len >>> 8);
      data[start + 3] = (byte) len;
    }
  }

  /** COPY text format: backslash, tab, newline and carriage return must be escaped. */
  static void appendEscaped(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        default -> sb.append(c);
      }
    }
  }
}
