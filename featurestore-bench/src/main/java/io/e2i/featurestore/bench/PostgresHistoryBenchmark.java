package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureValue;
import io.e2i.featurestore.FeatureWrite;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * get_historical_features of one entity, 10 features, 30 days, with hourly values (7,200 values
 * returned) out of 100 such entities (720,000 stored, 60 days each). Target: < 10 ms.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx2g"})
@State(Scope.Benchmark)
public class PostgresHistoryBenchmark {
  private static final int ENTITIES = 100;
  private static final int HOURS = 60 * 24;

  private EmbeddedPostgres pg;
  private FeatureStore store;
  private Instant end;
  private List<String> features;

  @Setup(Level.Trial)
  public void setUp() {
    pg = PostgresBenchData.start();
    store = PostgresBenchData.open(pg, "none");
    end = Instant.now().truncatedTo(ChronoUnit.HOURS);
    for (int e = 0; e < ENTITIES; e++) {
      List<FeatureWrite> writes = new ArrayList<>(HOURS * PostgresBenchData.FEATURES);
      for (int h = 0; h < HOURS; h++) {
        for (int f = 0; f < PostgresBenchData.FEATURES; f++) {
          writes.add(
              new FeatureWrite(
                  PostgresBenchData.feature(f),
                  Map.of("hcp_id", "HCP" + e),
                  h + f * 0.1,
                  end.minus(Duration.ofHours(h)),
                  PostgresBenchData.GROUP));
        }
      }
      store.writeBatchFeatures(writes);
    }
    PostgresBenchData.sql(pg, "VACUUM ANALYZE feature_values");
    features = new ArrayList<>();
    for (int f = 0; f < PostgresBenchData.FEATURES; f++) {
      features.add(PostgresBenchData.GROUP + ":" + PostgresBenchData.feature(f));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    PostgresBenchData.close(store, pg);
  }

  @Benchmark
  public List<FeatureValue> history30Days() {
    int entity = ThreadLocalRandom.current().nextInt(ENTITIES);
    List<FeatureValue> values =
        store.getHistoricalFeatures(
            Map.of("hcp_id", "HCP" + entity),
            features,
            end.minus(Duration.ofDays(30)).plusSeconds(1),
            end);
    if (values.size() != 30 * 24 * PostgresBenchData.FEATURES) {
      throw new IllegalStateException("expected 7200 values, got " + values.size());
    }
    return values;
  }
}
