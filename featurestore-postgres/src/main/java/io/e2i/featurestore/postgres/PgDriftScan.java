package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.DriftBuckets;
import io.e2i.featurestore.spi.QualityQueries.KsResult;
import io.e2i.featurestore.spi.QualityQueries.Summary;
import io.e2i.featurestore.spi.SqlQualityQueries;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A numeric drift read straight from the stored rows, without copying them: for one feature whose
 * rows are its current values (no key rewritten) in two disjoint windows. Two parallel scans of the
 * feature's rows, never a table:
 *
 * <ol>
 *   <li>a sample of the rows ({@code TABLESAMPLE SYSTEM}) gives up to {@code edges} approximate
 *       equi-depth bucket edges; the sample only decides speed, never a result;
 *   <li>pass 1 (each row's number is its {@code value_num}, written beside the JSON since V11; rows
 *       written before have none and are cast from the JSONB, once a row): per side and bucket
 *       ({@code width_bucket} over the edges, a binary search) the count, mean and sample variance;
 *       the nulls; and the rows written since the windows were last certified. Then the {@link
 *       Certifier} confirms, in the same snapshot, that the rows read are the current values (no
 *       query when the windows hold the rows certified last time). Each side's mean and stddev are
 *       combined from its buckets as PostgreSQL combines its parallel workers' partial states
 *       ({@code float8_combine}), so they equal an {@code avg} / {@code stddev_samp} over the rows
 *       up to the rounding that the order of summing gives (which a parallel plan varies from run
 *       to run anyway). KS is exact at every bucket's end, and inside a bucket it cannot exceed the
 *       gap between one side's count at its start and the other's at its end, so only buckets whose
 *       bound beats the best end gap can hold a larger one; each quantile's order statistics lie in
 *       the buckets the running counts point at;
 *   <li>pass 2 reads the values of just those buckets: rows are kept by their {@code value_num}
 *       (rows without one by their JSON number, a {@code numeric}, which jsonb stores, so no
 *       conversion) between the buckets' edges widened by one ulp, and only those are sent (in
 *       binary); each value is put back in its bucket here.
 * </ol>
 *
 * Quantiles, bin counts and KS are exact (the same doubles as a sort gives); a bucket holding one
 * value only is known without reading it. When the sample was so poor that a bucket of distinct
 * values, or KS's candidates, hold too many values, {@link #open} returns null and the drift takes
 * the path over a copy.
 */
final class PgDriftScan implements SqlQualityQueries.Scan {
  /**
   * How finely pass 1 divides the values and how much pass 2 may read: {@code edges} bucket edges
   * at most (the buckets are one more), sampled from a few times as many values; a bucket of
   * distinct values holding more than {@code maxBucket} values, or KS's candidate buckets more than
   * {@code maxKs} together, mean the sample was poor and the drift falls back to the copy.
   */
  record Limits(int edges, long maxBucket, long maxKs) {
    static final Limits DEFAULT = new Limits(2048, 500_000, 3_000_000);

    int sample() {
      return 4 * edges;
    }
  }

  private final Connection c; // in one read-only repeatable-read transaction: every scan sees
  // the same rows
  private final String side; // SQL: 0 for a reference row, 1 for a current one
  private final String rows; // SQL: FROM and WHERE of the feature's rows in either window
  private final double[] edges; // sorted, distinct; bucket k holds edges[k-1] <= x < edges[k]
  private final long[][] counts; // [side][bucket] non-null values
  private final long[][] before; // [side][bucket] values in the buckets before
  private final long[] n = new long[2];
  private final Summary[] stats; // without quantiles
  private final double endGap; // the largest KS gap at the buckets' ends
  private final BitSet ksBuckets; // buckets inside which the KS gap may beat endGap
  private final Map<Integer, Bucket> values = new HashMap<>(); // buckets read
  private @Nullable List<Double> probabilities;
  private List<Double> quantiles = List.of();

  /** A bucket's values read: distinct, ascending, with each side's count. */
  private record Bucket(double[] x, long[][] count) {}

