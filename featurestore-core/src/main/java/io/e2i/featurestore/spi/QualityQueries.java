package io.e2i.featurestore.spi;

import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.ValueType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Aggregations over stored feature values that data quality needs (validation reports, drift),
 * computed inside the offline store: only counts and a few numbers reach the JVM, never the values.
 * Every method reads the current values of a {@link Window}.
 */
public interface QualityQueries {

  /**
   * The values of one feature version with {@code start <= event_timestamp <= end} (no bound when
   * null), among rows written at or before {@code writtenAsOf} (no bound when null); per (entity,
   * event time) only the latest written.
   */
  record Window(
      UUID featureId,
      ValueType type,
      @Nullable Instant start,
      @Nullable Instant end,
      @Nullable Instant writtenAsOf) {}

  /** Violations of one constraint (its wire name) and up to a few entities (canonical JSON). */
  record RuleCount(String constraint, long violations, List<String> examples) {}

  /** Values checked, of which null, and the violations of each declared constraint. */
  record ValidationCounts(long checked, long nulls, List<RuleCount> rules) {}

  /** Count, nulls, and for numbers mean, sample stddev and the quantiles asked for. */
  record Summary(
      long count,
      long nulls,
      @Nullable Double mean,
      @Nullable Double stddev,
      List<Double> quantiles) {}

  /** Two-sample Kolmogorov-Smirnov statistic of the non-null numbers of two windows. */
  record KsResult(double statistic, long n1, long n2) {}

  ValidationCounts validate(Window window, Constraints constraints, int examples);

  /** Quantiles (linear interpolation, like numpy's default) of the numbers; empty for others. */
  Summary summary(Window window, List<Double> probabilities);

  /**
   * Counts of non-null numbers per bin: {@code x <= edges[0]}, {@code edges[i-1] < x <= edges[i]},
   * {@code x > edges[last]}; {@code edges.length + 1} counts.
   */
  long[] bins(Window window, double[] edges);

  /** The {@code limit} most frequent non-null values (canonical text) with their counts. */
  Map<String, Long> topValues(Window window, int limit);

  /** Counts of the given values (canonical text as {@link #topValues} gives), then of the rest. */
  long[] valueCounts(Window window, List<String> values);

  KsResult ks(Window a, Window b);

  /**
   * A drift result kept in the {@code drift_results} table: its key fields, and the whole result as
   * the HTTP API renders it ({@code json}).
   */
  record DriftRecord(
      String featureGroup,
      String featureName,
      int version,
      String status,
      @Nullable Double psi,
      Instant computedAt,
      String json) {}

  /** Appends a result to the drift history. */
  void recordDrift(DriftRecord record);

  /** The latest result of every feature that has one, by group and feature name. */
  List<DriftRecord> latestDrift();

  /** A feature's results, newest first, at most {@code limit}. */
  List<DriftRecord> driftHistory(String featureGroup, String featureName, int limit);
}
