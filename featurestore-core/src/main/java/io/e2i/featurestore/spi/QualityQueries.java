package io.e2i.featurestore.spi;

import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.ValueType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
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

  /** A feature's window and the constraints to check in it. */
  record Check(Window window, Constraints constraints) {}

  ValidationCounts validate(Window window, Constraints constraints, int examples);

  /**
   * The counts of each check, in order: windows with equal bounds are checked together, their
   * current values derived once.
   */
  List<ValidationCounts> validate(List<Check> checks, int examples);

  /**
   * The aggregations of a drift, over both windows' current values derived once ({@link #compare});
   * each array holds the reference's then the current window's.
   */
  interface Comparison {
    /**
     * Count, nulls, mean and stddev of each side; the quantiles asked for (linear interpolation,
     * like numpy's default) of the reference's numbers only.
     */
    Summary[] summaries(List<Double> probabilities);

    /**
     * Counts of non-null numbers per bin: {@code x <= edges[0]}, {@code edges[i-1] < x <=
     * edges[i]}, {@code x > edges[last]}; {@code edges.length + 1} counts a side.
     */
    long[][] bins(double[] edges);

    /** The reference's {@code limit} most frequent non-null values (canonical text), counted. */
    Map<String, Long> topValues(int limit);

    /** Counts of the given values (canonical text as {@link #topValues} gives), then the rest. */
    long[][] valueCounts(List<String> values);

    KsResult ks();
  }

  /** Runs {@code body} over the current values of both windows (of one value type). */
  <T> T compare(Window reference, Window current, Function<Comparison, T> body);

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
