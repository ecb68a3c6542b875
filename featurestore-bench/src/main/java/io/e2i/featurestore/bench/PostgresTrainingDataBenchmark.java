package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.spi.PitQuery;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Instant;
import java.util.ArrayList;
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
 * Point-in-time training data on PostgreSQL: an in-memory spine of 1,000,000 rows joined with 10
 * features over 10,000,000 stored values, streamed to a sink that only counts. Target: < 60 s.
 *
 * <p>Stored values: {@code entities} x 10 features x {@code values / (entities x 10)} event times
 * one day apart (default 250,000 entities x 4 days). Spine rows cycle over the entities with times
 * spread over those days plus one, so most rows find a value, some an older one. Setup (loading
 * through write_batch_features in 500k batches, then VACUUM ANALYZE) is not timed.
 *
 * <p>Scale down with {@code -p values=1000000 -p entities=25000 -p spineRows=100000}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, batchSize = 1)
@Measurement(iterations = 3, batchSize = 1)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx8g"})
@State(Scope.Benchmark)
public class PostgresTrainingDataBenchmark {
  @Param("10000000")
  public long values;

  @Param("250000")
  public int entities;

  @Param("1000000")
  public int spineRows;

  private EmbeddedPostgres pg;
  private FeatureStore store;
  private PitQuery.Spine spine;
  private List<String> refs;

  @Setup(Level.Trial)
  public void setUp() {
    pg = PostgresBenchData.start();
    store = PostgresBenchData.open(pg, "none");
    int days = TrainingBenchData.days(values, entities, PostgresBenchData.FEATURES);
    long started = System.nanoTime();
    long written =
        TrainingBenchData.write(
            store,
            PostgresBenchData.GROUP,
            PostgresBenchData.FEATURES,
            PostgresBenchData::feature,
            values,
            entities,
            (f, e, day) -> e + day + f * 0.5);
    long loaded = System.nanoTime();
    PostgresBenchData.sql(pg, "VACUUM ANALYZE feature_values");
    System.out.printf(
        "%nsetup: wrote %,d values (%,d entities x 10 features x %d days) in %.1f s,"
            + " VACUUM ANALYZE %.1f s%n",
        written, entities, days, (loaded - started) / 1e9, (System.nanoTime() - loaded) / 1e9);

    long span = (long) (days + 1) * 86_400;
    List<Object[]> rows = new ArrayList<>(spineRows);
    for (long i = 0; i < spineRows; i++) {
      rows.add(
          new Object[] {
            "HCP" + (i % entities), TrainingBenchData.T0.plusSeconds((i * 7919) % span), i % 2 == 0
          });
    }
    spine =
        new PitQuery.Spine.Rows(
            List.of("hcp_id", "event_timestamp", "label"), "event_timestamp", rows);
    refs = new ArrayList<>();
    for (int f = 0; f < PostgresBenchData.FEATURES; f++) {
      refs.add(PostgresBenchData.GROUP + ":" + PostgresBenchData.feature(f));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    PostgresBenchData.close(store, pg);
  }

  /** The join into a sink that only counts (the writers' cost is measured for embedded). */
  @Benchmark
  public long joinOnly() {
    long[] counts = {0, 0};
    store.getTrainingData(
        new TrainingDataRequest(spine, refs, Instant.now(), null),
        new PitQuery.RowSink() {
          @Override
          public void columns(List<String> names) {}

          @Override
          public void row(Object[] values) {
            counts[0]++;
            if (values[3] != null) {
              counts[1]++;
            }
          }
        });
    if (counts[0] != spineRows) {
      throw new IllegalStateException(counts[0] + " rows for " + spineRows);
    }
    System.out.printf(" [%,d rows, %,d with feature_0]", counts[0], counts[1]);
    return counts[0];
  }
}
