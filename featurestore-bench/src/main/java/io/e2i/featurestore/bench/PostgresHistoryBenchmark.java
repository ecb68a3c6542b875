package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureValue;
import io.e2i.featurestore.FeatureWrite;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * get_historical_features of one entity, 10 features, 30 days, with hourly values (7,200 values
 * returned) out of 100 such entities (1,440,000 stored, 60 days each). Target: < 10 ms.
 *
 * <p>{@code -p stored=50000000} adds other entities' values until that many are stored (issue 15:
 * the target holds with 50,000,000 values): 10 features x one value a day over the same 60 days,
 * loaded server-side with {@code INSERT ... SELECT FROM generate_series} in read-index order, with
 * the value_num the store's writer gives them (V11; in the read index since V12) (see {@link
 * #fill}) rather than through the API, which would take hours here. Not timed.
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
  private static final int FILLER_DAYS = 60;

  /** Values stored in all; above the 1,440,000 of the measured entities, other entities' values. */
  @Param("1440000")
  public long stored;

  /** The store's option {@code history_connections} (its default is 1). */
  @Param("1")
  public int connections;

  private EmbeddedPostgres pg;
  private FeatureStore store;
  private Instant end;
  private List<String> features;

  @Setup(Level.Trial)
  public void setUp() {
    pg = PostgresBenchData.start();
    store = PostgresBenchData.open(pg, "none", Map.of("history_connections", "" + connections));
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
    fill(stored - (long) ENTITIES * HOURS * PostgresBenchData.FEATURES);
    long vacuumStarted = System.nanoTime();
    PostgresBenchData.sql(pg, "VACUUM ANALYZE feature_values");
    System.out.printf("%nVACUUM ANALYZE %.1f s%n", (System.nanoTime() - vacuumStarted) / 1e9);
    if (stored > (long) ENTITIES * HOURS * PostgresBenchData.FEATURES) {
      settle();
    }
    features = new ArrayList<>();
    for (int f = 0; f < PostgresBenchData.FEATURES; f++) {
      features.add(PostgresBenchData.GROUP + ":" + PostgresBenchData.feature(f));
    }
  }

  /**
   * Other entities' daily values, server-side: one {@code INSERT ... SELECT FROM generate_series}
   * per feature, its rows generated in read-index order (entity, then event time newest first; the
   * entity number zero-padded so that text order is number order), the order the store's COPY sends
   * a batch in. Each insertion then lands next to the previous one, as in {@code PgCopy}: 48.6
   * million rows take minutes, not the half hour of one unordered INSERT per day. The partitions
   * exist already (made by the measured entities' writes).
   */
  private void fill(long values) {
    if (values <= 0) {
      return;
    }
    long entities = values / ((long) FILLER_DAYS * PostgresBenchData.FEATURES);
    long started = System.nanoTime();
    for (int f = 0; f < PostgresBenchData.FEATURES; f++) {
      PostgresBenchData.sql(
          pg,
          "INSERT INTO feature_values (feature_id, entity_key, value, value_num,"
              + " event_timestamp, written_at)"
              + " SELECT (SELECT id FROM features WHERE name = '"
              + PostgresBenchData.feature(f)
              + "'), '{\"hcp_id\":\"OTHER' || lpad((n / "
              + FILLER_DAYS
              + ")::text, 7, '0') || '\"}', to_jsonb((n / "
              + FILLER_DAYS
              + ") * 0.5), ((n / "
              + FILLER_DAYS
              + ") * 0.5)::float8, timestamptz '"
              + end
              + "' - (n % "
              + FILLER_DAYS
              + ") * interval '1 day', now() FROM generate_series(0::bigint, "
              + (entities * FILLER_DAYS - 1)
              + ") n");
      System.out.printf(
          "%nfeature %d: %.1f s since the fill started", f, (System.nanoTime() - started) / 1e9);
    }
    System.out.printf(
        "%nfilled %,d other values (%,d entities x 10 features x %d days) in %.1f s%n",
        entities * FILLER_DAYS * PostgresBenchData.FEATURES,
        entities,
        FILLER_DAYS,
        (System.nanoTime() - started) / 1e9);
  }

  /**
   * After the fill, waits until its writes have left memory for the disk (PostgreSQL's dirty
   * buffers by a CHECKPOINT, then the kernel's dirty pages, up to 3 minutes): the server-side fill
   * writes 48.6 million rows in four minutes, and the kernel went on writing them back at 0.25-1.6
   * GB/s through the measured iterations, which a store holding 50 million values is not doing.
   * Linux only ({@code /proc/meminfo}); elsewhere just the CHECKPOINT.
   */
  private void settle() {
    long started = System.nanoTime();
    PostgresBenchData.sql(pg, "CHECKPOINT");
    long dirty = dirtyKb();
    while (dirty > 64 * 1024 && System.nanoTime() - started < TimeUnit.MINUTES.toNanos(3)) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      dirty = dirtyKb();
    }
    System.out.printf(
        "CHECKPOINT and write-back %.1f s (dirty and in write-back now: %,d kB)%n",
        (System.nanoTime() - started) / 1e9, dirty);
  }

  /** Dirty plus Writeback from /proc/meminfo, in kB; 0 where there is none. */
  private static long dirtyKb() {
    try {
      long kb = 0;
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("Dirty:") || line.startsWith("Writeback:")) {
          kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      return kb;
    } catch (IOException | RuntimeException e) {
      return 0;
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
