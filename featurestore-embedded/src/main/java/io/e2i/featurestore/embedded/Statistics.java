package io.e2i.featurestore.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStatistics.Bucket;
import io.e2i.featurestore.FeatureStatistics.ValueCount;
import io.e2i.featurestore.ValueType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Statistics of one feature version, computed in DuckDB over the current rows: for each (entity,
 * event time) the latest written (superseded rows are excluded). Numbers get min/max/mean/sample
 * stddev, interpolated percentiles and a 10-bucket equal-width histogram; other types get their 10
 * most frequent values.
 */
final class Statistics {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final int BUCKETS = 10;
  static final int TOP = 10;

  private Statistics() {}

  static FeatureStatistics compute(Connection c, UUID featureId, ValueType type, Instant now)
      throws SQLException {
    String current =
        "(SELECT value_json FROM feature_values WHERE feature_id = '"
            + featureId
            + "' QUALIFY row_number() OVER (PARTITION BY entity, event_timestamp"
            + " ORDER BY seq DESC) = 1)";
    try (Statement s = c.createStatement()) {
      s.execute("CREATE OR REPLACE TEMP TABLE stats_current AS " + current);
      try {
        return compute(s, type, now);
      } finally {
        s.execute("DROP TABLE IF EXISTS stats_current");
      }
    }
  }

  private static FeatureStatistics compute(Statement s, ValueType type, Instant now)
      throws SQLException {
    long count;
    long nulls;
    long distinct;
    try (ResultSet rs =
        s.executeQuery(
            "SELECT count(*), count(*) FILTER (WHERE value_json IS NULL),"
                + " count(DISTINCT value_json) FROM stats_current")) {
      rs.next();
      count = rs.getLong(1);
      nulls = rs.getLong(2);
      distinct = rs.getLong(3);
    }
    if (!type.isNumeric()) {
      return new FeatureStatistics(
          count, nulls, distinct, null, null, null, null, null, null, null, top(s), List.of(), now);
    }
    String numbers =
        "(SELECT CAST(value_json AS DOUBLE) AS x FROM stats_current WHERE value_json IS NOT NULL)";
    Double min = null;
    Double max = null;
    Double mean = null;
    Double stddev = null;
    Double p50 = null;
    Double p90 = null;
    Double p99 = null;
    try (ResultSet rs =
        s.executeQuery(
            "SELECT min(x), max(x), avg(x), stddev_samp(x), quantile_cont(x, 0.5),"
                + " quantile_cont(x, 0.9), quantile_cont(x, 0.99) FROM "
                + numbers)) {
      rs.next();
      min = number(rs, 1);
      max = number(rs, 2);
      mean = number(rs, 3);
      stddev = number(rs, 4);
      p50 = number(rs, 5);
      p90 = number(rs, 6);
      p99 = number(rs, 7);
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
        histogram(s, numbers, min, max),
        now);
  }

  /** Equal-width buckets [lower, upper), the last one closed; one bucket when all are equal. */
  private static List<Bucket> histogram(
      Statement s, String numbers, @Nullable Double min, @Nullable Double max) throws SQLException {
    if (min == null) {
      return List.of();
    }
    Objects.requireNonNull(max, "max"); // from the same numbers as min
    if (min.equals(max)) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + numbers)) {
        rs.next();
        return List.of(new Bucket(min, max, rs.getLong(1)));
      }
    }
    double width = (max - min) / BUCKETS;
    long[] counts = new long[BUCKETS];
    try (ResultSet rs =
        s.executeQuery(
            "SELECT least(CAST(floor((x - ("
                + min
                + ")) / ("
                + width
                + ")) AS BIGINT), "
                + (BUCKETS - 1)
                + ") AS b, count(*) FROM "
                + numbers
                + " GROUP BY b")) {
      while (rs.next()) {
        int b = (int) Math.max(0, Math.min(BUCKETS - 1, rs.getLong(1)));
        counts[b] += rs.getLong(2);
      }
    }
    List<Bucket> buckets = new ArrayList<>(BUCKETS);
    for (int i = 0; i < BUCKETS; i++) {
      double lower = min + i * width;
      double upper = i == BUCKETS - 1 ? max : min + (i + 1) * width;
      buckets.add(new Bucket(lower, upper, counts[i]));
    }
    return buckets;
  }

  private static List<ValueCount> top(Statement s) throws SQLException {
    List<ValueCount> top = new ArrayList<>(TOP);
    try (ResultSet rs =
        s.executeQuery(
            "SELECT value_json, count(*) AS n FROM stats_current WHERE value_json IS NOT NULL"
                + " GROUP BY value_json ORDER BY n DESC, value_json LIMIT "
                + TOP)) {
      while (rs.next()) {
        top.add(new ValueCount(text(rs.getString(1)), rs.getLong(2)));
      }
    }
    return top;
  }

  /** A JSON string as its text ("Oncology", not "\"Oncology\""); anything else as JSON. */
  private static String text(String json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      return node.isTextual() ? node.textValue() : node.toString();
    } catch (JsonProcessingException e) {
      return json;
    }
  }

  private static @Nullable Double number(ResultSet rs, int index) throws SQLException {
    double d = rs.getDouble(index);
    return rs.wasNull() || Double.isNaN(d) ? null : d;
  }
}
