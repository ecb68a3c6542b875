package io.e2i.featurestore.spi;

import java.util.List;

/**
 * The bucket arithmetic of an exact drift that counts each side's values per bucket before it reads
 * any value: running counts, KS gaps at the buckets' ends and the bound inside a bucket, and the
 * buckets a quantile's order statistics lie in. Shared by {@link SqlQualityQueries} (over a copy of
 * the rows) and PostgreSQL's scan without a copy, so both find the same buckets and the same gaps.
 * Arrays are indexed {@code [side][bucket]}, side 0 the reference, 1 the current window.
 */
public final class DriftBuckets {
  private DriftBuckets() {}

  /** |c1/n1 - c2/n2| in double, as the SQL computes it and scipy's {@code ks_2samp} divides. */
  public static double gap(long c1, long n1, long c2, long n2) {
    return Math.abs((double) c1 / (double) n1 - (double) c2 / (double) n2);
  }

  /** The values of each side in the buckets before each bucket, from offsets p1 and p2. */
  public static long[][] runningCounts(long[][] counts, long p1, long p2) {
    int buckets = counts[0].length;
    long[][] at = new long[2][buckets];
    long c1 = p1;
    long c2 = p2;
    for (int b = 0; b < buckets; b++) {
      at[0][b] = c1;
      at[1][b] = c2;
      c1 += counts[0][b];
      c2 += counts[1][b];
    }
    return at;
  }

  /** The largest of {@code d} and the KS gaps at the buckets' ends; {@code n}: each side's size. */
  public static double endGap(long[][] before, long[][] counts, long[] n, double d) {
    for (int b = 0; b < counts[0].length; b++) {
      d = Math.max(d, gap(before[0][b] + counts[0][b], n[0], before[1][b] + counts[1][b], n[1]));
    }
    return d;
  }

  /**
   * Whether the KS gap inside bucket b could exceed {@code d}: the gap between one side's count at
   * its start and the other's at its end beats it, and it holds two values or more.
   */
  public static boolean mayBeat(long[][] before, long[][] counts, long[] n, int b, double d) {
    long e1 = before[0][b] + counts[0][b];
    long e2 = before[1][b] + counts[1][b];
    double bound = Math.max(gap(e1, n[0], before[1][b], n[1]), gap(before[0][b], n[0], e2, n[1]));
    return bound > d && counts[0][b] + counts[1][b] > 1;
  }

  /** The bucket holding the reference's value of 0-based rank {@code rank}. */
  public static int bucketOfRank(long[][] before, long[][] counts, long rank) {
    int b = 0;
    while (before[0][b] + counts[0][b] <= rank) {
      b++;
    }
    return b;
  }

  /**
   * Per probability p, the reference's order statistics a quantile interpolates between (floor and
   * ceil of (n - 1) p, as numpy's default, DuckDB's quantile_cont and PostgreSQL's percentile_cont
   * take them) and the buckets holding them: {@code {lo, hi, bucket of lo, bucket of hi}}.
   */
  public static List<long[]> ranks(
      List<Double> probabilities, long[][] before, long[][] counts, long n) {
    return probabilities.stream()
        .map(
            p -> {
              double h = (n - 1) * p;
              long lo = (long) Math.floor(h);
              long hi = (long) Math.ceil(h);
              return new long[] {
                lo, hi, bucketOfRank(before, counts, lo), bucketOfRank(before, counts, hi)
              };
            })
        .toList();
  }
}
