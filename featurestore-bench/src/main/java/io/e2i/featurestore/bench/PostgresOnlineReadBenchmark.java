package io.e2i.featurestore.bench;

import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.OnlineRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
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
 * get_entity_features of 10 features with use_cache=false through the facade: every read is one
 * LATERAL query on PostgreSQL over {@code entities} x 10 stored values. Target: p99 < 5 ms.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx2g"})
@State(Scope.Benchmark)
public class PostgresOnlineReadBenchmark {

  @Param({"100000"})
  int entities;

  private EmbeddedPostgres pg;
  private FeatureStore store;

  @Setup(Level.Trial)
  public void setUp() {
    pg = PostgresBenchData.start();
    store = PostgresBenchData.open(pg, "none");
    Instant ts = Instant.now();
    int total = entities * PostgresBenchData.FEATURES;
    for (int done = 0; done < total; done += 200_000) {
      store.writeBatchFeatures(
          PostgresBenchData.writes(
              done / PostgresBenchData.FEATURES, Math.min(200_000, total - done), ts));
    }
    PostgresBenchData.sql(pg, "VACUUM ANALYZE feature_values");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    PostgresBenchData.close(store, pg);
  }

  @Benchmark
  public EntityFeatures miss() {
    int entity = ThreadLocalRandom.current().nextInt(entities);
    EntityFeatures result =
        store.getEntityFeatures(
            new OnlineRequest(
                Map.of("hcp_id", "HCP" + entity), PostgresBenchData.GROUP, List.of(), false, null));
    if (result.features().size() != PostgresBenchData.FEATURES) {
      throw new IllegalStateException("expected 10 features, got " + result.features());
    }
    return result;
  }
}
