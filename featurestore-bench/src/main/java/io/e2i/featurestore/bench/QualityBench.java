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
 * 10,000. Each query is timed {@code --runs} times after a warm-up.
 *
 * <pre>
 * java -Xmx4g -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.bench.QualityBench \
 *     --values 10000000 [--postgres] [--runs 3]
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
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--values" -> values = Long.parseLong(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--postgres" -> postgres = true;
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
      load(store, values);
      System.out.printf("loaded %,d values in %.1f s%n", 2 * values, (System.nanoTime() - t) / 1e9);
      QualityService q = new QualityService(store, Clock.systemUTC());
      DriftWindow ref = new DriftWindow.Range(T0, T0.plusSeconds(86_400 - 1));
      DriftWindow cur = new DriftWindow.Range(T0.plusSeconds(86_400), T0.plusSeconds(2 * 86_400));
      for (int r = 0; r <= runs; r++) {
        long s = System.nanoTime();
        DriftResult d = q.drift("qb", "x", ref, cur);
        double secs = (System.nanoTime() - s) / 1e9;
        System.out.printf(
            "%s drift of x (%,d + %,d values): %.3f s (psi %.5f, ks %.5f, p %.3g, status %s)%n",
            r == 0 ? "warm-up" : "run " + r,
            d.reference().count(),
            d.current().count(),
            secs,
            d.psi(),
            d.ks(),
            d.ksPValue(),
            d.status());
      }
      for (int r = 0; r <= runs; r++) {
        long s = System.nanoTime();
        ValidationReport v = q.validate("qv", null, null);
        double secs = (System.nanoTime() - s) / 1e9;
        long checked =
            v.features().stream().mapToLong(ValidationReport.FeatureReport::checked).sum();
        System.out.printf(
            "%s validation of qv (10 features, %,d values): %.3f s (%,d violations)%n",
            r == 0 ? "warm-up" : "run " + r, checked, secs, v.violations());
      }
    } finally {
      if (pg != null) {
        pg.close();
      }
      EmbeddedBenchData.delete(dir);
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

  static void load(FeatureStore store, long values) {
    Random rnd = new Random(42);
    List<FeatureWrite> batch = new ArrayList<>(BATCH);
    for (long i = 0; i < values; i++) {
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
    for (long i = 0; i < values; i++) {
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
