package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The packed form of one feature's history ({@link PgHistoryRows}), built here byte by byte. */
class PgHistoryRowsTest {
  private static final Instant W = Instant.parse("2025-12-18T12:00:00.654321Z");

  @Test
  void newestFirstIsVisitedOldestFirstWithNullsAndTextsIntact() throws SQLException {
    byte[] packed = pack(new long[] {3_000_000, 2_000_001, -1}, "12.5", null, "\"a\\u0000\"");
    assertThat(visit(new PgHistoryRows(UUID.randomUUID(), 3, packed)))
        .containsExactly(
            "1999-12-31T23:59:59.999999Z \"a\\u0000\" " + W,
            "2000-01-01T00:00:02.000001Z null " + W,
            "2000-01-01T00:00:03Z 12.5 " + W);
  }

  /** If the server ever fed the aggregate in another order, the output order stays the same. */
  @Test
  void anyOtherOrderIsSortedByEventTime() throws SQLException {
    byte[] packed = pack(new long[] {2, 3, 1}, "2", "3", null);
    assertThat(visit(new PgHistoryRows(UUID.randomUUID(), 3, packed)))
        .extracting(s -> s.split(" ")[1])
        .containsExactly("null", "2", "3");
  }

  @Test
  void newestFirstOnRequest() throws SQLException {
    byte[] packed = pack(new long[] {2, 3, 1}, "2", "3", "1");
    List<String> out = new ArrayList<>();
    new PgHistoryRows(UUID.randomUUID(), 3, packed)
        .forEach(
            new PgHistoryRows.Instants(3),
            false,
            (b, off, len, event, written) -> out.add(PgHistoryRows.text(b, off, len)));
    assertThat(out).containsExactly("3", "2", "1");
  }

  @Test
  void aLastNullValueAndAnEmptyFeature() throws SQLException {
    assertThat(visit(new PgHistoryRows(UUID.randomUUID(), 2, pack(new long[] {5, 4}, "1", null))))
        .extracting(s -> s.split(" ")[1])
        .containsExactly("null", "1");
    assertThat(visit(new PgHistoryRows(UUID.randomUUID(), 0, null))).isEmpty();
  }

