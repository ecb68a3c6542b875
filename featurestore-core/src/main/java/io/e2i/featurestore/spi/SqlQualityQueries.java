package io.e2i.featurestore.spi;

import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.ValueType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@link QualityQueries} as SQL both offline stores run: a store supplies its dialect (how a
 * window's current values are selected, how a stored value reads as a number, a text, a list) and
 * runs the statements; every aggregation happens in the database. Works against the logical {@code
 * feature_values} table, so a partitioned PostgreSQL table needs nothing more.
 *
 * <p>Constraints are checked the way the write path checks them: {@code min}, {@code max} on
 * numeric features, {@code allowed} on scalars, {@code pattern} and {@code max_length} on strings,
 * {@code min_items} and {@code max_items} on lists, {@code nullable: false} on all. Patterns run as
 * the database's regular expressions (DuckDB: RE2; PostgreSQL: POSIX ARE), which agree with Java's
 * on the usual classes, anchors and quantifiers.
 */
public abstract class SqlQualityQueries implements QualityQueries {

  /** Reads a result set (positioned before its first row). */
  protected interface Reader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Runs a query and reads its result; SQL errors are mapped by the store. */
  protected abstract <T> T query(String what, String sql, Reader<T> reader);

  /**
   * A SELECT of the window's current values with the columns {@code entity} (canonical JSON text)
   * and {@code v} (the stored value, SQL NULL for null); bounds from {@link #timestamp}.
   */
  protected abstract String current(Window window);

  /**
   * A SQL literal of a timestamp, comparable with {@code event_timestamp} and {@code written_at}.
   */
  protected abstract String timestamp(Instant instant);

  /** A stored (JSON) number as a double. */
  protected abstract String number(String column);

  /** A stored (JSON) scalar as its text: a string's content, a number's digits, true/false. */
  protected abstract String text(String column);

  /** Runs a statement that changes the database (the drift history), with parameters. */
  protected abstract void update(String what, String sql, Object... parameters);

  /** A stored value as text that identifies it (for counting categories). */
  protected abstract String canonical(String column);

  /** The length of a stored JSON list. */
  protected abstract String listLength(String column);

  /** True when {@code expr} matches the regular expression (a SQL literal) as a whole. */
  protected abstract String fullMatch(String expr, String patternLiteral);

  /** The linear-interpolation quantile aggregate of {@code expr}. */
  protected abstract String quantile(String expr, double p);

  /** A string as a SQL literal: single quotes doubled (standard strings in both databases). */
  protected static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** The window's WHERE bounds after the feature id, for {@link #current}. */
  protected String bounds(Window w) {
    StringBuilder sb = new StringBuilder();
    if (w.start() != null) {
      sb.append(" AND event_timestamp >= ").append(timestamp(w.start()));
    }
    if (w.end() != null) {
      sb.append(" AND event_timestamp <= ").append(timestamp(w.end()));
    }
    if (w.writtenAsOf() != null) {
      sb.append(" AND written_at <= ").append(timestamp(w.writtenAsOf()));
    }
    return sb.toString();
  }

  private String with(Window w) {
    return "WITH cur AS (" + current(w) + ") ";
  }

  @Override
  public ValidationCounts validate(Window w, Constraints c, int examples) {
    Map<String, String> rules = conditions(w.type(), c);
    StringBuilder sql =
        new StringBuilder(with(w)).append("SELECT count(*), count(*) FILTER (WHERE v IS NULL)");
    rules
        .values()
        .forEach(cond -> sql.append(", count(*) FILTER (WHERE ").append(cond).append(')'));
    sql.append(" FROM cur");
    long[] counts =
        query(
            "validation",
            sql.toString(),
            rs -> {
              rs.next();
              long[] out = new long[rules.size() + 2];
              for (int i = 0; i < out.length; i++) {
                out[i] = rs.getLong(i + 1);
              }
              return out;
            });
    List<RuleCount> out = new ArrayList<>();
    int i = 2;
    for (Map.Entry<String, String> rule : rules.entrySet()) {
      long n = counts[i++];
      List<String> found =
          n == 0 || examples <= 0 ? List.of() : examples(w, rule.getValue(), examples);
      out.add(new RuleCount(rule.getKey(), n, found));
    }
    return new ValidationCounts(counts[0], counts[1], out);
  }

  private List<String> examples(Window w, String condition, int limit) {
    return query(
        "validation examples",
        with(w) + "SELECT DISTINCT entity FROM cur WHERE " + condition + " LIMIT " + limit,
        rs -> {
          List<String> out = new ArrayList<>();
          while (rs.next()) {
            out.add(rs.getString(1));
          }
          return out;
        });
  }

  /** Each declared rule that applies to the type, as a SQL condition true for a violation. */
  private Map<String, String> conditions(ValueType type, Constraints c) {
    Map<String, String> m = new LinkedHashMap<>();
    if (Boolean.FALSE.equals(c.nullable())) {
      m.put("nullable", "v IS NULL");
    }
    boolean numeric = type.isNumeric() && !type.isList();
    if (numeric && c.min() != null) {
      m.put("min", number("v") + " < " + c.min());
    }
    if (numeric && c.max() != null) {
      m.put("max", number("v") + " > " + c.max());
    }
    if (!type.isList() && !c.allowed().isEmpty()) {
      m.put("allowed", "v IS NOT NULL AND " + notAllowed(type, c.allowed()));
    }
    if (type == ValueType.STRING && c.pattern() != null) {
      m.put("pattern", "NOT " + fullMatch(text("v"), literal(c.pattern())));
    }
    if (type == ValueType.STRING && c.maxLength() != null) {
      m.put("max_length", "length(" + text("v") + ") > " + c.maxLength());
    }
    if (type.isList() && c.minItems() != null) {
      m.put("min_items", listLength("v") + " < " + c.minItems());
    }
    if (type.isList() && c.maxItems() != null) {
      m.put("max_items", listLength("v") + " > " + c.maxItems());
    }
    return m;
  }

  /** Numbers compare by value (1 allows 1.0) as the write path does; other scalars by text. */
  private String notAllowed(ValueType type, List<Object> allowed) {
    List<String> items = new ArrayList<>();
    for (Object a : allowed) {
      if (type.isNumeric() && a instanceof Number n) {
        items.add(Double.toString(n.doubleValue()));
      } else if (!type.isNumeric() && !(a instanceof Number)) {
        items.add(literal(String.valueOf(a)));
      }
    }
    if (items.isEmpty()) {
      return "TRUE";
    }
    String expr = type.isNumeric() ? number("v") : text("v");
    return expr + " NOT IN (" + String.join(", ", items) + ")";
  }

  @Override
  public Summary summary(Window w, List<Double> probabilities) {
    boolean numeric = w.type().isNumeric() && !w.type().isList();
    StringBuilder sql =
        new StringBuilder(with(w)).append("SELECT count(*), count(*) FILTER (WHERE v IS NULL)");
    if (numeric) {
      sql.append(", avg(x), stddev_samp(x)");
      for (double p : probabilities) {
        sql.append(", ").append(quantile("x", p));
      }
      sql.append(" FROM (SELECT v, ").append(number("v")).append(" AS x FROM cur) n");
    } else {
      sql.append(" FROM cur");
    }
    return query(
        "drift summary",
        sql.toString(),
        rs -> {
          rs.next();
          if (!numeric) {
            return new Summary(rs.getLong(1), rs.getLong(2), null, null, List.of());
          }
          List<Double> qs = new ArrayList<>();
          for (int i = 0; i < probabilities.size(); i++) {
            Double q = nullableDouble(rs, 5 + i);
            if (q != null) {
              qs.add(q);
            }
          }
          return new Summary(
              rs.getLong(1), rs.getLong(2), nullableDouble(rs, 3), nullableDouble(rs, 4), qs);
        });
  }

  @Override
  public long[] bins(Window w, double[] edges) {
    StringBuilder bin = new StringBuilder("CASE");
    for (int i = 0; i < edges.length; i++) {
      bin.append(" WHEN x <= ").append(edges[i]).append(" THEN ").append(i);
    }
    bin.append(" ELSE ").append(edges.length).append(" END");
    String sql =
        with(w)
            + "SELECT "
            + (edges.length == 0 ? "0" : bin)
            + " AS b, count(*) FROM (SELECT "
            + number("v")
            + " AS x FROM cur WHERE v IS NOT NULL) n GROUP BY 1";
    return query(
        "drift bins",
        sql,
        rs -> {
          long[] counts = new long[edges.length + 1];
          while (rs.next()) {
            counts[rs.getInt(1)] += rs.getLong(2);
          }
          return counts;
        });
  }

  @Override
  public Map<String, Long> topValues(Window w, int limit) {
    String sql =
        with(w)
            + "SELECT t, count(*) AS c FROM (SELECT "
            + canonical("v")
            + " AS t FROM cur WHERE v IS NOT NULL) s GROUP BY t ORDER BY c DESC, t LIMIT "
            + limit;
    return query(
        "drift categories",
        sql,
        rs -> {
          Map<String, Long> out = new LinkedHashMap<>();
          while (rs.next()) {
            out.put(rs.getString(1), rs.getLong(2));
          }
          return out;
        });
  }

  @Override
  public long[] valueCounts(Window w, List<String> values) {
    String key =
        values.isEmpty()
            ? "CAST(NULL AS VARCHAR)"
            : "CASE WHEN t IN ("
                + String.join(", ", values.stream().map(SqlQualityQueries::literal).toList())
                + ") THEN t END";
    String sql =
        with(w)
            + "SELECT "
            + key
            + " AS k, count(*) FROM (SELECT "
            + canonical("v")
            + " AS t FROM cur WHERE v IS NOT NULL) s GROUP BY 1";
    return query(
        "drift category counts",
        sql,
        rs -> {
          long[] counts = new long[values.size() + 1];
          while (rs.next()) {
            String k = rs.getString(1);
            int i = k == null ? -1 : values.indexOf(k);
            counts[i < 0 ? values.size() : i] += rs.getLong(2);
          }
          return counts;
        });
  }

  /**
   * KS = max |F1(x) - F2(x)| over the union of values: cumulative counts per distinct value by a
   * window function, divided in double like scipy's {@code ks_2samp} does.
   */
  @Override
  public KsResult ks(Window a, Window b) {
    String sql =
        "WITH a AS ("
            + current(a)
            + "), b AS ("
            + current(b)
            + "), u AS (SELECT "
            + number("v")
            + " AS x, 1 AS c1, 0 AS c2 FROM a WHERE v IS NOT NULL UNION ALL SELECT "
            + number("v")
            + " AS x, 0 AS c1, 1 AS c2 FROM b WHERE v IS NOT NULL),"
            + " g AS (SELECT x, sum(c1) AS c1, sum(c2) AS c2 FROM u GROUP BY x),"
            + " c AS (SELECT sum(c1) OVER w AS s1, sum(c2) OVER w AS s2,"
            + " sum(c1) OVER () AS n1, sum(c2) OVER () AS n2 FROM g"
            + " WINDOW w AS (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))"
            + " SELECT max(abs(CAST(s1 AS float8) / CAST(n1 AS float8)"
            + " - CAST(s2 AS float8) / CAST(n2 AS float8))), max(n1), max(n2) FROM c";
    return query(
        "drift ks",
        sql,
        rs -> {
          rs.next();
          double d = rs.getDouble(1);
          return new KsResult(rs.wasNull() ? Double.NaN : d, rs.getLong(2), rs.getLong(3));
        });
  }

  // ------------------------------------------------------------------ drift history

  private static final String DRIFT_COLUMNS =
      "feature_group, feature_name, version, status, psi, computed_at, result";

  @Override
  public void recordDrift(DriftRecord r) {
    update(
        "drift history",
        "INSERT INTO drift_results (" + DRIFT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
        r.featureGroup(),
        r.featureName(),
        r.version(),
        r.status(),
        r.psi() == null ? Double.NaN : r.psi(),
        micros(r.computedAt()),
        r.json());
  }

  @Override
  public List<DriftRecord> latestDrift() {
    return query(
        "drift history",
        "SELECT "
            + DRIFT_COLUMNS
            + " FROM (SELECT "
            + DRIFT_COLUMNS
            + ", row_number() OVER (PARTITION BY feature_group, feature_name"
            + " ORDER BY computed_at DESC) AS rn FROM drift_results) t WHERE rn = 1"
            + " ORDER BY feature_group, feature_name",
        SqlQualityQueries::driftRecords);
  }

  @Override
  public List<DriftRecord> driftHistory(String featureGroup, String featureName, int limit) {
    return query(
        "drift history",
        "SELECT "
            + DRIFT_COLUMNS
            + " FROM drift_results WHERE feature_group = "
            + literal(featureGroup)
            + " AND feature_name = "
            + literal(featureName)
            + " ORDER BY computed_at DESC LIMIT "
            + Math.max(0, limit),
        SqlQualityQueries::driftRecords);
  }

  private static List<DriftRecord> driftRecords(ResultSet rs) throws SQLException {
    List<DriftRecord> out = new ArrayList<>();
    while (rs.next()) {
      long micros = rs.getLong(6);
      out.add(
          new DriftRecord(
              rs.getString(1),
              rs.getString(2),
              rs.getInt(3),
              rs.getString(4),
              nullableDouble(rs, 5),
              Instant.ofEpochSecond(
                  Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
              rs.getString(7)));
    }
    return out;
  }

  private static long micros(Instant i) {
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
  }

  private static @Nullable Double nullableDouble(ResultSet rs, int index) throws SQLException {
    double d = rs.getDouble(index);
    return rs.wasNull() || Double.isNaN(d) ? null : d;
  }
}
