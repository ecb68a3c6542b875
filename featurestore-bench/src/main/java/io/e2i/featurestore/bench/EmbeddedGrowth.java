package io.e2i.featurestore.bench;

import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.FreshnessReport;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.PitQuery;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The embedded store as it grows (issue 15), bounded: prefills an embedded store with {@code
 * --values} values (entities x 10 features x days, the seed's daily shape), then runs the issue's
 * mix in-process for {@code --minutes}: 8 writers (single values, and one call in four a batch of
 * 100-5,000), 8 readers checking read-your-writes, freshness update + monitor in a loop, training
 * data with 1,000-row spines, and a new group or feature version every few seconds. Reports write
 * and monitor percentiles, the longest window with no write acknowledged, heap after GC, and the
 * heap per latest value (the latest-value index is the store's main heap user).
 *
 * <pre>
 * java -Xmx2g -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.bench.EmbeddedGrowth \
 *   --values 10000000 --minutes 3
 * </pre>
 */
public final class EmbeddedGrowth {
  private static final String GROUP = "growth";
  private static final int FEATURES = 10;
  private static final int WRITERS = 8;
  private static final int READERS = 8;

  private final int entities;
  private final AtomicLongArray next; // per entity: the next counter of f0
  private final AtomicLongArray acked; // per entity: the highest acknowledged counter of f0
  private final Instant liveBase = Instant.now();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong lastAck = new AtomicLong(System.nanoTime());
  private final AtomicLong longestGapNanos = new AtomicLong();
  private static final long STALL_NANOS = 300_000_000L;
  private final List<String> stalls = new ArrayList<>();
  private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
  private final LongAdder valuesWritten = new LongAdder();
  private final LongAdder stale = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final AtomicLong slowLogged = new AtomicLong();

  private EmbeddedGrowth(int entities) {
    this.entities = entities;
    this.next = new AtomicLongArray(entities);
    this.acked = new AtomicLongArray(entities);
    for (int e = 0; e < entities; e++) {
      acked.set(e, -1);
    }
  }

  public static void main(String[] args) throws Exception {
    long values = 2_000_000;
    int days = 10;
    double minutes = 2;
    String dir = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--values" -> values = Long.parseLong(args[i + 1]);
        case "--days" -> days = Integer.parseInt(args[i + 1]);
        case "--minutes" -> minutes = Double.parseDouble(args[i + 1]);
        case "--dir" -> dir = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    int entities = (int) (values / FEATURES / days);
    Path data = dir == null ? Files.createTempDirectory("fs-growth") : Path.of(dir);
    new EmbeddedGrowth(entities).run(data, days, Duration.ofMillis((long) (minutes * 60_000)));
  }

  private void run(Path data, int days, Duration length) throws Exception {
    walFile = data.resolve("featurestore.duckdb.wal");
    log("uptime: " + uptime());
    long heapBefore = usedHeapAfterGc();
    if (!Files.exists(data.resolve("featurestore.duckdb"))) {
      long t = System.nanoTime();
      try (FeatureStore fs = FeatureStores.open(FeatureStoreConfig.embedded(data.toString()))) {
        define(fs);
      }
      prefill(data, days);
      long stored = (long) entities * FEATURES * days;
      log(
          String.format(
              Locale.ROOT,
              "prefilled %,d values (%,d entities x %d features x %d days) in %.1f s, in SQL",
              stored,
              entities,
              FEATURES,
              days,
              (System.nanoTime() - t) / 1e9));
    } else {
      log("reusing the store in " + data + " (delete it for a new prefill)");
    }
    try (FeatureStore fs = FeatureStores.open(FeatureStoreConfig.embedded(data.toString()))) {
      // The first call waits for the latest-value index to load from the file.
      timed("freshness monitor (first, awaits the index load)", fs::freshnessMonitor);
      long heapPrefilled = usedHeapAfterGc();
      long latest = (long) entities * FEATURES;
      log(
          String.format(
              Locale.ROOT,
              "heap after GC: %,d MB before, %,d MB with %,d latest values: %.0f bytes per latest"
                  + " value",
              heapBefore >> 20,
              heapPrefilled >> 20,
              latest,
              (heapPrefilled - heapBefore) / (double) latest));
      timed("freshness monitor (idle)", fs::freshnessMonitor);
      timed("freshness update (idle)", fs::updateFreshnessStatus);
      mix(fs, length);
      long peak = usedHeapAfterGc();
      log(String.format(Locale.ROOT, "heap after GC at the end: %,d MB", peak >> 20));
      verify(fs);
    }
    report();
    log("uptime: " + uptime());
  }

  private static void define(FeatureStore fs) {
    fs.createFeatureGroup(
        FeatureGroup.builder(GROUP).expectedUpdateFrequencyHours(24).maxAgeHours(720).build());
    for (int f = 0; f < FEATURES; f++) {
      fs.createFeature(new FeatureSpec(GROUP, "f" + f, ValueType.INT64, List.of("hcp_id")));
    }
  }

  /**
   * Fills the store's file directly in SQL (one INSERT ... SELECT over generated ranges, seconds
   * instead of minutes through the API), in the order and shape the API would have written: day by
   * day, entity by entity, one row per feature, seq in that order, f0 = -1 and the others the day.
   * The store is closed meanwhile; opening it again loads the latest-value index from the file.
   */
  private void prefill(Path data, int days) throws java.sql.SQLException {
    Instant first = liveBase.minus(Duration.ofDays(days + 1));
    long firstMicros = first.getEpochSecond() * 1_000_000L;
    long written = Instant.now().getEpochSecond() * 1_000_000L;
    String url = "jdbc:duckdb:" + data.resolve("featurestore.duckdb");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
        java.sql.Statement s = c.createStatement()) {
      s.execute(
          "CREATE TEMP TABLE fid AS SELECT CAST(substr(name, 2) AS INTEGER) AS f, id FROM features"
              + " WHERE feature_group = '"
              + GROUP
              + "'");
      s.execute(
          "INSERT INTO feature_values SELECT fid.id, '{\"hcp_id\":\"HCP' || e.range || '\"}',"
              + " CASE WHEN f.range = 0 THEN '-1' ELSE CAST(d.range AS VARCHAR) END,"
              + " make_timestamp("
              + firstMicros
              + " + d.range * 86400000000), make_timestamp("
              + written
              + "), 1 + (d.range * "
              + entities
              + " + e.range) * "
              + FEATURES
              + " + f.range, NULL FROM range("
              + days
              + ") d, range("
              + entities
              + ") e, range("
              + FEATURES
              + ") f JOIN fid ON fid.f = f.range ORDER BY 6");
      s.execute("CHECKPOINT");
    }
  }

  // ---------------------------------------------------------------- the mix

  private void mix(FeatureStore fs, Duration length) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      threads.add(Thread.ofPlatform().name("growth-writer-" + w).start(() -> writeLoop(fs)));
    }
    for (int r = 0; r < READERS; r++) {
      threads.add(Thread.ofPlatform().name("growth-reader-" + r).start(() -> readLoop(fs)));
    }
    threads.add(Thread.ofPlatform().name("growth-freshness").start(() -> freshnessLoop(fs)));
    threads.add(Thread.ofPlatform().name("growth-training").start(() -> trainingLoop(fs)));
    threads.add(Thread.ofPlatform().name("growth-registry").start(() -> registryLoop(fs)));
    long start = System.nanoTime();
    lastAck.set(start);
    long end = start + length.toNanos();
    long lastLog = start;
    long seenAck = start;
    boolean stalled = false;
    while (System.nanoTime() < end) {
      Thread.sleep(10);
      long now = System.nanoTime();
      long ack = lastAck.get();
      longestGapNanos.accumulateAndGet(now - ack, Math::max);
      // The stall list: every window of STALL_NANOS or more without an acknowledged write (to
      // within this loop's 10 ms), with when it began and the WAL's size as it ended.
      if (ack != seenAck) {
        if (stalled) {
          stalls.add(
              String.format(
                  Locale.ROOT,
                  "%.1f s: %.2f s (WAL %d MB)",
                  (seenAck - start) / 1e9,
                  (ack - seenAck) / 1e9,
                  walMegabytes()));
        }
        seenAck = ack;
        stalled = false;
      } else if (now - seenAck >= STALL_NANOS) {
        stalled = true;
      }
      if (now - lastLog > 15_000_000_000L) {
        lastLog = now;
        log(
            String.format(
                Locale.ROOT,
                "%.0f s: %,d values written live, WAL %,d MB, heap used %,d MB, uptime %s",
                (now - start) / 1e9,
                valuesWritten.sum(),
                walMegabytes(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
                uptime()));
      }
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
  }

  private Path walFile;

  /** Size of DuckDB's write-ahead log: how much a checkpoint has to move. */
  private long walMegabytes() {
    try {
      return walFile != null && Files.exists(walFile) ? Files.size(walFile) >> 20 : 0;
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  private void writeLoop(FeatureStore fs) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    while (!stop.get()) {
      boolean batch = rnd.nextInt(4) == 0;
      int size = batch ? rnd.nextInt(100, 5_001) : 1;
      List<FeatureWrite> writes = new ArrayList<>(size);
      Map<Integer, Long> counters = new java.util.HashMap<>();
      for (int i = 0; i < size; i++) {
        int e = rnd.nextInt(entities);
        long v = next.getAndIncrement(e);
        counters.merge(e, v, Math::max);
        writes.add(
            new FeatureWrite(
                "f" + (batch ? rnd.nextInt(FEATURES) : 0),
                Map.of("hcp_id", "HCP" + e),
                v,
                liveBase.plusMillis(v),
                GROUP));
      }
      // f0 carries the counter (only f0 is checked); other features get it too, harmlessly.
      long walBefore = walMegabytes();
      long t = System.nanoTime();
      try {
        if (batch) {
          fs.writeBatchFeatures(writes);
        } else {
          fs.writeFeatureValue(writes.getFirst());
        }
      } catch (RuntimeException ex) {
        errors.increment();
        continue;
      }
      long now = System.nanoTime();
      if (now - t > 300_000_000L && slowLogged.incrementAndGet() <= 40) {
        // A WAL that shrank during the call: a checkpoint ran meanwhile.
        log(
            String.format(
                Locale.ROOT,
                "slow write: %d values, %.0f ms, WAL %d MB -> %d MB",
                size,
                (now - t) / 1e6,
                walBefore,
                walMegabytes()));
      }
      record(batch ? "write batch 100-5,000" : "write single", now - t);
      record("write (all)", now - t);
      lastAck.set(now);
      valuesWritten.add(size);
      for (int i = 0; i < size; i++) {
        FeatureWrite w = writes.get(i);
        if (w.featureName().equals("f0")) {
          int e = Integer.parseInt(String.valueOf(w.entityValues().get("hcp_id")).substring(3));
          acked.accumulateAndGet(e, ((Number) w.value()).longValue(), Math::max);
        }
      }
    }
  }

  private void readLoop(FeatureStore fs) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    while (!stop.get()) {
      int e = rnd.nextInt(entities);
      long floor = acked.get(e);
      long t = System.nanoTime();
      EntityFeatures ef;
      try {
        ef =
            fs.getEntityFeatures(
                new OnlineRequest(
                    Map.of("hcp_id", "HCP" + e), GROUP, List.of(), rnd.nextBoolean(), null));
      } catch (RuntimeException ex) {
        errors.increment();
        continue;
      }
      record("online read", System.nanoTime() - t);
      // A client's pace (~1,000 reads/s per reader): in-process reads take microseconds, and 8
      // threads reading without pause would only measure two cores shared by spinning threads.
      sleep(1);
      Object v = ef.features().get("f0");
      if (v == null || ((Number) v).longValue() < floor) {
        stale.increment();
      }
    }
  }

  private void freshnessLoop(FeatureStore fs) {
    while (!stop.get()) {
      timed("freshness update", fs::updateFreshnessStatus);
      timed("freshness monitor", fs::freshnessMonitor);
    }
  }

  private void trainingLoop(FeatureStore fs) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    List<String> refs = new ArrayList<>();
    for (int f = 0; f < FEATURES; f++) {
      refs.add(GROUP + ":f" + f);
    }
    PitQuery.RowSink sink =
        new PitQuery.RowSink() {
          @Override
          public void columns(List<String> names) {}

          @Override
          public void row(Object[] values) {}
        };
    while (!stop.get()) {
      List<Object[]> rows = new ArrayList<>(1_000);
      for (int i = 0; i < 1_000; i++) {
        rows.add(
            new Object[] {
              "HCP" + rnd.nextInt(entities),
              liveBase.minus(Duration.ofHours(rnd.nextInt(24 * 12))).toString()
            });
      }
      PitQuery.Spine spine =
          new PitQuery.Spine.Rows(List.of("hcp_id", "event_timestamp"), "event_timestamp", rows);
      timed(
          "training data, 1,000-row spine",
          () -> fs.getTrainingData(new TrainingDataRequest(spine, refs), sink));
      sleep(500);
    }
  }

  private void registryLoop(FeatureStore fs) {
    int n = 0;
    while (!stop.get()) {
      String group = "growth_new_" + n;
      int i = n++;
      timed(
          "registry change",
          () -> {
            fs.createFeatureGroup(FeatureGroup.builder(group).maxAgeHours(48).build());
            fs.createFeature(new FeatureSpec(group, "x", ValueType.INT64, List.of("hcp_id")));
            // A new version: another type makes version 2.
            return fs.updateFeature(
                new FeatureSpec(
                    group,
                    "x",
                    i % 2 == 0 ? ValueType.FLOAT64 : ValueType.STRING,
                    List.of("hcp_id")));
          });
      sleep(3_000);
    }
  }

  /** After the mix: every entity's f0 is its highest acknowledged counter (nothing lost). */
  private void verify(FeatureStore fs) {
    long lost = 0;
    for (int e = 0; e < entities; e++) {
      long floor = acked.get(e);
      if (floor < 0) {
        continue;
      }
      Object v =
          fs.getEntityFeatures(
                  new OnlineRequest(Map.of("hcp_id", "HCP" + e), GROUP, List.of("f0"), false, null))
              .features()
              .get("f0");
      if (v == null || ((Number) v).longValue() != floor) {
        lost++;
      }
    }
    List<FreshnessReport> reports = fs.freshnessMonitor();
    log(
        String.format(
            Locale.ROOT,
            "checked: %,d entities whose last acknowledged f0 is not the latest (lost), %,d stale"
                + " reads, %,d errors; %,d values written live; %d freshness rows",
            lost,
            stale.sum(),
            errors.sum(),
            valuesWritten.sum(),
            reports.size()));
  }

  // ---------------------------------------------------------------- measuring

  private <T> void timed(String what, java.util.function.Supplier<T> call) {
    long t = System.nanoTime();
    try {
      var unused = call.get();
    } catch (RuntimeException ex) {
      errors.increment();
      log(what + " failed: " + ex);
      return;
    }
    record(what, System.nanoTime() - t);
  }

  private void record(String what, long nanos) {
    recorders.computeIfAbsent(what, k -> new Recorder()).add(nanos);
  }

  private void report() {
    log(
        String.format(
            Locale.ROOT,
            "longest window with no write acknowledged: %.3f s",
            longestGapNanos.get() / 1e9));
    log(
        String.format(
            Locale.ROOT,
            "windows of %d ms or more with no write acknowledged: %d %s",
            STALL_NANOS / 1_000_000,
            stalls.size(),
            stalls));
    log(
        String.format(
            Locale.ROOT,
            "%-34s %9s %9s %9s %9s %9s",
            "what",
            "count",
            "p50 ms",
            "p99 ms",
            "max ms",
            "mean ms"));
    recorders.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> log(e.getValue().line(e.getKey())));
  }

  /** Latencies of one kind of call; kept whole (a few million longs at most). */
  private static final class Recorder {
    private long[] nanos = new long[1024];
    private int n;

    synchronized void add(long v) {
      if (n == nanos.length) {
        nanos = Arrays.copyOf(nanos, n * 2);
      }
      nanos[n++] = v;
    }

    synchronized String line(String what) {
      long[] sorted = Arrays.copyOf(nanos, n);
      Arrays.sort(sorted);
      double sum = 0;
      for (long v : sorted) {
        sum += v;
      }
      return String.format(
          Locale.ROOT,
          "%-34s %,9d %9.2f %9.2f %9.1f %9.2f",
          what,
          n,
          pct(sorted, 0.50),
          pct(sorted, 0.99),
          n == 0 ? 0 : sorted[n - 1] / 1e6,
          n == 0 ? 0 : sum / n / 1e6);
    }

    private static double pct(long[] sorted, double p) {
      return sorted.length == 0
          ? 0
          : sorted[(int) Math.min(sorted.length - 1, p * sorted.length)] / 1e6;
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String uptime() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void log(String line) {
    System.out.println(Instant.now() + " " + line);
  }
}
