package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One value per write call through the PostgreSQL store (the single-value write path: a
 * transaction, the write log's row (V13) and a COPY of one row), timed per call in three rounds:
 *
 * <pre>
 * java -cp benchmarks.jar io.e2i.featurestore.bench.PostgresSingleWriteBench 2000
 * </pre>
 */
public final class PostgresSingleWriteBench {
  private PostgresSingleWriteBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length == 0 ? 2000 : Integer.parseInt(args[0]);
    EmbeddedPostgres pg = PostgresBenchData.start();
    try (FeatureStore store =
        FeatureStores.open(
            new FeatureStoreConfig(
                "postgresql://postgres@localhost:" + pg.getPort() + "/postgres",
                "none",
                null,
                null,
                false,
                Map.of("pool_size", "8")))) {
      store.createFeatureGroup(FeatureGroup.builder("sw").build());
      store.createFeature(
          FeatureSpec.builder("sw", "x").valueType("float64").entityKeys("id").build());
      Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
      for (int round = 0; round < 3; round++) {
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
          long s = System.nanoTime();
          store.writeBatchFeatures(
              List.of(
                  new FeatureWrite(
                      "x",
                      Map.of("id", "E" + (i % 1000)),
                      i * 0.5,
                      t0.plusSeconds((long) round * n + i),
                      "sw")));
          ns[i] = System.nanoTime() - s;
        }
        Arrays.sort(ns);
        System.out.printf(
            "round %d: %d single-value writes, p50 %.1f us, p90 %.1f us, p99 %.1f us, mean %.1f"
                + " us%n",
            round,
            n,
            ns[n / 2] / 1e3,
            ns[n * 9 / 10] / 1e3,
            ns[n * 99 / 100] / 1e3,
            Arrays.stream(ns).average().orElse(0) / 1e3);
      }
    } finally {
      pg.close();
    }
  }
}
