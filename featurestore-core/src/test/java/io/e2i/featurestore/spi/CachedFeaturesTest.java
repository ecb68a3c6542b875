package io.e2i.featurestore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.ValueType;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CachedFeaturesTest {
  private static final Instant T = Instant.parse("2025-12-18T12:00:00.123456Z");

  @Test
  void everyValueTypeSurvivesTheRoundTrip() {
    CachedFeatures cached =
        new CachedFeatures(
            List.of(
                new CachedFeatures.Entry("s", 1, ValueType.STRING, "a \"b\"", T),
                new CachedFeatures.Entry("i", 2, ValueType.INT64, 12L, T),
                new CachedFeatures.Entry("f", 1, ValueType.FLOAT64, 0.1 + 0.2, T),
                new CachedFeatures.Entry("b", 1, ValueType.BOOL, false, T),
                new CachedFeatures.Entry("t", 1, ValueType.TIMESTAMP, T, T),
                new CachedFeatures.Entry("missing", 1, ValueType.STRING, null, T),
                new CachedFeatures.Entry("fl", 1, ValueType.FLOAT64_LIST, List.of(1.5, -2.0), T),
                new CachedFeatures.Entry(
                    "tl", 1, ValueType.TIMESTAMP_LIST, List.of(T, Instant.EPOCH), T),
                new CachedFeatures.Entry("sl", 1, ValueType.STRING_LIST, List.of(), T),
                new CachedFeatures.Entry(
                    "before_1970",
                    1,
                    ValueType.INT64,
                    1L,
                    Instant.parse("1969-12-31T23:59:59.999999Z"))));
    assertThat(CachedFeatures.fromJson(cached.toJson())).isEqualTo(cached);
  }

  @Test
  void entriesOfOlderWritersWithoutMicrosecondsStillRead() {
    String legacy =
        "[{\"n\":\"s\",\"v\":3,\"t\":\"string\",\"ts\":\"2025-12-18T12:00:00.123456Z\",\"x\":\"v\"}]";
    assertThat(CachedFeatures.fromJson(legacy))
        .isEqualTo(
            new CachedFeatures(
                List.of(new CachedFeatures.Entry("s", 3, ValueType.STRING, "v", T))));
  }

  @Test
  void microsecondsWinAndUnknownFieldsAreSkipped() {
    String json =
        "[{\"n\":\"s\",\"v\":1,\"t\":\"string\",\"ts\":\"2000-01-01T00:00:00Z\",\"us\":"
            + (T.getEpochSecond() * 1_000_000L + 123_456)
            + ",\"later\":{\"a\":[1]},\"x\":\"v\"}]";
    assertThat(CachedFeatures.fromJson(json).entries().getFirst().eventTimestamp()).isEqualTo(T);
  }

  @Test
  void aTimeFinerThanMicrosecondsKeepsItsText() {
    Instant nanos = Instant.parse("2025-12-18T12:00:00.123456789Z");
    CachedFeatures cached =
        new CachedFeatures(List.of(new CachedFeatures.Entry("s", 1, ValueType.STRING, "v", nanos)));
    assertThat(cached.toJson()).doesNotContain("\"us\"");
    assertThat(CachedFeatures.fromJson(cached.toJson())).isEqualTo(cached);
  }

  /** A value stored before writes were held to years 0000 to 9999 reads through a cache too. */
  @Test
  void timestampValuesOfAnyYearSurviveTheRoundTrip() {
    Instant year10001 = Instant.parse("+10001-01-01T00:00:00Z");
    CachedFeatures cached =
        new CachedFeatures(
            List.of(
                new CachedFeatures.Entry("t", 1, ValueType.TIMESTAMP, year10001, T),
                new CachedFeatures.Entry(
                    "tl", 1, ValueType.TIMESTAMP_LIST, List.of(year10001, T), T)));
    assertThat(CachedFeatures.fromJson(cached.toJson())).isEqualTo(cached);
  }

  @Test
  void malformedEntriesAreRefused() {
    assertThatThrownBy(() -> CachedFeatures.fromJson("{}")).hasMessageContaining("array");
    assertThatThrownBy(() -> CachedFeatures.fromJson("[{\"n\":\"s\",\"t\":\"string\"}]"))
        .hasMessageContaining("event time");
  }
}
