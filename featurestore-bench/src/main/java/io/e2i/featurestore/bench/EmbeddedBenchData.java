package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Shared fixture of the embedded benchmarks: one group of 10 features keyed by hcp_id. */
final class EmbeddedBenchData {
  static final String GROUP = "hcp_bench";
  static final int FEATURES = 10;

  private EmbeddedBenchData() {}

  /**
   * Waits up to a minute for the store's cache to be in use: measuring while its circuit is open (a
   * timeout on a loaded machine opens it) would skip the cache altogether.
   */
  static void awaitCacheInUse(FeatureStore store) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!store.healthCheck().online()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the cache did not come up: " + store.healthCheck());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  static String feature(int i) {
    return "f" + i;
  }

  static ValueType type(int i) {
    return switch (i % 3) {
      case 0 -> ValueType.FLOAT64;
      case 1 -> ValueType.INT64;
      default -> ValueType.STRING;
    };
  }

  static Object value(int i, long n) {
    return switch (i % 3) {
      case 0 -> n * 0.25;
      case 1 -> n;
      default -> "S" + (n % 50);
    };
  }

  static void define(FeatureStore fs) {
    fs.createFeatureGroup(
        FeatureGroup.builder(GROUP).expectedUpdateFrequencyHours(24).maxAgeHours(720).build());
    for (int i = 0; i < FEATURES; i++) {
      fs.createFeature(new FeatureSpec(GROUP, feature(i), type(i), List.of("hcp_id")));
    }
  }

  /** {@code count} values: entities {@code first..}, all 10 features each. */
  static List<FeatureWrite> writes(int firstEntity, int count, Instant ts) {
    List<FeatureWrite> writes = new ArrayList<>(count);
    for (int n = 0; writes.size() < count; n++) {
      Map<String, String> entity = Map.of("hcp_id", "HCP" + (firstEntity + n));
      for (int i = 0; i < FEATURES && writes.size() < count; i++) {
        writes.add(new FeatureWrite(feature(i), entity, value(i, n), ts, GROUP));
      }
    }
    return writes;
  }

  static Path tempDir() {
    try {
      return Files.createTempDirectory("fs-embedded-bench");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