  @Test
  void aCountThatDoesNotMatchTheBytesIsAnError() {
    byte[] packed = pack(new long[] {2, 1}, "1", "2");
    assertThatThrownBy(() -> visit(new PgHistoryRows(UUID.randomUUID(), 3, packed)))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> visit(new PgHistoryRows(UUID.randomUUID(), 1, packed)))
        .isInstanceOf(SQLException.class);
    byte[] badVersion = packed.clone();
    badVersion[16] = 2;
    assertThatThrownBy(() -> visit(new PgHistoryRows(UUID.randomUUID(), 2, badVersion)))
        .hasMessageContaining("version");
  }

  @Test
  void instantsAreSharedAndRight() {
    PgHistoryRows.Instants instants = new PgHistoryRows.Instants(720);
    List<Instant> first = new ArrayList<>();
    for (long h = 0; h < 720; h++) {
      first.add(instants.of(h * 3_600_000_000L));
    }
    int same = 0;
    for (long h = 0; h < 720; h++) {
      Instant again = instants.of(h * 3_600_000_000L);
      assertThat(again).isEqualTo(PgHistoryRows.instant(h * 3_600_000_000L));
      same += again == first.get((int) h) ? 1 : 0;
    }
    assertThat(same).isGreaterThan(600); // hourly times spread over the cache, few collisions
    assertThat(instants.of(-1)).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
  }

  /**
   * Numbers as the typed read sends them: the tag byte and 8 bytes of float8, zero bytes included
   * (1.0 is 3ff0000000000000), between JSON values and nulls; the count still checked.
   */
  @Test
  void float8ValuesWithZeroBytesBetweenJsonAndNulls() throws SQLException {
    Object[] values = {1.0, "\"x\"", null, 0.0, -2.5, null, 0x1p52, "7"};
    long[] micros = new long[values.length];
    for (int k = 0; k < values.length; k++) {
      micros[k] = 10L * (values.length - k); // newest first, as the walk feeds the aggregate
    }
    byte[] packed = packTyped(micros, values);
    List<String> out = new ArrayList<>();
    new PgHistoryRows(UUID.randomUUID(), values.length, packed)
        .forEach(
            new PgHistoryRows.Instants(values.length),
            false,
            new PgHistoryRows.Visitor() {
              @Override
              public void value(byte[] b, int off, int len, Instant event, Instant written) {
                out.add("json " + PgHistoryRows.text(b, off, len));
              }

              @Override
              public void number(double value, Instant event, Instant written) {
                out.add("float8 " + Long.toHexString(Double.doubleToRawLongBits(value)));
              }
            });
    assertThat(out)
        .containsExactly(
            "float8 3ff0000000000000",
            "json \"x\"",
            "json null",
            "float8 0",
            "float8 c004000000000000",
            "json null",
            "float8 4330000000000000",
            "json 7");
    assertThatThrownBy(() -> visit(new PgHistoryRows(UUID.randomUUID(), values.length, packed)))
        .as("a reader of JSON text refuses a float8")
        .hasMessageContaining("float8");
    assertThatThrownBy(
            () -> visit(new PgHistoryRows(UUID.randomUUID(), 1, Arrays.copyOf(packed, 16 + 5))))
        .as("a float8 cut short")
        .hasMessageContaining("8 bytes");
  }

  /** A float8 turned back into the value its JSON decodes to, per feature type. */
  @Test
  void aFloat8IsTheValueItsJsonDecodesTo() {
    long[] longs = {
      0, 1, -1, 42, 1L << 31, -(1L << 40), (1L << 53) - 1, -((1L << 53) - 1), 1234567890123L
    };
    for (long l : longs) {
      assertThat(PgHistoryRows.number(ValueType.INT64, (double) l))
          .as("%d", l)
          .isInstanceOf(Long.class)
          .isEqualTo(ValueCodec.decode(ValueType.INT64, Long.toString(l)));
    }
    double[] doubles = {
      0.0,
      -0.0,
      1.0,
      0.1,
      1.0 / 3,
      -2.5,
      1e-300,
      Double.MIN_VALUE,
      0x1p52,
      4503599627370495.5,
      9007199254740991.0,
      1e15 + 0.3
    };
    for (double d : doubles) {
      Object decoded = PgHistoryRows.number(ValueType.FLOAT64, d);
      Object fromJson = ValueCodec.decode(ValueType.FLOAT64, d == 0 ? "0.0" : Double.toString(d));
      assertThat(decoded).as("%s", d).isInstanceOf(Double.class);
      assertThat(Double.doubleToRawLongBits((Double) decoded))
          .as("%s", d)
          .isEqualTo(Double.doubleToRawLongBits((Double) fromJson));
    }
    // Not written by the store, decoded as the number's JSON text would be.
    assertThatThrownBy(() -> PgHistoryRows.number(ValueType.INT64, 2.5))
        .hasMessage(catchThrowable(() -> ValueCodec.decode(ValueType.INT64, "2.5")).getMessage());
    assertThatThrownBy(() -> PgHistoryRows.number(ValueType.STRING, 3.0))
        .hasMessage(catchThrowable(() -> ValueCodec.decode(ValueType.STRING, "3")).getMessage());
  }

  private static List<String> visit(PgHistoryRows rows) throws SQLException {
    List<String> out = new ArrayList<>();
    rows.forEach(
        new PgHistoryRows.Instants(rows.count()),
        true,
        (b, off, len, event, written) ->
            out.add(event + " " + PgHistoryRows.text(b, off, len) + " " + written));
    return out;
  }

  /** As the SQL packs them: timestamps, jsonb_send's version byte and text, zero separators. */
  private static byte[] pack(long[] eventMicros, String... values) {
    long written = (W.getEpochSecond() - 946_684_800L) * 1_000_000L + W.getNano() / 1000;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int k = 0; k < eventMicros.length; k++) {
      if (k > 0) {
        out.write(0);
      }
      writeLong(out, eventMicros[k]);
      writeLong(out, written);
      if (values[k] != null) {
        out.write(1);
        out.writeBytes(values[k].getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  /** As the typed SQL packs them: a Double as the tag and its float8, a String as JSON text. */
  private static byte[] packTyped(long[] eventMicros, Object... values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int k = 0; k < eventMicros.length; k++) {
      if (k > 0) {
        out.write(0);
      }
      writeLong(out, eventMicros[k]);
      writeLong(out, eventMicros[k]);
      if (values[k] instanceof Double d) {
        out.write(PgHistoryRows.FLOAT8_TAG);
        writeLong(out, Double.doubleToRawLongBits(d));
      } else if (values[k] instanceof String json) {
        out.write(1);
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  private static void writeLong(ByteArrayOutputStream out, long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
  }
}
