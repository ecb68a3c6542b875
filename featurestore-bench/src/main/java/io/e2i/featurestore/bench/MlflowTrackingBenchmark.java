package io.e2i.featurestore.bench;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.mlflow.MlflowTracker;
import io.e2i.featurestore.spi.Tracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * MLflow tracking costs. {@code enqueue}: what a registry write pays for tracking, i.e. one durable
 * (fsynced) journal append; the tracker points at a dead port so nothing is sent. {@code
 * replay100}: 100 new feature versions, each with statistics, queued and then replayed into a real
 * MLflow server (MLFLOW_TRACKING_URI, e.g. from .ci/mlflow.sh) until the queue is empty: lookups,
 * run creation, params/tags, two artifact uploads, metrics and a statistics artifact per feature.
 */
@Fork(value = 1)
public class MlflowTrackingBenchmark {
  private static final Tracker.Listener IGNORE =
      new Tracker.Listener() {
        @Override
        public void experimentCreated(String featureGroup, String experimentId) {}

        @Override
        public void runCreated(UUID featureId, String runId) {}
      };

  private static MlflowTracker open(String uri, Path queue, String retryMs) {
    MlflowTracker t =
        MlflowTracker.open(
            uri,
            new FeatureStoreConfig(
                null,
                null,
                uri,
                null,
                false,
                Map.of(
                    "tracking_queue_dir", queue.toString(),
                    "tracking_retry_initial_ms", retryMs,
                    "tracking_retry_max_ms", retryMs)));
    t.start(IGNORE);
    return t;
  }

  private static Feature feature(String group, int i) {
    return Feature.fromSpec(
        FeatureSpec.builder(group, "f" + i)
            .valueType("float64")
            .entityKeys("hcp_id")
            .description("benchmark feature " + i)
            .computationQuery("SELECT " + i)
            .build(),
        1,
        Instant.now());
  }

  private static FeatureStatistics stats() {
    return new FeatureStatistics(
        1000, 3, 900, 0.0, 10.0, 5.0, 1.0, 5.0, 9.0, 9.9, List.of(), List.of(), Instant.now());
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A tracker whose server never answers: every call only queues. */
  @State(Scope.Benchmark)
  public static class Offline {
    Path dir;
    MlflowTracker tracker;
    FeatureGroup group;
    Feature feature;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("bench-mlflow-queue");
      tracker = open("http://127.0.0.1:1", dir, "600000");
      group = FeatureGroup.builder("bench").build();
      feature = feature("bench", 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      tracker.close();
      delete(dir);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 5, time = 2)
  public void enqueue(Offline s) {
    s.tracker.trackFeature(s.group, s.feature);
  }

  /** A tracker on the live server; each invocation tracks a fresh group of 100 features. */
  @State(Scope.Benchmark)
  public static class Live {
    Path dir;
    MlflowTracker tracker;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      String uri = System.getenv("MLFLOW_TRACKING_URI");
      if (uri == null || uri.isBlank()) {
        throw new IllegalStateException(
            "replay100 needs a live MLflow server: source .ci/mlflow.sh first");
      }
      dir = Files.createTempDirectory("bench-mlflow-live");
      tracker = open(uri, dir, "200");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      tracker.close();
      delete(dir);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, batchSize = 1)
  @Measurement(iterations = 5, batchSize = 1)
  public int replay100(Live s) throws InterruptedException {
    String name = "bench_" + UUID.randomUUID().toString().substring(0, 8);
    FeatureGroup group = FeatureGroup.builder(name).build();
    s.tracker.trackGroup(group);
    for (int i = 0; i < 100; i++) {
      Feature f = feature(name, i);
      s.tracker.trackFeature(group, f);
      s.tracker.trackStatistics(group, f, stats());
    }
    if (!s.tracker.awaitIdle(Duration.ofMinutes(5))) {
      throw new IllegalStateException("queue not drained: " + s.tracker.describe());
    }
    return s.tracker.queued();
  }
}
