package io.e2i.featurestore.bench;

import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import io.e2i.featurestore.quality.DriftResult;
import io.e2i.featurestore.quality.DriftWindow;
import io.e2i.featurestore.quality.QualityService;
import io.e2i.featurestore.quality.ValidationReport;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Data-quality figures (issue 12) over many stored values: drift of one feature over {@code
 * --values} values (half reference, half current, 0.1 sigma apart) and the validation report of a
 * 10-feature group over {@code --values} values (a tenth each, with constraints, 1 % breaking
 * them). Values go through the normal write path in 100,000-value batches, entities cycling over
 * 10,000. Each query is timed {@code --runs} times after a warm-up. With {@code --new-windows} each
 * drift's current window ends one second later than the one before (the same rows): every drift is
 * then a pair of windows' first, which a store may not have certified yet.
 *
 * <pre>
 * java -Xmx4g -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.bench.QualityBench \
 *     --values 10000000 [--postgres] [--runs 3] [--only drift|validation] [--new-windows]
 * </pre>
 */
public final class QualityBench {
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final int ENTITIES = 10_000;
  static final int BATCH = 100_000;

  private QualityBench() {}

  public static void main(String[] args) throws Exception {
    long values = 10_000_000;
    int runs = 3;
    boolean postgres = false;
    String only = "all";
    boolean newWindows = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--values" -> values = Long.parseLong(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--postgres" -> postgres = true;
        case "--only" -> only = args[++i];
        case "--new-windows" -> newWindows = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = EmbeddedBenchData.tempDir();
    EmbeddedPostgres pg = postgres ? PostgresBenchData.start() : null;
    try (FeatureStore store =
        pg == null
            ? EmbeddedFeatureStore.open(dir)
            : FeatureStores.open(
                new FeatureStoreConfig(
                    "postgresql://postgres@localhost:" + pg.getPort() + "/postgres",
                    "none",
                    null,
                    null,
                    false,
                    Map.of("pool_size", "8")))) {
      System.out.printf(
          "backend %s, %,d values per figure%n", postgres ? "postgresql" : "embedded", values);
      define(store);
      long t = System.nanoTime();
      load(store, values, !only.equals("validation"), !only.equals("drift"));
      System.out.printf("loaded the values in %.1f s%n", (System.nanoTime() - t) / 1e9);
      QualityService q = new QualityService(store, Clock.systemUTC());
      long postmaster = pg == null ? -1 : postmaster(pg);
      DriftWindow ref = new DriftWindow.Range(T0, T0.plusSeconds(86_400 - 1));
      for (int r = 0; !only.equals("validation") && r <= runs; r++) {
        DriftWindow cur =
            new DriftWindow.Range(
                T0.plusSeconds(86_400), T0.plusSeconds(2 * 86_400 + (newWindows ? r : 0)));
        long s = System.nanoTime();
        double cpu = cpuSeconds(postmaster);
        DriftResult d = q.drift("qb", "x", ref, cur);
        double secs = (System.nanoTime() - s) / 1e9;
        System.out.printf(
            "%s drift of x (%,d + %,d values): %.3f s, %.3f s CPU (psi %.5f, ks %.5f, p %.3g,"
                + " status %s)%n",
            r == 0 ? "warm-up" : "run " + r,
            d.reference().count(),
            d.current().count(),
            secs,
            cpuSeconds(postmaster) - cpu,
            d.psi(),
            d.ks(),
            d.ksPValue(),
            d.status());
      }
      for (int r = 0; !only.equals("drift") && r <= runs; r++) {
        long s = System.nanoTime();
        double cpu = cpuSeconds(postmaster);
        ValidationReport v = q.validate("qv", null, null);
        double secs = (System.nanoTime() - s) / 1e9;
        long checked =
            v.features().stream().mapToLong(ValidationReport.FeatureReport::checked).sum();
        System.out.printf(
            "%s validation of qv (10 features, %,d values): %.3f s, %.3f s CPU (%,d violations)%n",
            r == 0 ? "warm-up" : "run " + r,
            checked,
            secs,
            cpuSeconds(postmaster) - cpu,
            v.violations());
      }
    } finally {
      if (pg != null) {
        pg.close();
      }
      EmbeddedBenchData.delete(dir);
    }
  }

