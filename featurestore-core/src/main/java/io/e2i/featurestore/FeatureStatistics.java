package io.e2i.featurestore;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Statistics of one feature version's stored values (every stored row, not only the latest). Number
 * fields are null for non-numeric types; {@code topValues} is empty for numeric types.
 */
public record FeatureStatistics(
    long count,
    long nulls,
    long distinct,
    @Nullable Double min,
    @Nullable Double max,
    @Nullable Double mean,
    @Nullable Double stddev,
    @Nullable Double p50,
    @Nullable Double p90,
    @Nullable Double p99,
    List<ValueCount> topValues,
    List<Bucket> histogram,
    Instant computedAt) {

  public FeatureStatistics {
    topValues = topValues == null ? List.of() : List.copyOf(topValues);
    histogram = histogram == null ? List.of() : List.copyOf(histogram);
  }

  /** A value and how often it occurs. */
  public record ValueCount(String value, long count) {}

  /** A histogram bucket [lower, upper) (the last one closed). */
  public record Bucket(double lower, double upper, long count) {}
}
