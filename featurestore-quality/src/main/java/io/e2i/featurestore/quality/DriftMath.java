package io.e2i.featurestore.quality;

import io.e2i.featurestore.DriftThresholds;
import org.jspecify.annotations.Nullable;

/**
 * The drift statistics over binned counts. PSI floors an empty bin's share at {@link #EPSILON} (as
 * is usual, so an empty bin on one side gives a large but finite term); the Jensen-Shannon distance
 * uses base-2 logarithms (so it lies in [0, 1]) and needs no floor.
 */
final class DriftMath {
  static final double EPSILON = 1e-4;

  private DriftMath() {}

  /** Population stability index: sum over bins of (c - r) ln(c / r), shares floored at EPSILON. */
  static double psi(long[] reference, long[] current) {
    double rTotal = total(reference);
    double cTotal = total(current);
    double psi = 0;
    for (int i = 0; i < reference.length; i++) {
      double r = Math.max(reference[i] / rTotal, EPSILON);
      double c = Math.max(current[i] / cTotal, EPSILON);
      psi += (c - r) * Math.log(c / r);
    }
    return psi;
  }

  /** sqrt of the Jensen-Shannon divergence (base 2) between the two binned distributions. */
  static double jsDistance(long[] reference, long[] current) {
    double rTotal = total(reference);
    double cTotal = total(current);
    double js = 0;
    for (int i = 0; i < reference.length; i++) {
      double p = reference[i] / rTotal;
      double q = current[i] / cTotal;
      double m = (p + q) / 2;
      js += half(p, m) + half(q, m);
    }
    return Math.sqrt(Math.max(0, js));
  }

  private static double half(double p, double m) {
    return p == 0 ? 0 : 0.5 * p * Math.log(p / m) / Math.log(2);
  }

  static String status(@Nullable Double psi, DriftThresholds thresholds) {
    if (psi == null) {
      return "no_data";
    }
    if (psi >= thresholds.psiDrift()) {
      return "drift";
    }
    return psi >= thresholds.psiWarn() ? "warn" : "ok";
  }

  private static double total(long[] counts) {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }
}
