package io.e2i.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  @TempDir Path dir;

  private static void define(FeatureStore fs) {
    fs.createFeatureGroup(
        FeatureGroup.builder("hcp").expectedUpdateFrequencyHours(24).maxAgeHours(720).build());
    fs.createFeature(new FeatureSpec("hcp", "trx", ValueType.INT64, List.of("hcp_id")));
    fs.createFeature(new FeatureSpec("hcp", "specialty", ValueType.STRING, List.of("hcp_id")));
  }

  private static Map<String, Object> read(FeatureStore fs, String hcp) {
    return fs.getEntityFeatures(
            new OnlineRequest(Map.of("hcp_id", hcp), "hcp", List.of(), false, null))
        .features();
  }

  @Test
  void openedThroughTheConfigItSurvivesARestart() {
    try (FeatureStore fs = FeatureStores.open(FeatureStoreConfig.embedded(dir.toString()))) {
      define(fs);
      List<FeatureWrite> writes = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        writes.add(new FeatureWrite("trx", Map.of("hcp_id", "H" + i), (long) i, T0, "hcp"));
      }
      fs.writeBatchFeatures(writes);
      fs.writeFeatureValue(new FeatureWrite("trx", Map.of("hcp_id", "H7"), 70L, T0, "hcp"));
      fs.writeFeatureValue(
          new FeatureWrite("specialty", Map.of("hcp_id", "H7"), "Oncology", T0, "hcp"));
    }
    assertThat(dir.resolve("featurestore.duckdb")).exists();
    try (FeatureStore fs = EmbeddedFeatureStore.open(dir)) {
      assertThat(fs.listFeatures("hcp")).hasSize(2);
      assertThat(read(fs, "H7")).containsEntry("trx", 70L).containsEntry("specialty", "Oncology");
      assertThat(read(fs, "H999")).containsEntry("trx", 999L);
      assertThat(fs.getHistoricalFeatures(Map.of("hcp_id", "H7"), List.of("trx"), null, null))
          .singleElement()
          .satisfies(v -> assertThat(v.value()).isEqualTo(70L));
      // Written after the restart, read back: the write sequence carried on past the old rows.
      fs.writeFeatureValue(new FeatureWrite("trx", Map.of("hcp_id", "H7"), 71L, T0, "hcp"));
      assertThat(read(fs, "H7")).containsEntry("trx", 71L);
    }
  }

  @Test
  void urlForms() {
    EmbeddedBackendProvider p = new EmbeddedBackendProvider();
    assertThat(p.supportsOffline("embedded")).isTrue();
    assertThat(p.supportsOffline("embedded:./data")).isTrue();
    assertThat(p.supportsOffline("postgresql://x")).isFalse();
    assertThat(EmbeddedBackendProvider.dataDir("embedded")).isEqualTo(Path.of("data"));
    assertThat(EmbeddedBackendProvider.dataDir("embedded:/tmp/x")).isEqualTo(Path.of("/tmp/x"));
    assertThat(EmbeddedBackendProvider.dataDir("embedded:///tmp/x")).isEqualTo(Path.of("/tmp/x"));
    assertThatThrownBy(() -> EmbeddedBackendProvider.dataDir("embedded:"))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("names no folder");
  }

  @Test
  void aFolderThatIsAFileIsReportedClearly() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    assertThatThrownBy(() -> EmbeddedFeatureStore.open(file))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("not-a-dir");
  }

  @Test
  void aFailureMidBatchWritesNothingEvenAfterARestart() {
    UUID feature = UUID.randomUUID();
    List<ValueRow> rows = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      rows.add(new ValueRow(feature, EntityKey.of("hcp_id", "H" + i), (long) i, T0));
    }
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store();
    try {
      store.write(rows.subList(0, 1), T0); // one committed row before the failed batch
      store.beforeRow =
          i -> {
            if (i == 4000) {
              throw new IllegalStateException("disk on fire");
            }
          };
      assertThatThrownBy(() -> store.write(rows, T0.plusSeconds(1)))
          .hasMessageContaining("disk on fire");
      store.beforeRow = null;
      assertNothingBut(store, feature, 1);
    } finally {
      store.close();
      backend.registry().close();
    }
    OfflineBackend again = EmbeddedBackendProvider.open(dir);
    try {
      DuckDbOfflineStore reopened = (DuckDbOfflineStore) again.store();
      assertNothingBut(reopened, feature, 1);
      reopened.write(rows, T0.plusSeconds(2));
      assertThat(reopened.statistics(feature, ValueType.INT64, T0).count()).isEqualTo(5000);
    } finally {
      again.store().close();
      again.registry().close();
    }
  }

  private static void assertNothingBut(DuckDbOfflineStore store, UUID feature, long count) {
    assertThat(store.statistics(feature, ValueType.INT64, T0).count()).isEqualTo(count);
    assertThat(store.latest(EntityKey.of("hcp_id", "H0"), List.of(feature), null, null))
        .containsKey(feature);
    assertThat(store.latest(EntityKey.of("hcp_id", "H1"), List.of(feature), null, null)).isEmpty();
    assertThat(store.history(EntityKey.of("hcp_id", "H1"), List.of(feature), null, null)).isEmpty();
    store.awaitIndex();
    assertThat(store.indexedEntities()).isEqualTo((int) count);
  }

  /**
   * While the latest-value index loads in the background, online reads come from DuckDB and writes
   * are not held up; afterwards the index holds both what was stored and what was written
   * meanwhile.
   */
  @Test
  void readsAndWritesDuringTheIndexLoadAreCorrect() throws Exception {
    UUID feature = UUID.randomUUID();
    store(new ValueRow(feature, e("A"), 1L, T0), new ValueRow(feature, e("B"), 2L, T0));
    CountDownLatch release = new CountDownLatch(1);
    OfflineBackend again = openWithIndexLoadHeldBy(release);
    DuckDbOfflineStore store = (DuckDbOfflineStore) again.store();
    try {
      assertThat(store.indexedEntities()).isZero();
      assertThat(store.describe()).contains("index loading");
      assertThat(store.latest(e("A"), List.of(feature), null, null).get(feature).valueJson())
          .isEqualTo("1");
      store.write(List.of(new ValueRow(feature, e("A"), 3L, T0.plusSeconds(1))), T0.plusSeconds(5));
      store.write(List.of(new ValueRow(feature, e("C"), 4L, T0)), T0.plusSeconds(5));
      assertThat(store.latest(e("A"), List.of(feature), null, null).get(feature).valueJson())
          .isEqualTo("3");
      assertThat(store.latest(e("D"), List.of(feature), null, null)).isEmpty();
      release.countDown();
      store.awaitIndex();
      assertThat(store.indexedEntities()).isEqualTo(3);
      assertThat(store.describe()).doesNotContain("index");
      assertThat(store.latest(e("A"), List.of(feature), null, null).get(feature).valueJson())
          .isEqualTo("3");
      assertThat(store.latest(e("B"), List.of(feature), null, null).get(feature).valueJson())
          .isEqualTo("2");
      assertThat(store.latest(e("C"), List.of(feature), null, null).get(feature).valueJson())
          .isEqualTo("4");
      // The monitor's counts hold what was loaded and what was written meanwhile, once each.
      assertThat(
              store.freshness(
                  List.of(new FreshnessRule(feature, Duration.ofHours(1), null)),
                  T0.plus(Duration.ofHours(1)).plusMillis(500)))
          .containsExactly(new FreshnessCounts(feature, 3, 1, 2, 0, T0.plusSeconds(1)));
    } finally {
      DuckDbOfflineStore.beforeIndexLoad = () -> {};
      release.countDown();
      store.close();
      again.registry().close();
    }
  }

  @Test
  void closingDuringTheIndexLoadStopsTheLoader() throws Exception {
    store(new ValueRow(UUID.randomUUID(), e("A"), 1L, T0));
    CountDownLatch release = new CountDownLatch(1);
    OfflineBackend again = openWithIndexLoadHeldBy(release);
    DuckDbOfflineStore store = (DuckDbOfflineStore) again.store();
    try {
      Thread closer = Thread.ofPlatform().start(store::close);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!store.isClosed() && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      release.countDown();
      closer.join(10_000);
      assertThat(closer.isAlive()).isFalse();
      assertThat(store.indexedEntities()).as("the loader stopped before reading").isZero();
    } finally {
      DuckDbOfflineStore.beforeIndexLoad = () -> {};
      release.countDown();
      again.registry().close();
    }
  }

  /** Writes the rows into the store folder and closes it again. */
  private void store(ValueRow... rows) {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    try {
      backend.store().write(List.of(rows), T0);
    } finally {
      backend.store().close();
      backend.registry().close();
    }
  }

  /** Opens the store folder with its index load waiting for {@code release}. */
  private OfflineBackend openWithIndexLoadHeldBy(CountDownLatch release) {
    DuckDbOfflineStore.beforeIndexLoad = () -> await(release);
    return EmbeddedBackendProvider.open(dir);
  }

  private static EntityKey e(String id) {
    return EntityKey.of("hcp_id", id);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void writersAndReadersOnSeveralThreads() throws Exception {
    try (FeatureStore fs = EmbeddedFeatureStore.open(dir)) {
      define(fs);
      int writers = 3;
      int batches = 30;
      int entities = 20;
      ExecutorService pool = Executors.newFixedThreadPool(writers + 3);
      AtomicBoolean done = new AtomicBoolean();
      // Per writer, the last batch acknowledged (-1: none yet).
      java.util.concurrent.atomic.AtomicLongArray acked =
          new java.util.concurrent.atomic.AtomicLongArray(writers);
      for (int w = 0; w < writers; w++) {
        acked.set(w, -1);
      }
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(
            pool.submit(
                () -> {
                  for (int b = 0; b < batches; b++) {
                    List<FeatureWrite> writes = new ArrayList<>();
                    for (int e = 0; e < entities; e++) {
                      // Event time grows with b, so the latest value of each entity only grows.
                      writes.add(
                          new FeatureWrite(
                              "trx",
                              Map.of("hcp_id", "W" + writer + "-" + e),
                              (long) b,
                              T0.plusSeconds(b),
                              "hcp"));
                    }
                    fs.writeBatchFeatures(writes);
                    acked.set(writer, b); // acknowledged: no read may return less from now on
                  }
                  return null;
                }));
      }
      // Per entity, the highest value a finished read returned (any reader, cached or not).
      java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> seenMax =
          new java.util.concurrent.ConcurrentHashMap<>();
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        readers.add(
            pool.submit(
                () -> {
                  java.util.Random random = new java.util.Random();
                  // DESIGN.md's promise: no read returns a value older than a write acknowledged
                  // before it began (read-your-writes), cached or not. And reads are monotonic,
                  // also while a write is in flight: no read returns a value older than one any
                  // reader (this one or another, cached or not) returned before it began.
                  while (!done.get()) {
                    int writer = random.nextInt(writers);
                    String hcp = "W" + writer + "-" + random.nextInt(entities);
                    long floor = acked.get(writer);
                    java.util.concurrent.atomic.AtomicLong max =
                        seenMax.computeIfAbsent(
                            hcp, k -> new java.util.concurrent.atomic.AtomicLong(-1));
                    long seenBefore = max.get();
                    boolean cache = random.nextBoolean();
                    Object v =
                        fs.getEntityFeatures(
                                new OnlineRequest(
                                    Map.of("hcp_id", hcp), "hcp", List.of("trx"), cache, null))
                            .features()
                            .get("trx");
                    if (v == null) {
                      assertThat(floor)
                          .as("%s unread after batch %d was acknowledged", hcp, floor)
                          .isEqualTo(-1);
                    } else {
                      long seen = (Long) v;
                      assertThat(seen)
                          .as("%s read %s older than acknowledged batch %d", hcp, seen, floor)
                          .isGreaterThanOrEqualTo(floor);
                      assertThat(seen)
                          .as(
                              "%s read %s (%s) after a finished read returned %d",
                              hcp, seen, cache ? "cached" : "uncached", seenBefore)
                          .isGreaterThanOrEqualTo(seenBefore);
                      max.accumulateAndGet(seen, Math::max);
                    }
                    fs.getHistoricalFeatures(Map.of("hcp_id", hcp), List.of("trx"), null, null);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      done.set(true);
      for (Future<?> f : readers) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      for (int w = 0; w < writers; w++) {
        for (int e = 0; e < entities; e++) {
          assertThat(read(fs, "W" + w + "-" + e)).containsEntry("trx", (long) batches - 1);
          assertThat(
                  fs.getHistoricalFeatures(
                      Map.of("hcp_id", "W" + w + "-" + e), List.of("trx"), null, null))
              .hasSize(batches);
        }
      }
    }
  }

  @Test
  void statisticsOfKnownNumbers() {
    UUID feature = UUID.randomUUID();
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store()) {
      List<ValueRow> rows = new ArrayList<>();
      rows.add(new ValueRow(feature, EntityKey.of("hcp_id", "H1"), 999L, T0)); // superseded
      for (long i = 1; i <= 100; i++) {
        rows.add(new ValueRow(feature, EntityKey.of("hcp_id", "H" + i), i, T0));
      }
      rows.add(new ValueRow(feature, EntityKey.of("hcp_id", "H0"), null, T0));
      store.write(rows, T0);
      FeatureStatistics s = store.statistics(feature, ValueType.INT64, T0);
      assertThat(s.count()).isEqualTo(101);
      assertThat(s.nulls()).isEqualTo(1);
      assertThat(s.distinct()).isEqualTo(100);
      assertThat(s.min()).isEqualTo(1.0);
      assertThat(s.max()).isEqualTo(100.0);
      assertThat(s.mean()).isCloseTo(50.5, within(1e-9));
      assertThat(s.stddev()).isCloseTo(29.011491975882016, within(1e-9));
      assertThat(s.p50()).isCloseTo(50.5, within(1e-9));
      assertThat(s.p90()).isCloseTo(90.1, within(1e-9));
      assertThat(s.p99()).isCloseTo(99.01, within(1e-9));
      assertThat(s.topValues()).isEmpty();
      assertThat(s.histogram()).hasSize(10).allSatisfy(b -> assertThat(b.count()).isEqualTo(10));
      assertThat(s.histogram().getFirst().lower()).isEqualTo(1.0);
      assertThat(s.histogram().getLast().upper()).isEqualTo(100.0);
      assertThat(s.computedAt()).isEqualTo(T0);
    } finally {
      backend.registry().close();
    }
  }

  @Test
  void statisticsOfStringsAndBools() {
    UUID names = UUID.randomUUID();
    UUID flags = UUID.randomUUID();
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store()) {
      List<ValueRow> rows = new ArrayList<>();
      String[] specialties = {"Onc", "Onc", "Onc", "Card", "Card", "Derm"};
      for (int i = 0; i < specialties.length; i++) {
        rows.add(new ValueRow(names, EntityKey.of("hcp_id", "H" + i), specialties[i], T0));
        rows.add(new ValueRow(flags, EntityKey.of("hcp_id", "H" + i), i % 3 == 0, T0));
      }
      store.write(rows, T0);
      FeatureStatistics s = store.statistics(names, ValueType.STRING, T0);
      assertThat(s.count()).isEqualTo(6);
      assertThat(s.distinct()).isEqualTo(3);
      assertThat(s.mean()).isNull();
      assertThat(s.histogram()).isEmpty();
      assertThat(s.topValues())
          .containsExactly(
              new FeatureStatistics.ValueCount("Onc", 3),
              new FeatureStatistics.ValueCount("Card", 2),
              new FeatureStatistics.ValueCount("Derm", 1));
      assertThat(store.statistics(flags, ValueType.BOOL, T0).topValues())
          .containsExactly(
              new FeatureStatistics.ValueCount("false", 4),
              new FeatureStatistics.ValueCount("true", 2));
      FeatureStatistics none = store.statistics(UUID.randomUUID(), ValueType.FLOAT64, T0);
      assertThat(none.count()).isZero();
      assertThat(none.min()).isNull();
      assertThat(none.histogram()).isEmpty();
    } finally {
      backend.registry().close();
    }
  }

  @Test
  void boundedLatestReadsComeFromTheFile() {
    UUID feature = UUID.randomUUID();
    EntityKey h1 = EntityKey.of("hcp_id", "H1");
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store()) {
      store.write(List.of(new ValueRow(feature, h1, 1L, T0)), T0);
      store.write(List.of(new ValueRow(feature, h1, 2L, T0.plusSeconds(60))), T0.plusSeconds(1));
      store.write(List.of(new ValueRow(feature, h1, 3L, T0)), T0.plusSeconds(2));
      assertThat(value(store.latest(h1, List.of(feature), null, null), feature)).isEqualTo("2");
      assertThat(value(store.latest(h1, List.of(feature), T0.plusSeconds(59), null), feature))
          .isEqualTo("3");
      assertThat(
              value(
                  store.latest(h1, List.of(feature), T0.plusSeconds(59), T0.plusSeconds(1)),
                  feature))
          .isEqualTo("1");
      assertThat(store.latest(h1, List.of(feature), T0.minusSeconds(1), null)).isEmpty();
      assertThat(store.latest(h1, List.of(feature), null, T0.minusSeconds(1))).isEmpty();
      assertThat(store.isHealthy()).isTrue();
      assertThat(store.describe()).contains("featurestore.duckdb");
    } finally {
      backend.registry().close();
    }
  }

  private static String value(Map<UUID, StoredValue> values, UUID feature) {
    return values.get(feature).valueJson();
  }

  @Test
  void freshnessIsPersistedAndSurvivesARestart() {
    try (FeatureStore fs = EmbeddedFeatureStore.open(dir)) {
      define(fs);
      fs.writeFeatureValue(
          new FeatureWrite(
              "trx", Map.of("hcp_id", "H1"), 1L, Instant.now().minus(Duration.ofDays(2)), "hcp"));
      assertThat(fs.updateFreshnessStatus()).isEqualTo(1);
      assertThat(fs.updateFreshnessStatus()).isZero();
    }
  }

  /**
   * Issue 15: the update works from the latest values (a superseded row is not rewritten, the old
   * full-table UPDATE rewrote every row), persists only changes, and the persisted statuses come
   * back with the index after a restart; the monitor counts the latest values only.
   */
  @Test
  void freshnessUpdateRewritesOnlyChangedLatestValues() throws Exception {
    UUID feature = UUID.randomUUID();
    EntityKey h1 = EntityKey.of("hcp_id", "H1");
    EntityKey h2 = EntityKey.of("hcp_id", "H2");
    List<FreshnessRule> rules =
        List.of(new FreshnessRule(feature, Duration.ofHours(24), Duration.ofHours(48)));
    Instant now = T0.plus(Duration.ofHours(30));
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store()) {
      store.write(List.of(new ValueRow(feature, h1, 1L, T0)), T0);
      store.write(List.of(new ValueRow(feature, h1, 2L, T0.plusSeconds(3600))), T0);
      store.write(List.of(new ValueRow(feature, h2, 3L, T0.plusSeconds(7200))), T0);
      assertThat(store.updateFreshness(rules, now)).isEqualTo(2); // not 3: H1's first is superseded
      assertThat(store.updateFreshness(rules, now)).isZero();
      assertThat(store.freshness(rules, now))
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.totalEntities()).isEqualTo(2);
                assertThat(c.stale()).isEqualTo(2);
                assertThat(c.lastEvent()).isEqualTo(T0.plusSeconds(7200));
              });
    } finally {
      backend.registry().close();
    }
    Map<Long, String> statuses = new java.util.TreeMap<>();
    try (var c =
            java.sql.DriverManager.getConnection(
                "jdbc:duckdb:" + dir.resolve(DuckDbDatabase.FILE_NAME));
        var s = c.createStatement();
        var rs =
            s.executeQuery("SELECT seq, coalesce(freshness_status, '-') FROM feature_values")) {
      while (rs.next()) {
        statuses.put(rs.getLong(1), rs.getString(2));
      }
    }
    assertThat(statuses)
        .containsExactly(Map.entry(1L, "-"), Map.entry(2L, "stale"), Map.entry(3L, "stale"));
    OfflineBackend reopened = EmbeddedBackendProvider.open(dir);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) reopened.store()) {
      assertThat(store.updateFreshness(rules, now))
          .isZero(); // the statuses came back with the index
      assertThat(store.updateFreshness(rules, T0.plus(Duration.ofMinutes(49 * 60 + 30))))
          .isEqualTo(1);
    } finally {
      reopened.registry().close();
    }
  }

  /**
   * Issue 15: first statuses go by seq range in SQL, several ranges here (the range is lowered to
   * 64 seqs). Each entity's latest value gets the status the rule gives it as of now, as the index
   * counts it; a feature without a rule keeps none; an update after a restart finds nothing to do;
   * a later change of status (fresh to stale) is persisted as well.
   */
  @Test
  void firstStatusesPersistedByRangeMatchTheRule() throws Exception {
    UUID ruled = UUID.randomUUID();
    UUID unruled = UUID.randomUUID();
    List<FreshnessRule> rules =
        List.of(new FreshnessRule(ruled, Duration.ofHours(24), Duration.ofHours(48)));
    Instant now = T0.plus(Duration.ofHours(60));
    int saved = DuckDbOfflineStore.firstStatusSeqs;
    DuckDbOfflineStore.firstStatusSeqs = 64;
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store()) {
      for (int round = 0; round < 3; round++) {
        List<ValueRow> rows = new ArrayList<>();
        for (int e = round * 50; e < 300; e++) { // entities written again supersede their rows
          Instant event = T0.plus(Duration.ofHours((e * 7L + round * 13L) % 60));
          EntityKey entity = EntityKey.of("hcp_id", "H" + e);
          rows.add(new ValueRow(ruled, entity, (long) e, event));
          rows.add(new ValueRow(unruled, entity, (long) e, event));
        }
        store.write(rows, T0);
      }
      Map<String, FreshnessStatus> latest = new java.util.HashMap<>();
      for (int e = 0; e < 300; e++) {
        EntityKey entity = EntityKey.of("hcp_id", "H" + e);
        StoredValue v = store.latest(entity, List.of(ruled), null, null).get(ruled);
        latest.put(
            entity.canonical(),
            FreshnessStatus.of(
                Duration.between(v.eventTimestamp(), now),
                Duration.ofHours(24),
                Duration.ofHours(48)));
      }
      assertThat(latest.values()).contains(FreshnessStatus.FRESH, FreshnessStatus.STALE);
      assertThat(store.updateFreshness(rules, now)).isEqualTo(300);
      assertThat(store.updateFreshness(rules, now)).isZero();
      Map<String, String> persisted =
          store.db.read(
              c -> {
                Map<String, String> out = new java.util.HashMap<>();
                try (var s = c.createStatement();
                    var rs =
                        s.executeQuery(
                            "SELECT entity, freshness_status, CAST(feature_id AS VARCHAR) = '"
                                + unruled
                                + "' FROM feature_values QUALIFY row_number() OVER (PARTITION BY"
                                + " feature_id, entity ORDER BY event_timestamp DESC, seq DESC)"
                                + " = 1")) {
                  while (rs.next()) {
                    if (rs.getBoolean(3)) {
                      assertThat(rs.getString(2)).as("no rule, no status").isNull();
                    } else {
                      out.put(rs.getString(1), rs.getString(2));
                    }
                  }
                }
                return out;
              });
      Map<String, String> wanted = new java.util.HashMap<>();
      latest.forEach((k, v) -> wanted.put(k, v.wireName()));
      assertThat(persisted).isEqualTo(wanted);
    } finally {
      DuckDbOfflineStore.firstStatusSeqs = saved;
      backend.registry().close();
    }
    OfflineBackend reopened = EmbeddedBackendProvider.open(dir);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) reopened.store()) {
      assertThat(store.updateFreshness(rules, now)).isZero();
      long fresh = latestFresh(store, ruled, now);
      assertThat(fresh).isPositive();
      // A day later every fresh value is stale: changes of a persisted status, by seq.
      assertThat(store.updateFreshness(rules, now.plus(Duration.ofHours(25)))).isGreaterThan(fresh);
    } finally {
      reopened.registry().close();
    }
  }

  private static long latestFresh(DuckDbOfflineStore store, UUID feature, Instant now) {
    return store
        .freshness(
            List.of(new FreshnessRule(feature, Duration.ofHours(24), Duration.ofHours(48))), now)
        .getFirst()
        .fresh();
  }

  /**
   * Group commit (issue 15): calls that queue while another commits are committed together; when
   * one of them fails, each is tried alone, so the failing call fails and the others are written.
   */
  @Test
  void aFailingCallCommittedInAGroupFailsAloneAndTheOthersAreWritten() throws Exception {
    UUID feature = UUID.randomUUID();
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (DuckDbOfflineStore store = (DuckDbOfflineStore) backend.store()) {
      CountDownLatch leaderInside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicBoolean first = new AtomicBoolean(true);
      store.beforeRow =
          i -> {
            if (first.getAndSet(false)) {
              leaderInside.countDown();
              await(release); // the others queue meanwhile
            }
            if (i == 2) {
              throw new IllegalStateException("simulated failure in the 3-row call");
            }
          };
      Future<?> a =
          pool.submit(
              () ->
                  store.write(List.of(new ValueRow(feature, EntityKey.of("id", "A"), 1L, T0)), T0));
      assertThat(leaderInside.await(10, TimeUnit.SECONDS)).isTrue();
      Future<?> b =
          pool.submit(
              () ->
                  store.write(
                      List.of(
                          new ValueRow(feature, EntityKey.of("id", "B"), 1L, T0),
                          new ValueRow(feature, EntityKey.of("id", "B"), 2L, T0.plusSeconds(1)),
                          new ValueRow(feature, EntityKey.of("id", "B"), 3L, T0.plusSeconds(2))),
                      T0));
      Future<?> c =
          pool.submit(
              () ->
                  store.write(List.of(new ValueRow(feature, EntityKey.of("id", "C"), 1L, T0)), T0));
      Thread.sleep(300); // B and C wait for the writer
      release.countDown();
      a.get(10, TimeUnit.SECONDS);
      c.get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> b.get(10, TimeUnit.SECONDS))
          .hasRootCauseMessage("simulated failure in the 3-row call");
      for (String id : List.of("A", "C")) {
        assertThat(store.latest(EntityKey.of("id", id), List.of(feature), null, null))
            .containsKey(feature);
      }
      assertThat(store.history(EntityKey.of("id", "B"), List.of(feature), null, null)).isEmpty();
    } finally {
      pool.shutdownNow();
      backend.registry().close();
    }
  }
}
