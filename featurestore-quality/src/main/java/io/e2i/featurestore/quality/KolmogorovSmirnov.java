package io.e2i.featurestore.quality;

/**
 * The two-sided two-sample Kolmogorov-Smirnov p-value as {@code scipy.stats.ks_2samp(...,
 * method="asymp")} computes it: {@code kstwo.sf(d, round(n1 n2 / (n1 + n2)))}, the one-sample
 * distribution of D_n at the effective sample size, evaluated like scipy's {@code _kolmogn} (Simard
 * and L'Ecuyer 2011): Ruben-Gambino at the ends, 2 x Smirnov's exact one-sided tail for large n
 * x^2, Durbin's matrix (Marsaglia-Tsang-Wang) for small n and small d, Pelz-Good otherwise. For n
 * <= 140 where scipy uses Pomeranz's recursion, Durbin's matrix is used: both are exact, so they
 * agree to rounding.
 */
final class KolmogorovSmirnov {
  private static final double SQRT2PI = Math.sqrt(2 * Math.PI);
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private static final double PI2 = Math.PI * Math.PI;
  private static final double PI4 = PI2 * PI2;
  private static final double PI6 = PI4 * PI2;
  private static final double MIN_LOG = -708;
  private static final int E128 = 128;
  private static final double EP128 = Math.scalb(1.0, E128);
  private static final double EM128 = Math.scalb(1.0, -E128);
  private static final double[] STIRLING = {
    -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
    8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
    -2.7777777777777777778e-3, 8.3333333333333333333e-2
  };

  private KolmogorovSmirnov() {}

  /** The p-value of statistic {@code d} for samples of sizes n1 and n2 (both > 0). */
  static double pValue(double d, long n1, long n2) {
    double m = Math.max(n1, n2);
    double n = Math.min(n1, n2);
    double en = m * n / (m + n);
    return sf(Math.rint(en), d);
  }

