package io.e2i.featurestore.bench;

import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link EmbeddedWriteBenchmark}'s 100,000-value batch with and without constraints on every
 * feature (numbers: nullable false, min, max; strings: nullable false, pattern, max_length, allowed
 * of 50 values), in reject mode, every value passing: the cost of checking. Target: < 10 % over the
 * unconstrained write. Both variants run in the same JVM settings, one after the other.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx4g"})
@State(Scope.Benchmark)
public class EmbeddedConstraintsWriteBenchmark {
  private static final int VALUES = 100_000;

  @Param({"false", "true"})
  public boolean constraints;

  private Path dir;
  private FeatureStore store;
  private List<FeatureWrite> batch;
  private Instant ts = Instant.parse("2025-12-18T00:00:00Z");

  @Setup(Level.Trial)
  public void setUp() {
    dir = EmbeddedBenchData.tempDir();
    store = EmbeddedFeatureStore.open(dir);
    store.createFeatureGroup(
        FeatureGroup.builder(EmbeddedBenchData.GROUP)
            .expectedUpdateFrequencyHours(24)
            .maxAgeHours(720)
            .build());
    for (int i = 0; i < EmbeddedBenchData.FEATURES; i++) {
      store.createFeature(
          FeatureSpec.builder(EmbeddedBenchData.GROUP, EmbeddedBenchData.feature(i))
              .valueType(EmbeddedBenchData.type(i))
              .entityKeys("hcp_id")
              .constraints(constraints ? rules(i) : Constraints.NONE)
              .build());
    }
  }

  static Constraints rules(int i) {
    if (EmbeddedBenchData.type(i).isNumeric()) {
      return new Constraints(false, 0.0, 1e9, List.of(), null, null, null, null);
    }
    List<Object> allowed = new java.util.ArrayList<>();
    for (int n = 0; n < 50; n++) {
      allowed.add("S" + n);
    }
    return new Constraints(false, null, null, allowed, "S[0-9]{1,2}", 8, null, null);
  }

  @Setup(Level.Invocation)
  public void nextBatch() {
    ts = ts.plus(Duration.ofHours(1));
    batch = EmbeddedBenchData.writes(0, VALUES, ts);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    EmbeddedBenchData.delete(dir);
  }

  @Benchmark
  public int writeBatch100k() {
    return store.writeBatchFeatures(batch);
  }
}
