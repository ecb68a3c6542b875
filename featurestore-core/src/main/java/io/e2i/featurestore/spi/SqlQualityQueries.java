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

    /**
     * Makes the rows of {@code select} (which may read the relations defined before) the relation
     * {@code name} for the later queries, computed once (a temporary table, or a materialized CTE
     * in front of each later query).
     */
    void derive(String name, String select);
  }

  /** Work over a relation derived once. */
  protected interface Body<T> {
    T run(Querier q);
  }

  /** Runs a query and reads its result; SQL errors are mapped by the store. */
  protected abstract <T> T query(String what, String sql, Reader<T> reader);

  /**
   * Runs {@code body}, whose queries read the relation {@code name}: the rows of {@code select},
   * computed once (a temporary table, or a materialized CTE in front of every query) when {@code
   * materialize}, else read again by every query (a CTE that is not materialized).
   */
  protected abstract <T> T withRelation(
      String name, String select, boolean materialize, Body<T> body);

  /**
   * A SELECT of the current values of the features {@code ids} in the window's bounds, with the
   * columns {@code f} (the feature id), {@code entity} (canonical JSON text) and {@code v} (the
   * stored value, SQL NULL for null); bounds from {@link #bounds}. With {@code uniqueThrough} (from
   * {@link #uniqueThrough}) the stored rows with seq up to it, as they are; without, the latest
   * written per (entity, event time).
   */
  protected abstract String current(List<UUID> ids, Window bounds, @Nullable Long uniqueThrough);

  /**
   * A seq up to which the stored rows of the features are their current values (no (entity, event
   * time) written twice among them), or null when unknown or some key was rewritten: then {@link
   * #current} takes the latest written per key, which costs several times a scan.
   */
  protected @Nullable Long uniqueThrough(List<UUID> ids) {
    return null;
  }

  /**
   * Whether a drift over current values that are the stored rows (a {@link #uniqueThrough}) still
   * copies them into a temporary table once (both stores: on DuckDB the copy costs about one scan;
   * on PostgreSQL each scan pays the JSONB-to-number cast again, and at 10 M values three parallel
   * scans took 24 s against 17 s with the copy). A store where a scan is cheaper than the copy
   * returns false: each aggregation then reads the table again.
   */
  protected boolean materializeRows() {
    return true;
  }

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
    String select = current(ids, checks.getFirst().window(), uniqueThrough(ids));
    return withRelation(
        "checked",
        clustered() ? "SELECT * FROM (" + select + ") c ORDER BY f" : select,
        true,
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
   * Both windows' current values as the relation {@code drift_pair} ({@code side} 0 for the
   * reference, 1 for the current window; {@code x} the number, or {@code t} the canonical text of
   * other types), which every aggregation of the drift reads: copied once into a temporary table,
   * or, when the current values are the stored rows and the store would rather scan them again
   * ({@link #materializeRows}), read from the table by each aggregation.
   */
  @Override
  public <T> T compare(Window reference, Window current, Function<Comparison, T> body) {
    boolean numeric = reference.type().isNumeric() && !reference.type().isList();
    if (numeric
        && reference.featureId().equals(current.featureId())
        && disjoint(reference, current)) {
      Scan scan = scanRows(reference, current);
      if (scan != null) {
        try (scan) {
          return body.apply(scan);
        }
      }
    }
    String value = numeric ? number("v") + " AS x" : canonical("v") + " AS t";
    @Nullable Long through =
        uniqueThrough(
            java.util.stream.Stream.of(reference.featureId(), current.featureId())
                .distinct()
                .toList());
    String pair = pairOfRows(reference, current, through);
    String select =
        pair != null
            ? "SELECT side, " + value + " FROM (" + pair + ") p"
            : "SELECT 0 AS side, "
                + value
                + " FROM ("
                + current(List.of(reference.featureId()), reference, through)
                + ") r UNION ALL SELECT 1 AS side, "
                + value
                + " FROM ("
                + current(List.of(current.featureId()), current, through)
                + ") c";
    boolean materialize = through == null || materializeRows();
    return withRelation("drift_pair", select, materialize, q -> body.apply(new Pair(q, numeric)));
  }

  /**
   * Both windows' current values in one scan, as columns {@code side} (0 reference, 1 current) and
   * {@code v}, or null to read each window with its own {@link #current} (the default). A store may
   * offer it when the current values are the stored rows ({@code uniqueThrough} not null), both
   * windows are of one feature and no row can fall in both ({@link #disjoint}): the same rows as
   * the two reads, found by one pass over the table instead of two.
   */
  protected @Nullable String pairOfRows(
      Window reference, Window current, @Nullable Long uniqueThrough) {
    return null;
  }

  /** A numeric drift's aggregations over the stored rows, holding what it reads until closed. */
  public interface Scan extends Comparison, AutoCloseable {
    @Override
    void close();
  }

  /**
   * A numeric drift of one feature over two windows that share no instant, read from the stored
   * rows without deriving {@code drift_pair}, or null (the default) to derive it. The store decides
   * whether the stored rows are the current values (as {@link #uniqueThrough} does) and returns
   * null when they are not, or when the data make the relation cheaper.
   */
  protected @Nullable Scan scanRows(Window reference, Window current) {
    return null;
  }

  /** Whether no event time lies in both windows (their bounds are inclusive). */
  protected static boolean disjoint(Window a, Window b) {
    return before(a.end(), b.start()) || before(b.end(), a.start());
  }

  private static boolean before(@Nullable Instant end, @Nullable Instant start) {
    return end != null && start != null && end.isBefore(start);
  }

  /** Equal buckets of the values' range that a numeric drift counts in one scan. */
  static final int BUCKETS = 4096;

  /** Values KS sorts at most, once a span of buckets holding its largest gap is narrowed down. */
  static final int SORTED = 100_000;

  /** The aggregations of a drift over {@code drift_pair}. */
  private final class Pair implements Comparison {
    private final Querier q;
    private final boolean numeric;
    private @Nullable Numbers numbers;

    Pair(Querier q, boolean numeric) {
      this.q = q;
      this.numeric = numeric;
    }

    @Override
    public Summary[] summaries(List<Double> probabilities) {
      if (numeric) {
        return numbers(probabilities).summaries();
      }
      return q.query(
          "drift summary",
          "SELECT count(*) FILTER (WHERE side = 0), count(*) FILTER (WHERE side = 0 AND t IS NULL),"
              + " count(*) FILTER (WHERE side = 1), count(*) FILTER (WHERE side = 1 AND t IS NULL)"
              + " FROM drift_pair",
          rs -> {
            rs.next();
            return new Summary[] {
              new Summary(rs.getLong(1), rs.getLong(2), null, null, List.of()),
              new Summary(rs.getLong(3), rs.getLong(4), null, null, List.of())
            };
          });
    }

    /** The numbers' aggregations, computed once for the quantiles asked first. */
    private Numbers numbers(List<Double> probabilities) {
      Numbers n = numbers;
      if (n == null || !n.probabilities.equals(probabilities)) {
        n = new Numbers(q, probabilities);
        numbers = n;
      }
      return n;
    }

    @Override
    public long[][] bins(double[] edges) {
      Numbers n = numbers;
      if (n != null) {
        long[][] counts = n.bins(edges);
        if (counts != null) {
          return counts;
        }
      }
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

    @Override
    public KsResult ks() {
      return numbers(numbers == null ? List.of() : numbers.probabilities).ks();
    }
  }

  /**
   * A numeric drift's aggregations in two scans of {@code drift_pair} and a few small queries,
   * without sorting either side. The first scan counts each side and its nulls, its mean and
   * stddev, and the values' range; the second counts each side in {@link #BUCKETS} equal buckets of
   * that range. Each quantile's order statistics and KS's largest gap are then known to lie in a
   * few buckets: the KS gap is exact at every bucket's end, and inside a bucket it cannot exceed
   * the gap between one side's count at the bucket's start and the other's at its end; the order
   * statistics of a quantile sit in the buckets the running counts point at. Only those buckets'
   * values are copied (relation {@code drift_inside}: usually a few thousand values a bucket) and
   * sorted, so quantiles, the counts of the bins they bound, and KS are exact, not estimates:
   * skewed data that crowds most values into such buckets only costs a larger sort.
   */
  private final class Numbers {
    final List<Double> probabilities;
    private final Querier q;
    private final Summary[] summaries;
    private final long[] n = new long[2]; // non-null values per side
    private final long[][] counts = new long[2][];
    private final long[][] before = new long[2][]; // values in the buckets before each
    private final String bucket; // SQL: the bucket of x
    private final boolean spread; // more than one distinct value
    private final double endGap; // the largest KS gap at the buckets' ends
    private final int @Nullable [] open; // first and last bucket whose KS bound beats endGap
    private final Map<Double, int[]> edgeBuckets = new java.util.HashMap<>();

    Numbers(Querier q, List<Double> probabilities) {
      this.q = q;
      this.probabilities = List.copyOf(probabilities);
      double[] range = new double[2];
      this.summaries = stats(range);
      n[0] = summaries[0].count() - summaries[0].nulls();
      n[1] = summaries[1].count() - summaries[1].nulls();
      double scale = BUCKETS / (range[1] - range[0]);
      spread = n[0] + n[1] > 0 && range[1] > range[0];
      int buckets = spread && Double.isFinite(scale) ? BUCKETS : 1;
      bucket = buckets == 1 ? "0" : bucketOf(range[0], scale);
      counts[0] = new long[buckets];
      counts[1] = new long[buckets];
      if (buckets == 1) {
        counts[0][0] = n[0];
        counts[1][0] = n[1];
      } else {
        countBuckets();
      }
      long[][] runs = DriftBuckets.runningCounts(counts, 0, 0);
      before[0] = runs[0];
      before[1] = runs[1];
      boolean both = n[0] > 0 && n[1] > 0;
      endGap = both ? DriftBuckets.endGap(before, counts, n, 0) : 0;
      open = spread && both ? openSpan(before, counts, endGap) : null;
      java.util.TreeSet<Integer> inside = new java.util.TreeSet<>();
      if (open != null) { // one span: near the largest gap the open buckets are neighbours
        for (int b = open[0]; b <= open[1]; b++) {
          inside.add(b);
        }
      }
      // per probability: ranks floor, ceil; their buckets
      List<long[]> ranks =
          n[0] > 0 && spread ? DriftBuckets.ranks(probabilities, before, counts, n[0]) : List.of();
      for (long[] r : ranks) {
        for (int b = (int) r[2]; b <= r[3]; b++) {
          inside.add(b);
        }
      }
      if (!inside.isEmpty()) {
        q.derive(
            "drift_inside",
            "SELECT side, x, b FROM (SELECT side, x, "
                + bucket
                + " AS b FROM drift_pair WHERE x IS NOT NULL) t WHERE b IN ("
                + String.join(", ", inside.stream().map(String::valueOf).toList())
                + ")");
      }
      List<Double> quantiles = quantiles(ranks, range[0]);
      summaries[0] =
          new Summary(
              summaries[0].count(),
              summaries[0].nulls(),
              summaries[0].mean(),
              summaries[0].stddev(),
              quantiles);
    }

    Summary[] summaries() {
      return summaries.clone();
    }

    /**
     * The first and last bucket inside which the KS gap could exceed {@code d} (the gap between one
     * side's count at its start and the other's at its end beats it, and it holds two values or
     * more), or null when there is none.
     */
    private int @Nullable [] openSpan(long[][] before, long[][] counts, double d) {
      int first = -1;
      int last = -1;
      for (int b = 0; b < counts[0].length; b++) {
        if (DriftBuckets.mayBeat(before, counts, n, b, d)) {
          first = first < 0 ? b : first;
          last = b;
        }
      }
      return first < 0 ? null : new int[] {first, last};
    }

    /** Count, nulls, mean, stddev of each side; the range of both sides' values into range. */
    private Summary[] stats(double[] range) {
      StringBuilder sql = new StringBuilder("SELECT ");
      for (int side = 0; side < 2; side++) {
        String only = " FILTER (WHERE side = " + side + ")";
        sql.append(side == 0 ? "" : ", ")
            .append("count(*)")
            .append(only)
            .append(", count(x)")
            .append(only)
            .append(", avg(x)")
            .append(only)
            .append(", stddev_samp(x)")
            .append(only);
      }
      sql.append(", min(x), max(x) FROM drift_pair");
      return q.query(
          "drift summary",
          sql.toString(),
          rs -> {
            rs.next();
            range[0] = rs.getDouble(9);
            range[1] = rs.getDouble(10);
            return new Summary[] {
              new Summary(
                  rs.getLong(1),
                  rs.getLong(1) - rs.getLong(2),
                  nullableDouble(rs, 3),
                  nullableDouble(rs, 4),
                  List.of()),
              new Summary(
                  rs.getLong(5),
                  rs.getLong(5) - rs.getLong(6),
                  nullableDouble(rs, 7),
                  nullableDouble(rs, 8),
                  List.of())
            };
          });
    }

    private void countBuckets() {
      sideCounts(
          "drift buckets",
          "SELECT b, count(*) FILTER (WHERE side = 0), count(*) FILTER (WHERE side = 1)"
              + " FROM (SELECT side, "
              + bucket
              + " AS b FROM drift_pair WHERE x IS NOT NULL) t GROUP BY b",
          counts);
    }

    /** Reads rows (bucket, reference count, current count) into {@code counts[side][bucket]}. */
    private void sideCounts(String what, String sql, long[][] counts) {
      q.query(
          what,
          sql,
          rs -> {
            while (rs.next()) {
              counts[0][rs.getInt(1)] = rs.getLong(2);
              counts[1][rs.getInt(1)] = rs.getLong(3);
            }
            return counts;
          });
    }

    /**
     * The quantiles by linear interpolation between the order statistics at floor and ceil of (n -
     * 1) p, as numpy's default, DuckDB's quantile_cont and PostgreSQL's percentile_cont compute
     * them; each read by its rank within its bucket.
     */
    private List<Double> quantiles(List<long[]> ranks, double min) {
      if (n[0] == 0 || probabilities.isEmpty()) {
        return List.of();
      }
      if (!spread) {
        return probabilities.stream().map(p -> min).toList();
      }
      StringBuilder where = new StringBuilder();
      java.util.Set<String> wanted = new java.util.LinkedHashSet<>();
      java.util.Set<Long> buckets = new java.util.TreeSet<>();
      for (long[] r : ranks) {
        wanted.add("(b = " + r[2] + " AND rn = " + (r[0] - before[0][(int) r[2]] + 1) + ")");
        wanted.add("(b = " + r[3] + " AND rn = " + (r[1] - before[0][(int) r[3]] + 1) + ")");
        buckets.add(r[2]);
        buckets.add(r[3]);
      }
      where.append(String.join(" OR ", wanted));
      // only the quantiles' buckets are ranked: drift_inside also holds KS's span, often far more
      Map<Long, Double> byRank =
          q.query(
              "drift quantiles",
              "SELECT b, rn, x FROM (SELECT b, x, row_number() OVER (PARTITION BY b ORDER BY x)"
                  + " AS rn FROM drift_inside WHERE side = 0 AND b IN ("
                  + String.join(", ", buckets.stream().map(String::valueOf).toList())
                  + ")) r WHERE "
                  + where,
              rs -> {
                Map<Long, Double> out = new java.util.HashMap<>();
                while (rs.next()) {
                  out.put(before[0][rs.getInt(1)] + rs.getLong(2) - 1, rs.getDouble(3));
                }
                return out;
              });
      List<Double> out = new ArrayList<>();
      for (int i = 0; i < ranks.size(); i++) {
        long[] r = ranks.get(i);
        double lo = java.util.Objects.requireNonNull(byRank.get(r[0]));
        double hi = java.util.Objects.requireNonNull(byRank.get(r[1]));
        double h = (n[0] - 1) * probabilities.get(i);
        double value = r[0] == r[1] ? lo : lo + (hi - lo) * (h - r[0]);
        out.add(value);
        edgeBuckets.put(value, new int[] {(int) r[2], (int) r[3]});
      }
      return out;
    }

    /**
     * The bin counts at edges that are quantiles computed here (else null): the values in the
     * buckets before an edge's, and those up to the edge in its buckets (copied, so a small query).
     * Values in buckets before the lower order statistic's are below it, and values in buckets
     * after the upper's are above it, so the counts are exact.
     */
    long @Nullable [][] bins(double[] edges) {
      if (!spread || edges.length == 0) {
        return null;
      }
      StringBuilder sql = new StringBuilder("SELECT 0");
      int[] first = new int[edges.length]; // the lowest bucket an edge's count reads
      java.util.Set<Integer> read = new java.util.TreeSet<>();
      for (int i = 0; i < edges.length; i++) {
        double e = edges[i];
        int[] bs = edgeBuckets.get(e);
        if (bs == null) {
          return null;
        }
        first[i] = bs[0];
        for (int b = bs[0]; b <= bs[1]; b++) {
          read.add(b);
        }
        for (int side = 0; side < 2; side++) {
          sql.append(", count(*) FILTER (WHERE side = ")
              .append(side)
              .append(" AND b BETWEEN ")
              .append(bs[0])
              .append(" AND ")
              .append(bs[1])
              .append(" AND x <= ")
              .append(e)
              .append(')');
        }
      }
      // only the edges' buckets: drift_inside also holds KS's span, often far more values
      sql.append(" FROM drift_inside WHERE b IN (")
          .append(String.join(", ", read.stream().map(String::valueOf).toList()))
          .append(')');
      long[] inside = q.query("drift bins", sql.toString(), SqlQualityQueries::longs);
      long[][] out = new long[2][edges.length + 1];
      for (int side = 0; side < 2; side++) {
        long last = 0;
        for (int i = 0; i < edges.length; i++) {
          long upTo = before[side][first[i]] + inside[2 * i + side];
          out[side][i] = upTo - last;
          last = upTo;
        }
        out[side][edges.length] = n[side] - last;
      }
      return out;
    }

    /**
     * KS = max |F1(x) - F2(x)| over the union of values, divided in double like scipy's {@code
     * ks_2samp} does: exact at the buckets' ends; inside the span of buckets whose bound beats
     * that, the same again with {@link #BUCKETS} equal buckets of the span's values (near the
     * largest gap the two distributions run parallel, so a bucket's bound beats the gap over a wide
     * span), until the span holds at most {@link #SORTED} values, which are sorted with running
     * counts offset by the counts before the span.
     */
    KsResult ks() {
      if (n[0] == 0 || n[1] == 0) {
        return new KsResult(Double.NaN, n[0], n[1]);
      }
      if (!spread) {
        return new KsResult(0.0, n[0], n[1]); // one value on both sides: equal distributions
      }
      if (open == null) {
        return new KsResult(endGap, n[0], n[1]);
      }
      double d = endGap;
      long p1 = before[0][open[0]];
      long p2 = before[1][open[0]];
      String where = "b BETWEEN " + open[0] + " AND " + open[1];
      for (int level = 0; level < 8; level++) {
        String span = where;
        double[] stats =
            q.query(
                "drift ks",
                "SELECT min(x), max(x), count(*) FROM drift_inside WHERE " + span,
                rs -> {
                  rs.next();
                  return new double[] {rs.getDouble(1), rs.getDouble(2), rs.getLong(3)};
                });
        if (!(stats[1] > stats[0])) {
          return new KsResult(d, n[0], n[1]); // the span's values tie: its end gap is counted
        }
        double scale = BUCKETS / (stats[1] - stats[0]);
        if (stats[2] <= SORTED || !Double.isFinite(scale)) {
          break;
        }
        String sub = bucketOf(stats[0], scale);
        long[][] c = new long[2][BUCKETS];
        sideCounts(
            "drift ks",
            "SELECT "
                + sub
                + " AS s, count(*) FILTER (WHERE side = 0), count(*) FILTER (WHERE side = 1)"
                + " FROM drift_inside WHERE "
                + span
                + " GROUP BY 1",
            c);
        long[][] at =
            DriftBuckets.runningCounts(
                c, p1, p2); // counts before each sub-bucket, the span's offset in
        d = DriftBuckets.endGap(at, c, n, d);
        int[] sharper = openSpan(at, c, d);
        if (sharper == null) {
          return new KsResult(d, n[0], n[1]);
        }
        p1 = at[0][sharper[0]];
        p2 = at[1][sharper[0]];
        where = span + " AND " + sub + " BETWEEN " + sharper[0] + " AND " + sharper[1];
      }
      String sql =
          "SELECT max(abs(CAST("
              + p1
              + " + s1 AS float8) / CAST("
              + n[0]
              + " AS float8) - CAST("
              + p2
              + " + s2 AS float8) / CAST("
              + n[1]
              + " AS float8))) FROM (SELECT sum(1 - side) OVER w AS s1, sum(side) OVER w AS s2"
              + " FROM drift_inside WHERE "
              + where
              + " WINDOW w AS (ORDER BY x)) r";
      double gapInside =
          q.query(
              "drift ks",
              sql,
              rs -> {
                rs.next();
                double v = rs.getDouble(1);
                return rs.wasNull() ? 0.0 : v;
              });
      return new KsResult(Math.max(d, gapInside), n[0], n[1]);
    }
  }

  /** SQL: the bucket of x among {@link #BUCKETS} equal buckets of width 1 / scale from min. */
  private static String bucketOf(double min, double scale) {
    return "least("
        + (BUCKETS - 1)
        + ", CAST(floor((x - ("
        + min
        + ")) * "
        + scale
        + ") AS INTEGER))";
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