  private PgDriftScan(
      Connection c, String side, String rows, double[] edges, List<long[]> groups, double[][] g) {
    this.c = c;
    this.side = side;
    this.rows = rows;
    this.edges = edges;
    int buckets = edges.length + 1;
    counts = new long[2][buckets];
    long[] total = new long[2];
    double[][] state = new double[2][3]; // per side: N, Sx, Sxx as float8_combine keeps them
    for (int i = 0; i < groups.size(); i++) { // in bucket order, nulls last
      long[] key = groups.get(i); // side, bucket (-1 for nulls), count
      int s = (int) key[0];
      total[s] += key[2];
      if (key[1] < 0) {
        continue;
      }
      int b = (int) key[1];
      counts[s][b] = key[2];
      n[s] += key[2];
      // the group's sum and sum of squared deviations, from its mean and sample variance
      double sx = g[i][0] * key[2];
      double sxx = key[2] > 1 ? g[i][1] * (key[2] - 1) : 0;
      combine(state[s], key[2], sx, sxx);
    }
    stats = new Summary[2];
    for (int s = 0; s < 2; s++) {
      double nn = state[s][0];
      Double mean = nn == 0 ? null : finite(state[s][1] / nn);
      Double sd = nn <= 1 ? null : finite(Math.sqrt(state[s][2] / (nn - 1.0)));
      stats[s] = new Summary(total[s], total[s] - n[s], mean, sd, List.of());
    }
    before = DriftBuckets.runningCounts(counts, 0, 0);
    boolean both = n[0] > 0 && n[1] > 0;
    endGap = both ? DriftBuckets.endGap(before, counts, n, 0) : 0;
    ksBuckets = new BitSet(buckets);
    for (int b = 0; both && b < buckets; b++) {
      if (DriftBuckets.mayBeat(before, counts, n, b, endGap) && distinct(b)) {
        ksBuckets.set(b);
      }
    }
  }

  /**
   * Whether the rows a scan reads are the feature's current values (no (entity, event time) written
   * twice), asked after pass 1 so that the answer holds for the rows it read.
   */
  interface Certifier {
    /**
     * The seq through which the windows' rows were certified and how many rows they then held (all
     * with seq up to it), or null.
     */
    long @Nullable [] known();

    /**
     * Checks on {@code c}, in the scan's snapshot, that no key of the feature was written twice:
     * the seq of its last row there (every row the scan reads has a seq up to it), or null.
     */
    @Nullable Long check(Connection c) throws SQLException;

    /** The windows' rows, {@code rows} of them, are certified through seq {@code through}. */
    void remember(long through, long rows);
  }

