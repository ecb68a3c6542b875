package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueTypeTest {

  @Test
  void parsesWireNamesAliasesAndListSyntax() {
    assertThat(ValueType.parse("int64")).isEqualTo(ValueType.INT64);
    assertThat(ValueType.parse("Float64")).isEqualTo(ValueType.FLOAT64);
    assertThat(ValueType.parse("list<string>")).isEqualTo(ValueType.STRING_LIST);
    assertThat(ValueType.parse("array<int64>")).isEqualTo(ValueType.INT64_LIST);
    assertThat(ValueType.parse("boolean")).isEqualTo(ValueType.BOOL);
    assertThatThrownBy(() -> ValueType.parse("decimal"))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("decimal")
        .hasMessageContaining("int64");
    assertThatThrownBy(() -> ValueType.parse("list<list<int64>>")).hasMessageContaining("nested");
  }

  /** Every RFC 3339 date-time is in range, at any offset; past it is the caller's mistake. */
  @Test
  void timestampsAreRfc3339sYearsAtAnyOffset() {
    assertThat(ValueType.toInstant("0000-01-01T00:00:00+18:00")).isEqualTo(ValueType.MIN_TIMESTAMP);
    assertThat(ValueType.toInstant("9999-12-31T23:59:59.999999-18:00"))
        .isEqualTo(ValueType.MAX_TIMESTAMP);
    for (String outside :
        List.of(
            "+10001-01-01T00:00:00Z",
            "-0002-01-01T00:00:00Z",
            "+999999999-12-31T23:59:59Z",
            "-999999999-01-01T00:00:00Z")) {
      assertThatThrownBy(() -> ValueType.toInstant(outside))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timestamp '" + outside + "' is out of range: years 0000 to 9999");
    }
    assertThatThrownBy(() -> ValueType.toInstant(Instant.MAX)).hasMessageContaining("out of range");
  }

  /**
   * A timestamp value stored before writes were held to years 0000 to 9999 (e.g. year 10001) still
   * reads back: only writes are strict. Both decoder paths: the plain string, and Jackson's (a
   * list).
   */
  @Test
  void storedTimestampsOfAnyYearDecodeWhileWritesStayStrict() {
    Instant year10001 = Instant.parse("+10001-01-01T00:00:00Z");
    Instant bc = Instant.parse("-0005-06-01T00:00:00Z");
    assertThat(ValueCodec.decode(ValueType.TIMESTAMP, "\"+10001-01-01T00:00:00Z\""))
        .isEqualTo(year10001);
    assertThat(ValueCodec.decode(ValueType.TIMESTAMP, ValueCodec.encode(bc))).isEqualTo(bc);
    assertThat(
            ValueCodec.decode(
                ValueType.TIMESTAMP_LIST, ValueCodec.encode(List.of(year10001, Instant.EPOCH))))
        .isEqualTo(List.of(year10001, Instant.EPOCH));
    byte[] utf8 = "\"+10001-01-01T00:00:00Z\"".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(ValueCodec.decode(ValueType.TIMESTAMP, utf8, 0, utf8.length)).isEqualTo(year10001);
    assertThatThrownBy(() -> ValueType.TIMESTAMP.normalize(year10001))
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> ValueType.TIMESTAMP_LIST.normalize(List.of(bc)))
        .hasMessageContaining("out of range");
    assertThatThrownBy(
            () ->
                ValueCodec.fromNode(
                    ValueType.TIMESTAMP,
                    com.fasterxml.jackson.databind.node.TextNode.valueOf(year10001.toString())))
        .hasMessageContaining("out of range");
  }

  /** A Java caller's time argument is named in the store's INVALID_ARGUMENT; null is open. */
  @Test
  void timeArgumentsAreCheckedNamingTheArgument() {
    assertThat(ValueType.checkTimeArgument("as_of", null)).isNull();
    assertThat(ValueType.checkTimeArgument("as_of", ValueType.MAX_TIMESTAMP))
        .isEqualTo(ValueType.MAX_TIMESTAMP);
    assertThatThrownBy(
            () -> ValueType.checkTimeArgument("end_time", ValueType.MAX_TIMESTAMP.plusNanos(1000)))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT))
        .hasMessage(
            "'end_time': timestamp +10000-01-01T18:00:00Z is out of range: years 0000 to 9999");
  }

  @Test
  void normalizesLosslessly() {
    assertThat(ValueType.INT64.normalize(5)).isEqualTo(5L);
    assertThat(ValueType.INT64.normalize(BigInteger.TEN)).isEqualTo(10L);
    assertThat(ValueType.FLOAT64.normalize(5)).isEqualTo(5.0);
    assertThat(ValueType.TIMESTAMP.normalize("2025-12-18T10:15:30.1234567+01:00"))
        .isEqualTo(Instant.parse("2025-12-18T09:15:30.123456Z"));
    assertThat(ValueType.TIMESTAMP.normalize(OffsetDateTime.parse("2025-12-18T10:15:30Z")))
        .isEqualTo(Instant.parse("2025-12-18T10:15:30Z"));
    assertThat(ValueType.INT64_LIST.normalize(List.of(1, 2))).isEqualTo(List.of(1L, 2L));
    assertThat(ValueType.STRING.normalize(null)).isNull();
  }

  @Test
  void rejectsWhatDoesNotFit() {
    assertThatThrownBy(() -> ValueType.INT64.normalize(1.5)).hasMessageContaining("int64");
    assertThatThrownBy(() -> ValueType.INT64.normalize("1")).hasMessageContaining("string");
    assertThatThrownBy(() -> ValueType.INT64.normalize(BigInteger.TWO.pow(70)))
        .hasMessageContaining("range");
    assertThatThrownBy(() -> ValueType.STRING.normalize(1)).hasMessageContaining("string");
    assertThatThrownBy(() -> ValueType.BOOL.normalize("true")).hasMessageContaining("bool");
    assertThatThrownBy(() -> ValueType.FLOAT64.normalize(Double.NaN))
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> ValueType.TIMESTAMP.normalize("2025-12-18 10:15"))
        .hasMessageContaining("malformed timestamp");
    assertThatThrownBy(() -> ValueType.TIMESTAMP.normalize("2025-12-18T10:15:30"))
        .hasMessageContaining("offset");
    assertThatThrownBy(() -> ValueType.STRING_LIST.normalize("a")).hasMessageContaining("list");
    assertThatThrownBy(() -> ValueType.STRING_LIST.normalize(Arrays.asList("a", null)))
        .hasMessageContaining("null");
  }

  @Test
  void parsesText() {
    assertThat(ValueType.INT64.parseText("42")).isEqualTo(42L);
    assertThat(ValueType.BOOL.parseText("false")).isEqualTo(false);
    assertThat(ValueType.FLOAT64_LIST.parseText("[1, 2.5]")).isEqualTo(List.of(1.0, 2.5));
    assertThat(ValueType.STRING.parseText("")).isNull();
    assertThatThrownBy(() -> ValueType.INT64.parseText("4x2")).hasMessageContaining("4x2");
  }

  @Test
  void codecRoundTripsEveryType() {
    Object[][] samples = {
      {ValueType.STRING, "a\"b\\c\u0001"},
      {ValueType.INT64, Long.MIN_VALUE},
      {ValueType.FLOAT64, 1e300},
      {ValueType.BOOL, false},
      {ValueType.TIMESTAMP, Instant.parse("1970-01-01T00:00:00.000001Z")},
      {ValueType.TIMESTAMP_LIST, List.of(Instant.EPOCH)},
      {ValueType.FLOAT64_LIST, List.of()},
    };
    for (Object[] s : samples) {
      ValueType type = (ValueType) s[0];
      assertThat(ValueCodec.decode(type, ValueCodec.encode(s[1]))).isEqualTo(s[1]);
    }
  }
}
