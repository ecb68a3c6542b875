package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.ValueType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Statistics of one feature version, all computed in SQL over its current values: one row per
 * (entity, event time), the latest written. The queries run in one repeatable-read transaction so
 * that the histogram's bounds match the min and max reported.
 */
final class PgStatistics {
  private static final String CURRENT =
      "WITH cur AS (SELECT DISTINCT ON (entity_key, event_timestamp) value FROM feature_values"
          + " WHERE feature_id = ? ORDER BY entity_key, event_timestamp DESC, seq DESC)";
  private static final String NUMBERS =
      ", n AS (SELECT value::float8 AS x FROM cur WHERE jsonb_typeof(value) = 'number')";
  private static final int BUCKETS = 10;

  private PgStatistics() {}

  static FeatureStatistics compute(Connection c, UUID featureId, ValueType type, Instant now)
      throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    c.setReadOnly(true);
    try {
      FeatureStatistics stats =
          type.isNumeric() ? numeric(c, featureId, now) : categorical(c, featureId, now);
      c.commit();
      return stats;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setReadOnly(false);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      c.setAutoCommit(true);
    }
  }

  private static FeatureStatistics numeric(Connection c, UUID featureId, Instant now)
      throws SQLException {
    String sql =
        CURRENT
            + NUMBERS
            + " SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM cur WHERE value IS NULL),"
            + " (SELECT count(DISTINCT value) FROM cur WHERE value IS NOT NULL),"
            + " min(x), max(x), avg(x), stddev_samp(x),"
            + " percentile_cont(0.5) WITHIN GROUP (ORDER BY x),"
            + " percentile_cont(0.9) WITHIN GROUP (ORDER BY x),"
            + " percentile_cont(0.99) WITHIN GROUP (ORDER BY x) FROM n";
    long count;
    long nulls;
    long distinct;
    Double min;
    Double max;
    Double mean;
    Double stddev;
    Double p50;
    Double p90;
    Double p99;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, featureId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        count = rs.getLong(1);
        nulls = rs.getLong(2);
        distinct = rs.getLong(3);
        min = getDouble(rs, 4);
        max = getDouble(rs, 5);
        mean = getDouble(rs, 6);
        stddev = getDouble(rs, 7);
        p50 = getDouble(rs, 8);
        p90 = getDouble(rs, 9);
        p99 = getDouble(rs, 10);
      }
    }
    return new FeatureStatistics(
        count,
        nulls,
        distinct,
        min,
        max,
        mean,
        stddev,
        p50,
        p90,
        p99,
        List.of(),
        histogram(c, featureId, min, max),
        now);
  }

  /** Ten equal-width buckets over [min, max] (width_bucket; the max lands in the last one). */
  private static List<FeatureStatistics.Bucket> histogram(
      Connection c, UUID featureId, @Nullable Double min, @Nullable Double max)
      throws SQLException {
    if (min == null) {
      return List.of();
    }
    Objects.requireNonNull(max, "max"); // from the same numbers as min
    if (min.equals(max)) {
      String sql = CURRENT + NUMBERS + " SELECT count(*) FROM n";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setObject(1, featureId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return List.of(new FeatureStatistics.Bucket(min, max, rs.getLong(1)));
        }
      }
    }
    String sql =
        CURRENT
            + NUMBERS
            + " SELECT least(width_bucket(x, ?, ?, "
            + BUCKETS
            + "), "
            + BUCKETS
            + ") AS b, count(*) FROM n GROUP BY b";
    long[] counts = new long[BUCKETS];
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, featureId);
      ps.setDouble(2, min);
      ps.setDouble(3, max);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int bucket = Math.max(1, Math.min(BUCKETS, rs.getInt(1)));
          counts[bucket - 1] += rs.getLong(2);
        }
      }
    }
    double width = (max - min) / BUCKETS;
    List<FeatureStatistics.Bucket> buckets = new ArrayList<>(BUCKETS);
    for (int i = 0; i < BUCKETS; i++) {
      double lower = min + i * width;
      double upper = i == BUCKETS - 1 ? max : min + (i + 1) * width;
      buckets.add(new FeatureStatistics.Bucket(lower, upper, counts[i]));
    }
    return buckets;
  }

  private static FeatureStatistics categorical(Connection c, UUID featureId, Instant now)
      throws SQLException {
    long count;
    long nulls;
    long distinct;
    String sql =
        CURRENT
            + " SELECT count(*), count(*) FILTER (WHERE value IS NULL),"
            + " count(DISTINCT value) FROM cur";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, featureId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        count = rs.getLong(1);
        nulls = rs.getLong(2);
        distinct = rs.getLong(3);
      }
    }
    // Strings show as their text, everything else (bools, lists) as JSON text.
    String top =
        CURRENT
            + ", t AS (SELECT CASE WHEN jsonb_typeof(value) = 'string' THEN value #>> '{}'"
            + " ELSE value::text END AS v FROM cur WHERE value IS NOT NULL)"
            + " SELECT v, count(*) AS n FROM t GROUP BY v ORDER BY n DESC, v COLLATE \"C\""
            + " LIMIT 10";
    List<FeatureStatistics.ValueCount> topValues = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(top)) {
      ps.setObject(1, featureId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          topValues.add(new FeatureStatistics.ValueCount(rs.getString(1), rs.getLong(2)));
        }
      }
    }
    return new FeatureStatistics(
        count, nulls, distinct, null, null, null, null, null, null, null, topValues, List.of(),
        now);
  }

  private static @Nullable Double getDouble(ResultSet rs, int column) throws SQLException {
    double d = rs.getDouble(column);
    return rs.wasNull() ? null : d;
  }
}
