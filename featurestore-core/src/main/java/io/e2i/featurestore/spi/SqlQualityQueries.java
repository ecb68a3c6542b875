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
import java.util.UUID;
import java.util.function.Function;
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

  /** Runs queries over a relation that {@link #withRelation} derived once. */
  protected interface Querier {
    <T> T query(String what, String sql, Reader<T> reader);
  }

  /** Work over a relation derived once. */
  protected interface Body<T> {
    T run(Querier q);
  }

  /** Runs a query and reads its result; SQL errors are mapped by the store. */
  protected abstract <T> T query(String what, String sql, Reader<T> reader);

  /**
   * Runs {@code body}, whose queries read the relation {@code name}: the rows of {@code select},
   * computed once (a temporary table, or a materialized CTE in front of every query).
   */
  protected abstract <T> T withRelation(String name, String select, Body<T> body);

  /**
   * A SELECT of the current values of the features {@code ids} in the window's bounds, with the
   * columns {@code f} (the feature id), {@code entity} (canonical JSON text) and {@code v} (the
   * stored value, SQL NULL for null); bounds from {@link #bounds}.
   */
  protected abstract String current(List<UUID> ids, Window bounds);

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

  /**
   * The linear-interpolation quantiles of {@code expr} as one aggregate returning an array (one
   * sort, however many quantiles), indexed from 1.
   */
  protected abstract String quantiles(String expr, List<Double> probabilities);

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

  /** The feature ids as a SQL list for IN. */
  protected static String idList(List<UUID> ids) {
    return String.join(", ", ids.stream().map(id -> "'" + id + "'").toList());
  }

  // ------------------------------------------------------------------ validation

  @Override
  public ValidationCounts validate(Window w, Constraints c, int examples) {
    return validate(List.of(new Check(w, c)), examples).getFirst();
  }

  /**
   * One pass per set of equal bounds: the features' current values are derived once, every
   * constraint of every feature counted by a FILTER aggregate over them, and the examples of all
   * broken constraints read in one more query over the same derived values.
   */
  @Override
  public List<ValidationCounts> validate(List<Check> checks, int examples) {
    Map<List<@Nullable Instant>, List<Integer>> byBounds = new LinkedHashMap<>();
    for (int i = 0; i < checks.size(); i++) {
      Window w = checks.get(i).window();
      byBounds
          .computeIfAbsent(
              java.util.Arrays.asList(w.start(), w.end(), w.writtenAsOf()), k -> new ArrayList<>())
          .add(i);
    }
    ValidationCounts[] out = new ValidationCounts[checks.size()];
    for (List<Integer> indexes : byBounds.values()) {
      List<Check> group = indexes.stream().map(checks::get).toList();
      List<ValidationCounts> counts = validateGroup(group, examples);
      for (int i = 0; i < indexes.size(); i++) {
        out[indexes.get(i)] = counts.get(i);
      }
    }
    return List.of(out);
  }

  /**
   * Whether {@link #withRelation} keeps a relation's rows in the order its select gives and skips
   * the blocks of rows a filter on an ordered column cannot match (DuckDB's temporary tables, by
   * their min/max per row group). Then validation orders the derived values by feature and counts
   * each feature with its own query, which reads only that feature's rows; otherwise one query
   * counts every feature in one pass.
   */
  protected boolean clustered() {
    return false;
  }

  private List<ValidationCounts> validateGroup(List<Check> checks, int examples) {
    List<UUID> ids = checks.stream().map(c -> c.window().featureId()).distinct().toList();
    List<Map<String, String>> rules = new ArrayList<>();
    List<String> perFeature = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT 0");
    for (Check check : checks) {
      String of = "f = '" + check.window().featureId() + "'";
      Map<String, String> conditions = new LinkedHashMap<>();
      conditions(check.window().type(), check.constraints())
          .forEach((rule, cond) -> conditions.put(rule, of + " AND " + onlyFor(of, cond)));
      rules.add(conditions);
      StringBuilder one = new StringBuilder();
      one.append(", count(*) FILTER (WHERE ").append(of).append(')');
      one.append(", count(*) FILTER (WHERE ").append(of).append(" AND v IS NULL)");
      conditions
          .values()
          .forEach(c -> one.append(", count(*) FILTER (WHERE ").append(c).append(')'));
      sql.append(one);
      perFeature.add("SELECT 0" + one + " FROM checked WHERE " + of);
    }
    sql.append(" FROM checked");
    String select = current(ids, checks.getFirst().window());
    return withRelation(
        "checked",
        clustered() ? "SELECT * FROM (" + select + ") c ORDER BY f" : select,
        q -> {
          long[] counts;
          if (clustered()) {
            List<long[]> parts = new ArrayList<>();
            for (String one : perFeature) {
              parts.add(q.query("validation", one, SqlQualityQueries::longs));
            }
            counts = parts.stream().flatMapToLong(java.util.Arrays::stream).toArray();
          } else {
            counts = q.query("validation", sql.toString(), SqlQualityQueries::longs);
          }
          List<List<String>> found = examples(q, rules, counts, examples);
          List<ValidationCounts> out = new ArrayList<>();
          int at = 0;
          int rule = 0;
          for (Map<String, String> conditions : rules) {
            long checked = counts[at++];
            long nulls = counts[at++];
            List<RuleCount> ruleCounts = new ArrayList<>();
            for (String name : conditions.keySet()) {
              ruleCounts.add(new RuleCount(name, counts[at++], found.get(rule++)));
            }
            out.add(new ValidationCounts(checked, nulls, ruleCounts));
          }
          return out;
        });
  }

  /** The columns of a one-row result after the first, as longs. */
  private static long[] longs(ResultSet rs) throws SQLException {
    rs.next();
    long[] all = new long[rs.getMetaData().getColumnCount() - 1];
    for (int i = 0; i < all.length; i++) {
      all[i] = rs.getLong(i + 2);
    }
    return all;
  }

  /** A condition evaluated only on the feature's rows (a cast must not see another's values). */
  private static String onlyFor(String of, String condition) {
    return "CASE WHEN " + of + " THEN " + condition + " ELSE FALSE END";
  }

  /** Up to {@code limit} entities per broken rule (in rule order), in one query. */
  private static List<List<String>> examples(
      Querier q, List<Map<String, String>> rules, long[] counts, int limit) {
    List<String> conditions = new ArrayList<>();
    List<Boolean> broken = new ArrayList<>();
    int at = 0;
    for (Map<String, String> r : rules) {
      at += 2;
      for (String cond : r.values()) {
        conditions.add(cond);
        broken.add(counts[at++] > 0 && limit > 0);
      }
    }
    List<List<String>> out = new ArrayList<>();
    conditions.forEach(c -> out.add(new ArrayList<>()));
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < conditions.size(); i++) {
      if (broken.get(i)) {
        parts.add(
            "SELECT "
                + i
                + " AS r, entity FROM (SELECT DISTINCT entity FROM checked WHERE "
                + conditions.get(i)
                + " ORDER BY entity LIMIT "
                + limit
                + ") e"
                + i);
      }
    }
    if (parts.isEmpty()) {
      return out;
    }
    return q.query(
        "validation examples",
        String.join(" UNION ALL ", parts),
        rs -> {
          while (rs.next()) {
            out.get(rs.getInt(1)).add(rs.getString(2));
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

  // ------------------------------------------------------------------ drift

  /**
   * Both windows' current values derived once into the relation {@code drift_pair} ({@code side} 0
   * for the reference, 1 for the current window; {@code x} the number, or {@code t} the canonical
   * text of other types), which every aggregation of the drift then reads.
   */
  @Override
  public <T> T compare(Window reference, Window current, Function<Comparison, T> body) {
    boolean numeric = reference.type().isNumeric() && !reference.type().isList();
    String value = numeric ? number("v") + " AS x" : canonical("v") + " AS t";
    String select =
        "SELECT 0 AS side, "
            + value
            + " FROM ("
            + current(List.of(reference.featureId()), reference)
            + ") r UNION ALL SELECT 1 AS side, "
            + value
            + " FROM ("
            + current(List.of(current.featureId()), current)
            + ") c";
    return withRelation("drift_pair", select, q -> body.apply(new Pair(q, numeric)));
  }

  /** Buckets of the values' range that KS counts before sorting only the ones that matter. */
  static final int KS_BUCKETS = 4096;

  /** The aggregations of a drift over {@code drift_pair}. */
  private final class Pair implements Comparison {
    private final Querier q;
    private final boolean numeric;

    Pair(Querier q, boolean numeric) {
      this.q = q;
      this.numeric = numeric;
    }

    @Override
    public Summary[] summaries(List<Double> probabilities) {
      String col = numeric ? "x" : "t";
      StringBuilder sql = new StringBuilder("SELECT ");
      for (int side = 0; side < 2; side++) {
        String only = " FILTER (WHERE side = " + side + ")";
        sql.append(side == 0 ? "" : ", ")
            .append("count(*)")
            .append(only)
            .append(", count(*) FILTER (WHERE side = ")
            .append(side)
            .append(" AND ")
            .append(col)
            .append(" IS NULL)");
        if (numeric) {
          sql.append(", avg(x)").append(only).append(", stddev_samp(x)").append(only);
        }
      }
      boolean withQuantiles = numeric && !probabilities.isEmpty();
      if (withQuantiles) {
        sql.append(", ").append(quantiles("x", probabilities)).append(" FILTER (WHERE side = 0)");
      }
      sql.append(" FROM drift_pair");
      String text = sql.toString();
      if (withQuantiles) {
        StringBuilder outer = new StringBuilder("SELECT ");
        int plain = 8;
        for (int i = 1; i <= plain; i++) {
          outer.append("c").append(i).append(", ");
        }
        for (int i = 1; i <= probabilities.size(); i++) {
          outer.append(i == 1 ? "" : ", ").append("q[").append(i).append(']');
        }
        outer.append(" FROM (").append(text).append(") AS s(c1, c2, c3, c4, c5, c6, c7, c8, q)");
        text = outer.toString();
      }
      return q.query(
          "drift summary",
          text,
          rs -> {
            rs.next();
            if (!numeric) {
              return new Summary[] {
                new Summary(rs.getLong(1), rs.getLong(2), null, null, List.of()),
                new Summary(rs.getLong(3), rs.getLong(4), null, null, List.of())
              };
            }
            List<Double> qs = new ArrayList<>();
            for (int i = 0; withQuantiles && i < probabilities.size(); i++) {
              Double v = nullableDouble(rs, 9 + i);
              if (v != null) {
                qs.add(v);
              }
            }
            return new Summary[] {
              new Summary(
                  rs.getLong(1), rs.getLong(2), nullableDouble(rs, 3), nullableDouble(rs, 4), qs),
              new Summary(
                  rs.getLong(5),
                  rs.getLong(6),
                  nullableDouble(rs, 7),
                  nullableDouble(rs, 8),
                  List.of())
            };
          });
    }

    @Override
    public long[][] bins(double[] edges) {
      StringBuilder bin = new StringBuilder("CASE");
      for (int i = 0; i < edges.length; i++) {
        bin.append(" WHEN x <= ").append(edges[i]).append(" THEN ").append(i);
      }
      bin.append(" ELSE ").append(edges.length).append(" END");
      String sql =
          "SELECT side, "
              + (edges.length == 0 ? "0" : bin)
              + " AS b, count(*) FROM drift_pair WHERE x IS NOT NULL GROUP BY 1, 2";
      return q.query(
          "drift bins",
          sql,
          rs -> {
            long[][] counts = new long[2][edges.length + 1];
            while (rs.next()) {
              counts[rs.getInt(1)][rs.getInt(2)] += rs.getLong(3);
            }
            return counts;
          });
    }

    @Override
    public Map<String, Long> topValues(int limit) {
      return q.query(
          "drift categories",
          "SELECT t, count(*) AS c FROM drift_pair WHERE side = 0 AND t IS NOT NULL"
              + " GROUP BY t ORDER BY c DESC, t LIMIT "
              + limit,
          rs -> {
            Map<String, Long> out = new LinkedHashMap<>();
            while (rs.next()) {
              out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
          });
    }

    @Override
    public long[][] valueCounts(List<String> values) {
      String key =
          values.isEmpty()
              ? "CAST(NULL AS VARCHAR)"
              : "CASE WHEN t IN ("
                  + String.join(", ", values.stream().map(SqlQualityQueries::literal).toList())
                  + ") THEN t END";
      return q.query(
          "drift category counts",
          "SELECT side, "
              + key
              + " AS k, count(*) FROM drift_pair WHERE t IS NOT NULL GROUP BY 1, 2",
          rs -> {
            long[][] counts = new long[2][values.size() + 1];
            while (rs.next()) {
              int side = rs.getInt(1);
              String k = rs.getString(2);
              int i = k == null ? -1 : values.indexOf(k);
              counts[side][i < 0 ? values.size() : i] += rs.getLong(3);
            }
            return counts;
          });
    }

    /**
     * KS = max |F1(x) - F2(x)| over the union of values, divided in double like scipy's {@code
     * ks_2samp} does, without sorting both samples: the values' range is cut into {@link
     * #KS_BUCKETS} equal buckets and each side counted per bucket (one scan); at a bucket's end the
     * gap is known exactly, and inside a bucket it cannot exceed the gap between one side's count
     * at the bucket's start and the other's at its end. Only buckets whose bound beats the best
     * known gap (typically a handful near the largest gap) are sorted, with running counts offset
     * by the counts before them. Skewed data that leaves most values in such buckets costs a sort
     * of them, as before; the result is the same either way.
     */
    @Override
    public KsResult ks() {
      long[] n = new long[2];
      double[] range = new double[2];
      boolean any =
          q.query(
              "drift ks",
              "SELECT count(*) FILTER (WHERE side = 0), count(*) FILTER (WHERE side = 1),"
                  + " min(x), max(x) FROM drift_pair WHERE x IS NOT NULL",
              rs -> {
                rs.next();
                n[0] = rs.getLong(1);
                n[1] = rs.getLong(2);
                range[0] = rs.getDouble(3);
                range[1] = rs.getDouble(4);
                return !rs.wasNull();
              });
      if (!any || n[0] == 0 || n[1] == 0) {
        return new KsResult(Double.NaN, n[0], n[1]);
      }
      double scale = KS_BUCKETS / (range[1] - range[0]);
      if (!(range[1] > range[0]) || !Double.isFinite(scale)) {
        return new KsResult(0.0, n[0], n[1]); // one value on both sides: equal distributions
      }
      String bucket =
          "least("
              + (KS_BUCKETS - 1)
              + ", CAST(floor((x - ("
              + range[0]
              + ")) * "
              + scale
              + ") AS INTEGER))";
      long[][] counts = new long[2][KS_BUCKETS];
      q.query(
          "drift ks",
          "SELECT b, count(*) FILTER (WHERE side = 0), count(*) FILTER (WHERE side = 1)"
              + " FROM (SELECT side, "
              + bucket
              + " AS b FROM drift_pair WHERE x IS NOT NULL) t GROUP BY b",
          rs -> {
            while (rs.next()) {
              counts[0][rs.getInt(1)] = rs.getLong(2);
              counts[1][rs.getInt(1)] = rs.getLong(3);
            }
            return counts;
          });
      double d = 0;
      long[][] before = new long[2][KS_BUCKETS];
      long c1 = 0;
      long c2 = 0;
      for (int b = 0; b < KS_BUCKETS; b++) {
        before[0][b] = c1;
        before[1][b] = c2;
        c1 += counts[0][b];
        c2 += counts[1][b];
        d = Math.max(d, gap(c1, n[0], c2, n[1]));
      }
      List<String> open = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int b = 0; b < KS_BUCKETS; b++) {
        long e1 = before[0][b] + counts[0][b];
        long e2 = before[1][b] + counts[1][b];
        double bound =
            Math.max(gap(e1, n[0], before[1][b], n[1]), gap(before[0][b], n[0], e2, n[1]));
        if (bound > d && counts[0][b] + counts[1][b] > 1) {
          open.add("(" + b + ", " + before[0][b] + ", " + before[1][b] + ")");
          ids.add(Integer.toString(b));
        }
      }
      if (open.isEmpty()) {
        return new KsResult(d, n[0], n[1]);
      }
      String sql =
          "SELECT max(abs(CAST(o.p1 + s1 AS float8) / CAST("
              + n[0]
              + " AS float8) - CAST(o.p2 + s2 AS float8) / CAST("
              + n[1]
              + " AS float8))) FROM (SELECT b, sum(1 - side) OVER w AS s1, sum(side) OVER w AS s2"
              + " FROM (SELECT side, x, "
              + bucket
              + " AS b FROM drift_pair WHERE x IS NOT NULL) t WHERE b IN ("
              + String.join(", ", ids)
              + ") WINDOW w AS (PARTITION BY b ORDER BY x)) r JOIN (VALUES "
              + String.join(", ", open)
              + ") AS o(b, p1, p2) ON r.b = o.b";
      double inside =
          q.query(
              "drift ks",
              sql,
              rs -> {
                rs.next();
                double v = rs.getDouble(1);
                return rs.wasNull() ? 0.0 : v;
              });
      return new KsResult(Math.max(d, inside), n[0], n[1]);
    }

    /** |c1/n1 - c2/n2| in double, as the SQL computes it. */
    private static double gap(long c1, long n1, long c2, long n2) {
      return Math.abs((double) c1 / (double) n1 - (double) c2 / (double) n2);
    }
  }

  @Override
  public KsResult ks(Window a, Window b) {
    return compare(a, b, Comparison::ks);
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
