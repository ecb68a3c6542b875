package io.e2i.featurestore.quality;

import io.e2i.featurestore.DriftThresholds;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A feature's current window against its reference. {@code psi} and {@code jsDistance} are over
 * {@link #bins} (numbers: bins cut at the reference's deciles; other types: the reference's 20 most
 * frequent values and an "other" bin for the rest and for values the reference never had); {@code
 * ks} and {@code ksPValue} (two-sample Kolmogorov-Smirnov, scipy's asymptotic p-value) for numbers
 * only; {@code meanShift} in reference standard deviations, {@code stddevShift} as current /
 * reference - 1. {@code status}: ok, warn or drift by the feature's PSI thresholds, no_data when a
 * side has no non-null value.
 */
public record DriftResult(
    String featureGroup,
    String featureName,
    Side reference,
    Side current,
    @Nullable Double psi,
    @Nullable Double ks,
    @Nullable Double ksPValue,
    @Nullable Double jsDistance,
    @Nullable Double meanShift,
    @Nullable Double stddevShift,
    List<Bin> bins,
    String status,
    DriftThresholds thresholds,
    Instant computedAt) {

  public DriftResult {
    bins = List.copyOf(bins);
  }

  /** One side as resolved: the version and bounds read, and its values' summary. */
  public record Side(
      int version,
      @Nullable Instant start,
      @Nullable Instant end,
      @Nullable Instant writtenAsOf,
      @Nullable String trainingSet,
      long count,
      long nulls,
      @Nullable Double mean,
      @Nullable Double stddev) {

    public double nullRate() {
      return count == 0 ? 0.0 : (double) nulls / count;
    }
  }

  /** A bin's label and the non-null values of each side in it. */
  public record Bin(String label, long reference, long current) {}
}
