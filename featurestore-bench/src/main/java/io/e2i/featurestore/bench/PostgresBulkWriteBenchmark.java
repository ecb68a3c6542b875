package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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
 * write_batch_features of 1,000,000 values in one call through the facade (validation, one COPY,
 * one transaction, durable commit) into an empty table. Target: < 10 s.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx4g"})
@State(Scope.Benchmark)
public class PostgresBulkWriteBenchmark {

  @Param({"1000000"})
  int values;

  private EmbeddedPostgres pg;
  private FeatureStore store;
  private List<FeatureWrite> batch;

  @Setup(Level.Trial)
  public void setUp() {
    pg = PostgresBenchData.start();
    store = PostgresBenchData.open(pg, "none");
    batch = PostgresBenchData.writes(0, values, Instant.now());
  }

  @Setup(Level.Iteration)
  public void empty() {
    PostgresBenchData.sql(pg, "TRUNCATE feature_values");
    PostgresBenchData.sql(pg, "CHECKPOINT");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    PostgresBenchData.close(store, pg);
  }

  @Benchmark
  public int write() {
    return store.writeBatchFeatures(batch);
  }
}
