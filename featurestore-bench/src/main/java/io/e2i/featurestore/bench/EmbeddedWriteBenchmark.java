package io.e2i.featurestore.bench;

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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * write_batch_features of 100,000 values (10,000 entities x 10 features) through the facade into
 * the embedded store: validation, one DuckDB transaction through the Appender, index update and
 * cache invalidation. Target: < 1 s. Each invocation writes a new event time, so the file grows by
 * 100k rows per call as in real use.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx4g"})
@State(Scope.Benchmark)
public class EmbeddedWriteBenchmark {
  private static final int VALUES = 100_000;

  private Path dir;
  private FeatureStore store;
  private List<FeatureWrite> batch;
  private Instant ts = Instant.parse("2025-12-18T00:00:00Z");

  @Setup(Level.Trial)
  public void setUp() {
    dir = EmbeddedBenchData.tempDir();
    store = EmbeddedFeatureStore.open(dir);
    EmbeddedBenchData.define(store);
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