  /** Pr(D_n >= x), scipy's {@code _kolmogn(n, x, cdf=False)}. */
  static double sf(double nd, double x) {
    long n = (long) nd;
    if (x >= 1.0) {
      return 0.0;
    }
    if (x <= 0.0) {
      return 1.0;
    }
    double t = n * x;
    if (t <= 1.0) {
      if (t <= 0.5) {
        return 1.0;
      }
      double prob;
      if (n <= 140) {
        prob = 1.0;
        for (long i = 1; i <= n; i++) {
          prob *= i * (1.0 / n) * (2 * t - 1);
        }
      } else {
        prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
      }
      return clip(1.0 - prob);
    }
    if (t >= n - 1) {
      return clip(2 * Math.pow(1.0 - x, n));
    }
    if (x >= 0.5) {
      return clip(2 * smirnov(n, x));
    }
    double nxSquared = t * x;
    if (n <= 140) {
      if (nxSquared <= 4) {
        return clip(1.0 - durbin(n, x));
      }
      return clip(2 * smirnov(n, x));
    }
    if (nxSquared >= 370.0) {
      return 0.0;
    }
    if (nxSquared >= 2.2) {
      return clip(2 * smirnov(n, x));
    }
    double cdf;
    if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) {
      cdf = durbin(n, x);
    } else {
      cdf = pelzGood(n, x);
    }
    return clip(1.0 - cdf);
  }

  private static double clip(double p) {
    return Math.max(0.0, Math.min(1.0, p));
  }

  /** log(n! / n^n) by Stirling's series, without the n log n that would cancel. */
  private static double logNFactorialDivNPowN(double n) {
    double rn = 1.0 / n;
    double x = rn / n;
    double poly = 0;
    for (double c : STIRLING) {
      poly = poly * x + c;
    }
    return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
  }

  /**
   * Smirnov's one-sided tail Pr(D_n+ >= x), exact (Birnbaum-Tingey): x sum_{j=0}^{floor(n(1-x))}
   * C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1), summed in log space (all terms are positive).
   */
  static double smirnov(long n, double x) {
    if (x >= 1.0) {
      return 0.0;
    }
    if (x <= 0.0) {
      return 1.0;
    }
    long last = (long) Math.floor(n * (1 - x));
    double logC = 0; // log C(n, 0)
    double max = Double.NEGATIVE_INFINITY;
    double[] logs = new double[(int) Math.min(last + 1, Integer.MAX_VALUE - 8)];
    int count = 0;
    for (long j = 0; j <= last; j++) {
      double a = 1 - x - (double) j / n;
      if (a > 0) {
        double term = logC + (n - j) * Math.log(a) + (j - 1) * Math.log(x + (double) j / n);
        logs[count++] = term;
        max = Math.max(max, term);
      }
      logC += Math.log((double) (n - j)) - Math.log((double) (j + 1));
    }
    if (count == 0) {
      return 0.0;
    }
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += Math.exp(logs[i] - max);
    }
    return x * Math.exp(max) * sum;
  }

  /** Pr(D_n <= d) by Durbin's matrix, as Marsaglia, Tsang and Wang compute it (with scaling). */
  static double durbin(long n, double d) {
    if (d >= 1.0) {
      return 1.0;
    }
    double nd = n * d;
    if (nd <= 0.5) {
      return 0.0;
    }
    int k = (int) Math.ceil(nd);
    double h = k - nd;
    int m = 2 * k - 1;
    double[][] hm = new double[m][m];
    double[] v = new double[m];
    double[] w = new double[m];
    double fac = 1.0;
    for (int j = 1; j <= m; j++) {
      v[j - 1] = 1.0 - Math.pow(h, j);
      w[j - 1] = fac;
      fac /= j;
      v[j - 1] *= fac;
    }
    double tt = Math.pow(Math.max(2 * h - 1.0, 0), m) - 2 * Math.pow(h, m);
    v[m - 1] = (1.0 + tt) * fac;
    for (int i = 1; i < m; i++) {
      for (int r = i - 1; r < m; r++) {
        hm[r][i] = w[r - (i - 1)];
      }
    }
    for (int r = 0; r < m; r++) {
      hm[r][0] = v[r];
    }
    for (int c = 0; c < m; c++) {
      hm[m - 1][c] = v[m - 1 - c];
    }
    double[][] power = identity(m);
    long nn = n;
    int expnt = 0;
    int hExpnt = 0;
    while (nn > 0) {
      if (nn % 2 == 1) {
        power = multiply(power, hm);
        expnt += hExpnt;
      }
      hm = multiply(hm, hm);
      hExpnt *= 2;
      if (Math.abs(hm[k - 1][k - 1]) > EP128) {
        scale(hm, EM128);
        hExpnt += E128;
      }
      nn /= 2;
    }
    double p = power[k - 1][k - 1];
    for (long i = 1; i <= n; i++) {
      p = i * p / n;
      if (Math.abs(p) < EM128) {
        p *= EP128;
        expnt -= E128;
      }
    }
    if (expnt != 0) {
      p = Math.scalb(p, expnt);
    }
    return clip(p);
  }

  private static double[][] identity(int m) {
    double[][] id = new double[m][m];
    for (int i = 0; i < m; i++) {
      id[i][i] = 1.0;
    }
    return id;
  }

  private static double[][] multiply(double[][] a, double[][] b) {
    int m = a.length;
    double[][] out = new double[m][m];
    for (int i = 0; i < m; i++) {
      double[] row = out[i];
      for (int k = 0; k < m; k++) {
        double aik = a[i][k];
        if (aik == 0) {
          continue;
        }
        double[] bk = b[k];
        for (int j = 0; j < m; j++) {
          row[j] += aik * bk[j];
        }
      }
    }
    return out;
  }

  private static void scale(double[][] a, double f) {
    for (double[] row : a) {
      for (int j = 0; j < row.length; j++) {
        row[j] *= f;
      }
    }
  }

  /** Pelz and Good's approximation of Pr(D_n <= x), scipy's {@code _kolmogn_PelzGood}. */
  static double pelzGood(long n, double x) {
    if (x <= 0.0) {
      return 0.0;
    }
    if (x >= 1.0) {
      return 1.0;
    }
    double z = Math.sqrt((double) n) * x;
    double z2 = z * z;
    double z3 = z2 * z;
    double z4 = z2 * z2;
    double z6 = z4 * z2;
    double qlog = -PI2 / 8 / z2;
    if (qlog < MIN_LOG) {
      return 0.0;
    }
    double q = Math.exp(qlog);
    double k1a = -z2;
    double k1b = PI2 / 4;
    double k2a = 6 * z6 + 2 * z4;
    double k2b = (2 * z4 - 5 * z2) * PI2 / 4;
    double k2c = PI4 * (1 - 2 * z2) / 16;
    double k3d = PI6 * (5 - 30 * z2) / 64;
    double k3c = PI4 * (-60 * z2 + 212 * z4) / 16;
    double k3b = PI2 * (135 * z4 - 96 * z6) / 4;
    double k3a = -30 * z6 - 90 * Math.pow(z, 8);
    double[] k = new double[4];
    int maxk = (int) Math.ceil(16 * z / Math.PI);
    for (int kk = maxk; kk > 0; kk--) {
      double mm = 2 * kk - 1;
      double m2 = mm * mm;
      double m4 = m2 * m2;
      double m6 = m4 * m2;
      double qpower = Math.pow(q, 8 * kk);
      double[] coeffs = {
        1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6
      };
      for (int i = 0; i < 4; i++) {
        k[i] = k[i] * qpower + coeffs[i];
      }
    }
    double[] div = {z, 6 * z4, 72 * Math.pow(z, 7), 6480 * Math.pow(z, 10)};
    for (int i = 0; i < 4; i++) {
      k[i] = k[i] * q * SQRT2PI / div[i];
    }
    double q2 = Math.exp(-PI2 / 2 / z2);
    double k2extra = 0;
    double k3extra = 0;
    double sqrt3z = Math.sqrt(3) * z;
    for (int kk = maxk; kk > 0; kk--) {
      double ks2 = (double) kk * kk;
      double qp = Math.pow(q2, ks2);
      k2extra += ks2 * qp;
      double kspi = Math.PI * kk;
      k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
    }
    k[2] += k2extra * PI2 * SQRT2PI / (-36 * z3);
    k[3] += k3extra * PI2 * SQRT2PI / (216 * z6);
    double sum = 0;
    for (int i = 0; i < 4; i++) {
      sum += k[i] / Math.pow(n, i / 2.0);
    }
    return sum;
  }
}