  /**
   * CPU seconds used so far by this JVM (DuckDB's threads included) and, with PostgreSQL, by the
   * database's processes: on a shared machine the wall time depends on the load, this does not.
   */
  static double cpuSeconds(long postmaster) {
    double jvm =
        ((com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime()
            / 1e9;
    return jvm + (postmaster < 0 ? 0 : postgresCpuSeconds(postmaster));
  }

  /**
   * User + system time of the postmaster, of the children it has reaped (ended parallel workers)
   * and of its live children (the backends), from /proc.
   */
  static double postgresCpuSeconds(long postmaster) {
    double ticks = 0;
    try (var dirs = java.nio.file.Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) dirs::iterator) {
        if (!p.getFileName().toString().matches("[0-9]+")) {
          continue;
        }
        try {
          String[] f = stat(Long.parseLong(p.getFileName().toString()));
          long pid = Long.parseLong(p.getFileName().toString());
          if (pid == postmaster) {
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
          } else if (Long.parseLong(f[1]) == postmaster) {
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (java.io.IOException | RuntimeException e) {
          // the process ended meanwhile
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    return ticks / 100.0;
  }

  /** The fields of /proc/pid/stat after the command name (state first, then ppid...). */
  static String[] stat(long pid) throws java.io.IOException {
    String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** The postmaster's pid: the parent of a backend. */
  static long postmaster(EmbeddedPostgres pg) throws Exception {
    try (var c = pg.getPostgresDatabase().getConnection();
        var s = c.createStatement();
        var rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return Long.parseLong(stat(rs.getLong(1))[1]);
    }
  }

  static void define(FeatureStore store) {
    store.createFeatureGroup(FeatureGroup.builder("qb").build());
    store.createFeature(
        FeatureSpec.builder("qb", "x").valueType("float64").entityKeys("id").build());
    store.createFeatureGroup(
        FeatureGroup.builder("qv").validation(io.e2i.featurestore.ValidationMode.WARN).build());
    for (int f = 0; f < 10; f++) {
      store.createFeature(
          FeatureSpec.builder("qv", "f" + f)
              .valueType(type(f))
              .entityKeys("id")
              .constraints(
                  type(f) == ValueType.STRING
                      ? new Constraints(false, null, null, List.of(), "S[0-9]+", 4, null, null)
                      : new Constraints(false, 0.0, 99.0, List.of(), null, null, null, null))
              .build());
    }
  }

  static ValueType type(int f) {
    return switch (f % 3) {
      case 0 -> ValueType.FLOAT64;
      case 1 -> ValueType.INT64;
      default -> ValueType.STRING;
    };
  }

  static void load(FeatureStore store, long values, boolean drift, boolean validation) {
    Random rnd = new Random(42);
    List<FeatureWrite> batch = new ArrayList<>(BATCH);
    for (long i = 0; drift && i < values; i++) {
      boolean current = i >= values / 2;
      long n = current ? i - values / 2 : i;
      double x = rnd.nextGaussian() + (current ? 0.1 : 0);
      Instant t =
          T0.plusSeconds((current ? 86_400 : 0) + n % 86_000).plusNanos((n / 86_000) * 1000);
      batch.add(new FeatureWrite("x", Map.of("id", "E" + n % ENTITIES), x, t, "qb"));
      if (batch.size() == BATCH) {
        store.writeBatchFeatures(batch);
        batch.clear();
      }
    }
    for (long i = 0; validation && i < values; i++) {
      int f = (int) (i % 10);
      long n = i / 10;
      boolean bad = n % 100 == 0;
      Object v =
          switch (f % 3) {
            case 0 -> bad ? -1.0 : (n % 90) + 0.5;
            case 1 -> bad ? 500L : n % 90;
            default -> bad ? "bad value" : "S" + (n % 90);
          };
      Instant t = T0.plusSeconds(n % 86_000).plusNanos((n / 86_000) * 1000);
      batch.add(new FeatureWrite("f" + f, Map.of("id", "E" + n % ENTITIES), v, t, "qv"));
      if (batch.size() == BATCH) {
        store.writeBatchFeatures(batch);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      store.writeBatchFeatures(batch);
    }
  }
}
