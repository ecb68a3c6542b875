package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ValueCodec#decode(ValueType, byte[], int, int)}, the history read's decoder, against the
 * String decoder it replaces: the same value (bit for bit for doubles, -0.0 included) or the same
 * failure, for every type and for JSON texts PostgreSQL prints and texts it never prints.
 */
class ValueCodecBytesTest {
  private static final List<String> TEXTS =
      List.of(
          "0",
          "-0",
          "0.0",
          "-0.0",
          "1",
          "-1",
          "007",
          "-007",
          "1e3",
          "1E3",
          "1e+3",
          "1E-3",
          "-1.5e-7",
          "0e999999",
          "-0e5",
          "1.",
          ".5",
          "1.e3",
          "e3",
          "-",
          "",
          "+1",
          " 1",
          "1 ",
          "1e",
          "1e+",
          "NaN",
          "Infinity",
          "-Infinity",
          "0x1p3",
          "1d",
          "1f",
          "12345678901234567",
          "9007199254740992",
          "9007199254740993",
          "9007199254740991.5",
          "123456789012345678",
          "1234567890123456789",
          "-9223372036854775808",
          "9223372036854775807",
          "9223372036854775808",
          "0.30000000000000004",
          "0.1",
          "0.2",
          "2.5",
          "1e22",
          "1e23",
          "1e-22",
          "1e-23",
          "4.9e-324",
          "1.7976931348623157e308",
          "1e309",
          "1e-400",
          "123.4500000000000000000000",
          "0.000010",
          "10000000000",
          "true",
          "false",
          "null",
          "True",
          "truee",
          "\"abc\"",
          "\"a\\\"b\"",
          "\"\\u00e9t\\u00e9\"",
          "\"été\"",
          "\"\"",
          "\"2025-12-18T10:15:30Z\"",
          "[1,2,3]",
          "[1.5, -0.0, 1e3]",
          "[true,false]",
          "[\"a\",\"b\"]",
          "[]",
          "[null]",
          "{\"a\":1}",
          "\"1\"",
          "[1",
          "tru");

  @Test
  void everyTypeDecodesBytesAsItDecodesTheString() {
    for (ValueType type : ValueType.values()) {
      for (String text : TEXTS) {
        assertSame(type, text);
      }
    }
  }

  /** Random doubles as Java and PostgreSQL's numeric print them, random decimals of any length. */
  @Test
  void randomNumbersReadBitForBitAsDoubleParseDoubleReadsThem() {
    Random random = new Random(15);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      double d =
          switch (i % 4) {
            case 0 -> Double.longBitsToDouble(random.nextLong());
            case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
            case 2 -> Math.round(random.nextDouble() * 1e6) / Math.pow(10, random.nextInt(12));
            default -> random.nextInt(1_000_000) * 0.1;
          };
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        continue;
      }
      texts.add(Double.toString(d));
      texts.add(new BigDecimal(d).toPlainString()); // long exact expansions
      texts.add(BigDecimal.valueOf(d).toPlainString()); // as numeric prints Java's shortest form
      texts.add(Long.toString(random.nextLong() >> random.nextInt(64)));
    }
    for (String text : texts) {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      double fast = JsonNumbers.parseDouble(b, 0, b.length);
      if (!Double.isNaN(fast)) {
        assertThat(Double.doubleToRawLongBits(fast))
            .as(text)
            .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
      }
      assertSame(ValueType.FLOAT64, text);
      assertSame(ValueType.INT64, text);
    }
  }

  /** The fast path must actually be taken for what PostgreSQL prints, or it saves nothing. */
  @Test
  void plainDecimalsAndIntegersAreReadWithoutTheStringPath() {
    for (String text : List.of("0", "-0.0", "12.5", "0.000010", "719.9", "1000", "-3.25")) {
      byte[] b = text.getBytes(StandardCharsets.US_ASCII);
      assertThat(JsonNumbers.parseDouble(b, 0, b.length)).as(text).isNotNaN();
    }
    assertThat(JsonNumbers.parseLong("-123".getBytes(StandardCharsets.US_ASCII), 0, 4))
        .isEqualTo(-123L);
    byte[] framed = "xx12.5yy".getBytes(StandardCharsets.US_ASCII);
    assertThat(ValueCodec.decode(ValueType.FLOAT64, framed, 2, 4)).isEqualTo(12.5);
    assertThat(ValueCodec.decode(ValueType.INT64, framed, 2, 2)).isEqualTo(12L);
  }

  private static void assertSame(ValueType type, String text) {
    byte[] padded = ("#" + text + "#").getBytes(StandardCharsets.UTF_8);
    int len = padded.length - 2;
    Object expected;
    try {
      expected = ValueCodec.decode(type, text);
    } catch (RuntimeException e) {
      Class<?> failure = e.getClass();
      try {
        Object got = ValueCodec.decode(type, padded, 1, len);
        throw new AssertionError(type + " " + text + ": expected " + failure + ", got " + got);
      } catch (RuntimeException f) {
        assertThat(f).as("%s %s", type, text).isInstanceOf(failure);
        return;
      }
    }
    Object got = ValueCodec.decode(type, padded, 1, len);
    if (expected instanceof Double d && got instanceof Double g) {
      assertThat(Double.doubleToRawLongBits(g))
          .as("%s %s", type, text)
          .isEqualTo(Double.doubleToRawLongBits(d));
    } else {
      assertThat(got).as("%s %s", type, text).isEqualTo(expected);
    }
  }
}
