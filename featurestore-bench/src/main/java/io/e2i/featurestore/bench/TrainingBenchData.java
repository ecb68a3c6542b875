package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The stored values both training-data benchmarks join against: {@code entities} entities ({@code
 * hcp_id = HCP<n>}) x {@code features} features x as many daily event times from {@link #T0} as
 * make {@code values}, written through write_batch_features in 500,000-value batches.
 */
final class TrainingBenchData {
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final int BATCH = 500_000;

  /** The value of feature {@code f} for entity {@code e} on day {@code day}. */
  @FunctionalInterface
  interface ValueOf {
    Object value(int f, int e, int day);
  }

  private TrainingBenchData() {}

  /** How many daily event times {@link #write} stores for these sizes. */
  static int days(long values, int entities, int features) {
    return (int) Math.max(1, values / ((long) entities * features));
  }

  /** Writes the values; returns how many were written. */
  static long write(
      FeatureStore store,
      String group,
      int features,
      IntFunction<String> featureName,
      long values,
      int entities,
      ValueOf valueOf) {
    int days = days(values, entities, features);
    List<FeatureWrite> batch = new ArrayList<>(BATCH);
    long written = 0;
    for (int day = 0; day < days; day++) {
      Instant ts = T0.plus(Duration.ofDays(day));
      for (int e = 0; e < entities; e++) {
        Map<String, String> entity = Map.of("hcp_id", "HCP" + e);
        for (int f = 0; f < features; f++) {
          batch.add(
              new FeatureWrite(featureName.apply(f), entity, valueOf.value(f, e, day), ts, group));
          if (batch.size() == BATCH) {
            written += store.writeBatchFeatures(batch);
            batch.clear();
          }
        }
      }
    }
    if (!batch.isEmpty()) {
      written += store.writeBatchFeatures(batch);
    }
    return written;
  }
}