  /**
   * The drift's scans of the feature's rows, pass 1 done, or null when a key of the feature was
   * written twice (the rows are not its current values) or the sample left a bucket of distinct
   * values, or KS's candidates, too large to read (then the path over a copy is cheaper). {@code
   * inReference} and {@code inCurrent} are SQL conditions on a row's event and write times.
   */
  static @Nullable PgDriftScan open(
      PgDatabase db,
      Limits limits,
      String feature,
      Certifier certifier,
      String inReference,
      String inCurrent) {
    String where =
        " WHERE feature_id = '" + feature + "' AND (" + inReference + " OR " + inCurrent + ")";
    String side = "CASE WHEN " + inReference + " THEN 0 ELSE 1 END";
    long[] known = certifier.known();
    Connection c = db.connection();
    try (Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      double[] edges = limits.edges() == 0 ? new double[0] : edges(s, where, limits);
      // Grouped by side and bucket (a hash table of ~2 x edges groups a worker). The rows' side
      // and number come from a subquery the planner keeps (it does not flatten a subquery whose
      // output has a volatile function, here a parallel-safe one), so the cast of a row without
      // value_num, which formats the numeric as text and parses it, runs once a row; flattened,
      // the bucket and the aggregates would each cast (0.8 s more at 10 M rows). The rows written
      // after the windows' last
      // certificate are counted: none, and as many rows as then, and the check can be skipped.
      String b =
          edges.length == 0
              ? "CASE WHEN x IS NOT NULL THEN 0 END"
              : "width_bucket(x, '" + array(edges) + "'::float8[])";
      String sql =
          "SELECT side, "
              + b
              + " AS b, count(*), avg(x), var_samp(x), "
              + (known == null ? "0" : "count(*) FILTER (WHERE seq > " + known[0] + ")")
              + " FROM (SELECT "
              + side
              + " AS side, "
              + NUMBER
              + " AS x, seq, clock_timestamp() AS kept FROM"
              + " feature_values"
              + where
              + ") t GROUP BY 1, 2";
      List<long[]> groups = new ArrayList<>();
      List<double[]> aggregates = new ArrayList<>();
      long rows = 0;
      long later = 0;
      // A hash table of the groups, never a sort of the rows (the planner cannot tell how few
      // groups there are, and may sort 10 M rows on disk instead)
      s.execute("SET LOCAL work_mem = '64MB'");
      s.execute("SET LOCAL enable_sort = off");
      try (ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          int sideOf = rs.getInt(1);
          int bucket = rs.getInt(2);
          boolean nulls = rs.wasNull();
          groups.add(new long[] {sideOf, nulls ? -1 : bucket, rs.getLong(3)});
          aggregates.add(new double[] {rs.getDouble(4), rs.getDouble(5)});
          rows += rs.getLong(3);
          later += rs.getLong(6);
        }
      }
      if (known == null || later > 0 || rows != known[1]) {
        Long through = certifier.check(c);
        if (through == null) {
          end(c);
          return null;
        }
        certifier.remember(through, rows);
      }
      // in bucket order, nulls last: the combined mean and stddev do not depend on the plan's
      Integer[] order = new Integer[groups.size()];
      Arrays.setAll(order, i -> i);
      Arrays.sort(
          order,
          java.util.Comparator.<Integer>comparingLong(
                  i -> groups.get(i)[1] < 0 ? Long.MAX_VALUE : groups.get(i)[1])
              .thenComparingLong(i -> groups.get(i)[0]));
      PgDriftScan scan =
          new PgDriftScan(
              c,
              side,
              where,
              edges,
              Arrays.stream(order).map(groups::get).toList(),
              Arrays.stream(order).map(aggregates::get).toArray(double[][]::new));
      if (scan.readable(limits)) {
        return scan;
      }
      end(c);
      return null;
    } catch (SQLException | RuntimeException e) {
      try {
        end(c);
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof SQLException sql) {
        throw PgDatabase.error("computing the drift", sql);
      }
      throw (RuntimeException) e;
    }
  }

  /** Ends the read-only transaction and returns the connection to the pool. */
  private static void end(Connection c) throws SQLException {
    try (c) {
      c.rollback();
    }
  }

  @Override
  public void close() {
    try {
      end(c);
    } catch (SQLException e) {
      throw PgDatabase.error("computing the drift", e);
    }
  }

  /**
   * Up to {@code edges} edges from a sample of the rows' numbers: every few sampled values, and
   * each value sampled twice or more together with the next double (so a value that fills many rows
   * gets a bucket of its own, which is known without reading it). Pages are sampled at a rate aimed
   * at a few times as many rows if all the table's rows were this feature's; a feature with fewer
   * rows is sampled again at a higher rate.
   */
  private static double[] edges(Statement s, String where, Limits limits) throws SQLException {
    int target = limits.sample();
    double pages;
    try (ResultSet rs =
        s.executeQuery(
            "SELECT sum(pg_relation_size(c.oid)) / 8192.0 FROM pg_class c"
                + " WHERE c.oid = 'feature_values'::regclass OR c.oid IN (SELECT inhrelid"
                + " FROM pg_inherits WHERE inhparent = 'feature_values'::regclass)")) {
      rs.next();
      pages = Math.max(1, rs.getDouble(1));
    }
    double rate = Math.min(100, 100.0 * target / (pages * 50)); // ~50 rows a page
    double[] sample = sample(s, where, rate, target);
    while (sample.length < target / 4 && rate < 100) {
      rate = Math.min(100, rate * Math.min(100, 2.0 * target / Math.max(1, sample.length)));
      sample = sample(s, where, rate, target);
    }
    Arrays.sort(sample);
    int step = Math.max(1, sample.length / limits.edges());
    double[] out = new double[2 * sample.length + 2];
    int k = 0;
    for (int i = 0; i < sample.length; i++) {
      boolean repeated = i > 0 && sample[i] == sample[i - 1];
      if (i % step == 0 || repeated) {
        k = add(out, k, sample[i]);
      }
      if (repeated && (i + 1 == sample.length || sample[i + 1] != sample[i])) {
        k = add(out, k, Math.nextUp(sample[i]));
      }
    }
    return Arrays.copyOf(out, k);
  }

  /** Appends x unless it does not exceed the last edge (so edges stay strictly ascending). */
  private static int add(double[] out, int k, double x) {
    if (k == 0 || x > out[k - 1]) {
      out[k++] = x == 0 ? 0.0 : x; // no -0.0: PostgreSQL compares it equal to 0
    }
    return k;
  }

  private static double[] sample(Statement s, String where, double rate, int target)
      throws SQLException {
    String from =
        rate >= 100
            ? " FROM feature_values"
            : " FROM feature_values TABLESAMPLE SYSTEM (" + rate + ") REPEATABLE (12)";
    List<Double> out = new ArrayList<>();
    try (ResultSet rs =
        s.executeQuery(
            "SELECT " + NUMBER + from + where + " AND value IS NOT NULL LIMIT " + 8 * target)) {
      while (rs.next()) {
        out.add(rs.getDouble(1));
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Whether no bucket of distinct values and not KS's candidates hold too many values. */
  private boolean readable(Limits limits) {
    long ks = 0;
    for (int b = 0; b <= edges.length; b++) {
      long in = counts[0][b] + counts[1][b];
      if (distinct(b) && in > limits.maxBucket()) {
        return false;
      }
      ks += ksBuckets.get(b) ? in : 0;
    }
    return ks <= limits.maxKs();
  }

  /** The largest KS gap at the buckets' ends. */
  double endGap() {
    return endGap;
  }

  /**
   * Whether bucket b may hold two distinct values or more; a bucket from an edge to the next double
   * holds the edge only, so its values are known.
   */
  private boolean distinct(int b) {
    return b == 0 || b == edges.length || edges[b] != Math.nextUp(edges[b - 1]);
  }

  /** Adds a group's count, sum and sum of squared deviations as float8_combine does. */
  private static void combine(double[] state, long count, double sx, double sxx) {
    double n1 = state[0];
    double n2 = count;
    if (n2 == 0) {
      return;
    }
    if (n1 == 0) {
      state[0] = n2;
      state[1] = sx;
      state[2] = sxx;
      return;
    }
    double tmp = state[1] / n1 - sx / n2;
    state[2] = state[2] + sxx + n1 * n2 * tmp * tmp / (n1 + n2);
    state[0] = n1 + n2;
    state[1] = state[1] + sx;
  }

  private static @Nullable Double finite(double d) {
    return Double.isNaN(d) ? null : d;
  }

  private double gap(long c1, long c2) {
    return DriftBuckets.gap(c1, n[0], c2, n[1]);
  }

  /** The bucket of x: how many edges are at most x, as width_bucket counts them. */
  private int bucketOf(double x) {
    int lo = 0;
    int hi = edges.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (x >= edges[mid]) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // ------------------------------------------------------------------ Comparison

  @Override
  public Summary[] summaries(List<Double> probabilities) {
    if (!probabilities.equals(this.probabilities)) {
      this.probabilities = List.copyOf(probabilities);
      quantiles = quantiles(probabilities);
    }
    Summary r = stats[0];
    return new Summary[] {
      new Summary(r.count(), r.nulls(), r.mean(), r.stddev(), quantiles), stats[1]
    };
  }

  /**
   * The quantiles by linear interpolation between the order statistics at floor and ceil of (n - 1)
   * p, as numpy's default and PostgreSQL's percentile_cont compute them; the buckets they lie in
   * (and those between) are read with KS's candidates in one scan.
   */
  private List<Double> quantiles(List<Double> probabilities) {
    if (n[0] == 0 || probabilities.isEmpty()) {
      return List.of();
    }
    BitSet wanted = (BitSet) ksBuckets.clone();
    List<long[]> ranks = DriftBuckets.ranks(probabilities, before, counts, n[0]);
    for (long[] r : ranks) {
      wanted.set((int) r[2], (int) r[3] + 1);
    }
    read(wanted);
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < ranks.size(); i++) {
      long[] r = ranks.get(i);
      double lo = valueOfRank(r[0], (int) r[2]);
      double hi = valueOfRank(r[1], (int) r[3]);
      double h = (n[0] - 1) * probabilities.get(i);
      out.add(r[0] == r[1] ? lo : lo + (hi - lo) * (h - r[0]));
    }
    return List.copyOf(out);
  }

  /** The reference's value of 0-based rank {@code rank}, which bucket b holds. */
  private double valueOfRank(long rank, int b) {
    if (!distinct(b)) {
      return edges[b - 1];
    }
    Bucket v = values.get(b);
    long at = before[0][b];
    for (int i = 0; v != null && i < v.x().length; i++) {
      at += v.count()[0][i];
      if (at > rank) {
        return v.x()[i];
      }
    }
    throw new IllegalStateException("the drift lost the reference's value of rank " + rank);
  }

  /**
   * Counts per bin ({@code x <= edges[0]}, ..., {@code x > edges[last]}): the buckets wholly below
   * an edge, plus the values up to it in the bucket it falls in (read when not yet).
   */
  @Override
  public long[][] bins(double[] binEdges) {
    BitSet wanted = new BitSet();
    int[] at = new int[binEdges.length];
    for (int i = 0; i < binEdges.length; i++) {
      at[i] = bucketOf(binEdges[i]);
      if (distinct(at[i]) && counts[0][at[i]] + counts[1][at[i]] > 0) {
        wanted.set(at[i]);
      }
    }
    read(wanted);
    long[][] out = new long[2][binEdges.length + 1];
    for (int s = 0; s < 2; s++) {
      long last = 0;
      for (int i = 0; i < binEdges.length; i++) {
        long upTo = before[s][at[i]] + upTo(s, at[i], binEdges[i]);
        out[s][i] = upTo - last;
        last = upTo;
      }
      out[s][binEdges.length] = n[s] - last;
    }
    return out;
  }

  /** Side s's values at most e in bucket b. */
  private long upTo(int s, int b, double e) {
    if (counts[0][b] + counts[1][b] == 0) {
      return 0;
    }
    if (!distinct(b)) {
      return counts[s][b]; // its one value is its lower edge, at most e
    }
    Bucket v = java.util.Objects.requireNonNull(values.get(b));
    long c = 0;
    for (int i = 0; i < v.x().length && v.x()[i] <= e; i++) {
      c += v.count()[s][i];
    }
    return c;
  }

  @Override
  public Map<String, Long> topValues(int limit) {
    throw new UnsupportedOperationException("a numeric drift has no categories");
  }

  @Override
  public long[][] valueCounts(List<String> categories) {
    throw new UnsupportedOperationException("a numeric drift has no categories");
  }

  /**
   * KS = max |F1(x) - F2(x)| over the values, divided in double as scipy's {@code ks_2samp} does:
   * the best gap at the buckets' ends, and the gaps at each value of the candidate buckets, with
   * running counts from the counts before each bucket.
   */
  @Override
  public KsResult ks() {
    if (n[0] == 0 || n[1] == 0) {
      return new KsResult(Double.NaN, n[0], n[1]);
    }
    read(ksBuckets);
    double d = endGap;
    for (int b = ksBuckets.nextSetBit(0); b >= 0; b = ksBuckets.nextSetBit(b + 1)) {
      Bucket v = java.util.Objects.requireNonNull(values.get(b));
      long c1 = before[0][b];
      long c2 = before[1][b];
      for (int i = 0; i < v.x().length; i++) {
        c1 += v.count()[0][i];
        c2 += v.count()[1][i];
        d = Math.max(d, gap(c1, c2));
      }
    }
    return new KsResult(d, n[0], n[1]);
  }

  // ------------------------------------------------------------------ pass 2

  /** Ranges of buckets pass 2 selects at most (each is two numbers a row is searched among). */
  private static final int RANGES = 32;

  /**
   * Reads the values of the wanted buckets not read yet (those holding one value only are known) in
   * one scan: rows whose JSON number lies in a run of those buckets, widened by one ulp below (a
   * decimal strictly between two doubles may round to either), are cast; each value then goes to
   * its bucket here, and values of other buckets are dropped.
   */
  private void read(BitSet wanted) {
    BitSet missing = new BitSet();
    for (int b = wanted.nextSetBit(0); b >= 0; b = wanted.nextSetBit(b + 1)) {
      if (distinct(b) && !values.containsKey(b)) {
        missing.set(b);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    List<int[]> runs = new ArrayList<>(); // first and last bucket of each run
    for (int b = missing.nextSetBit(0); b >= 0; ) {
      int last = missing.nextClearBit(b) - 1;
      runs.add(new int[] {b, last});
      b = missing.nextSetBit(last + 1);
    }
    while (runs.size() > RANGES) { // join the two runs with the fewest values between them
      int best = 0;
      long fewest = Long.MAX_VALUE;
      for (int i = 0; i + 1 < runs.size(); i++) {
        int from = runs.get(i)[1] + 1;
        int to = runs.get(i + 1)[0];
        long between = before[0][to] - before[0][from] + before[1][to] - before[1][from];
        if (between < fewest) {
          fewest = between;
          best = i;
        }
      }
      runs.set(best, new int[] {runs.get(best)[0], runs.remove(best + 1)[1]});
    }
    List<BigDecimal> bounds = new ArrayList<>();
    for (int[] run : runs) {
      // x >= edges[b - 1] needs a number above nextDown's; x < edges[last] one below the edge's
      BigDecimal lo = run[0] == 0 ? LOWEST : new BigDecimal(Math.nextDown(edges[run[0] - 1]));
      BigDecimal hi = run[1] == edges.length ? HIGHEST : new BigDecimal(edges[run[1]]);
      if (!bounds.isEmpty() && lo.compareTo(bounds.getLast()) <= 0) {
        bounds.set(bounds.size() - 1, hi); // ranges that meet become one
      } else {
        bounds.add(lo);
        bounds.add(hi);
      }
    }
    // A row with value_num is kept by it (a binary search of doubles); an older row without it
    // by its JSON number, which jsonb stores as a numeric, so only the rows kept are cast.
    String sql =
        "SELECT "
            + side
            + ", "
            + NUMBER
            + " FROM feature_values"
            + rows
            + " AND CASE WHEN value_num IS NOT NULL THEN width_bucket(value_num, '{"
            + String.join(",", bounds.stream().map(PgDriftScan::asDouble).toList())
            + "}'::float8[]) ELSE width_bucket((value)::numeric, '{"
            + String.join(",", bounds.stream().map(BigDecimal::toString).toList())
            + "}'::numeric[]) END % 2 = 1";
    Doubles[][] found = new Doubles[edges.length + 1][];
    try (Statement s = c.createStatement()) {
      // binary results: a float8 is its 8 bytes, not text to parse (up to millions of rows)
      s.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
      try (ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          double x = rs.getDouble(2);
          int b = bucketOf(x);
          if (missing.get(b)) {
            if (found[b] == null) {
              found[b] = new Doubles[] {new Doubles(), new Doubles()};
            }
            found[b][rs.getInt(1)].add(x == 0 ? 0.0 : x);
          }
        }
      }
    } catch (SQLException e) {
      throw PgDatabase.error("computing the drift", e);
    }
    for (int b = missing.nextSetBit(0); b >= 0; b = missing.nextSetBit(b + 1)) {
      Doubles[] sides = found[b] == null ? new Doubles[] {new Doubles(), new Doubles()} : found[b];
      if (sides[0].size != counts[0][b] || sides[1].size != counts[1][b]) {
        // one snapshot for all the scans: a different count is a bug, not a concurrent write
        throw new IllegalStateException("the drift's bucket " + b + " read other rows");
      }
      values.put(b, merged(sides[0].sorted(), sides[1].sorted()));
    }
  }

  /** The distinct values of both sorted sides, ascending, with each side's count. */
  private static Bucket merged(double[] a, double[] b) {
    double[] x = new double[a.length + b.length];
    long[][] count = new long[2][x.length];
    int k = -1;
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      double v = j == b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
      x[++k] = v;
      while (i < a.length && a[i] == v) {
        count[0][k]++;
        i++;
      }
      while (j < b.length && b[j] == v) {
        count[1][k]++;
        j++;
      }
    }
    return new Bucket(
        Arrays.copyOf(x, k + 1),
        new long[][] {Arrays.copyOf(count[0], k + 1), Arrays.copyOf(count[1], k + 1)});
  }

  /** A growing array of doubles. */
  private static final class Doubles {
    double[] a = new double[16];
    int size;

    void add(double x) {
      if (size == a.length) {
        a = Arrays.copyOf(a, 2 * size);
      }
      a[size++] = x;
    }

    double[] sorted() {
      double[] out = Arrays.copyOf(a, size);
      Arrays.sort(out);
      return out;
    }
  }

  /**
   * A row's number: {@code value_num} (V11) where the writer filled it, else the JSON cast, which
   * gives the same double; rows written before V11 have none. COALESCE casts only those.
   */
  private static final String NUMBER = "coalesce(value_num, (value)::float8)";

  /**
   * A bound of pass 2 as a float8 literal: each is a double (the ulp below an edge, or the edge),
   * which value_num compares exactly; those beyond every double become infinite.
   */
  private static String asDouble(BigDecimal bound) {
    return Double.toString(bound.doubleValue());
  }

  /** Bounds beyond every double (numeric takes 1e400, float8 could not hold it). */
  private static final BigDecimal LOWEST = new BigDecimal("-1e400");

  private static final BigDecimal HIGHEST = new BigDecimal("1e400");

  /** A float8[] literal of the doubles (each prints as the shortest text that reads back). */
  private static String array(double[] xs) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < xs.length; i++) {
      sb.append(i == 0 ? "" : ",").append(xs[i]);
    }
    return sb.append('}').toString();
  }
}
