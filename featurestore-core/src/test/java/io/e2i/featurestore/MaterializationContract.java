package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.e2i.featurestore.spi.LineageEvents;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.PipelineBackend;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.ValueRow;
import io.e2i.featurestore.testing.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Materialization of computation queries, the same on every backend that can run them: incremental
 * runs over a growing source, backfill idempotence, a failing query writing nothing, and the group
 * lock shared by every instance on the database. A backend test supplies the store, a source table
 * (rows of hcp_id, ts, trx, specialty) and a second instance's lock.
 */
public abstract class MaterializationContract {
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  protected final MutableClock clock = new MutableClock(T0.plus(Duration.ofDays(3)));
  protected FeatureStore store;

  /** Lineage runs the store reported; implementations pass it to the builder's lineageEvents. */
  protected final RecordedRuns lineage = new RecordedRuns();

  /** A store on a fresh database (with an empty source), made by {@link #build}. */
  protected abstract FeatureStore open(Clock clock);

  /**
   * Values per materialization write in these tests: small, so that every run here spans several
   * batches.
   */
  protected static final int BATCH = 7;

  /**
   * Each write the store made to its offline store, the values it wrote: through {@link #build}.
   */
  protected final List<List<ValueRow>> writes = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * The store under test: batches of {@link #BATCH} values, each write recorded in {@link #writes},
   * lineage runs in {@link #lineage}.
   */
  protected FeatureStore build(Registry registry, OfflineStore offline, Clock clock) {
    OfflineStore recorded =
        (OfflineStore)
            Proxy.newProxyInstance(
                OfflineStore.class.getClassLoader(),
                new Class<?>[] {OfflineStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("write") && args != null && args.length == 2) {
                    @SuppressWarnings("unchecked")
                    List<ValueRow> rows = (List<ValueRow>) args[0];
                    writes.add(List.copyOf(rows));
                  }
                  try {
                    return method.invoke(offline, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    return FeatureStores.builder()
        .registry(registry)
        .offlineStore(recorded)
        .clock(clock)
        .lineageEvents(lineage)
        .materializationBatch(BATCH)
        .build();
  }

  /** Appends rows {hcp_id (String), ts (Instant), trx (Long), specialty (String)} to the source. */
  protected abstract void appendSource(List<Object[]> rows);

  /** The source as a relation in the store's SQL dialect. */
  protected abstract String source();

  /** Takes the group's lock from another instance on the same database (null when held). */
  protected abstract PipelineBackend.GroupLock lockElsewhere(String group);

  @BeforeEach
  void openStore() {
    store = open(clock);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  protected static Object[] rx(String hcp, Instant ts, long trx, String specialty) {
    return new Object[] {hcp, ts, trx, specialty};
  }

  protected void defineRx(String group) {
    store.createFeatureGroup(FeatureGroup.builder(group).sourceTable("rx").build());
    store.createFeature(
        FeatureSpec.builder(group, "trx")
            .valueType("int64")
            .entityKeys("hcp_id")
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, trx AS value FROM "
                    + source()
                    + " WHERE ts >= :start AND ts < :end")
            .build());
    store.createFeature(
        FeatureSpec.builder(group, "specialty")
            .valueType("string")
            .entityKeys("hcp_id")
            // No :start/:end: the run's window is enforced outside the query all the same.
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, specialty AS value FROM " + source())
            .build());
  }

  private List<FeatureValue> history(String hcp) {
    return store.getHistoricalFeatures(
        Map.of("hcp_id", hcp), List.of("rx:trx", "rx:specialty"), null, null);
  }

  @Test
  void incrementalRunsOverAGrowingSourceWriteOnlyWhatIsNew() {
    defineRx("rx");
    appendSource(
        List.<Object[]>of(
            rx("H1", T0.plus(Duration.ofDays(1)), 3, "Onc"),
            rx("H2", T0.plus(Duration.ofDays(1)), 5, "Card"),
            rx("H1", T0.plus(Duration.ofDays(2)), 4, "Onc")));
    MaterializationRun first = store.materialize("rx", null, null);
    assertThat(first.status()).isEqualTo(MaterializationRun.Status.SUCCEEDED);
    assertThat(first.kind()).isEqualTo(MaterializationRun.Kind.INCREMENTAL);
    assertThat(first.windowStart()).isNull();
    assertThat(first.windowEnd()).isEqualTo(clock.instant());
    assertThat(first.rows()).isEqualTo(6);
    assertThat(store.getEntityFeatures(Map.of("hcp_id", "H1"), "rx").features())
        .containsEntry("trx", 4L)
        .containsEntry("specialty", "Onc");

    // The source grows, and a row lands beyond "now": it waits for the run whose window has it.
    appendSource(
        List.<Object[]>of(
            rx("H1", T0.plus(Duration.ofDays(4)), 9, "Onc"),
            rx("H3", T0.plus(Duration.ofDays(4)), 1, "Derm"),
            rx("H3", T0.plus(Duration.ofDays(9)), 2, "Derm")));
    clock.advance(Duration.ofDays(2));
    MaterializationRun second = store.materialize("rx", null, null);
    assertThat(second.windowStart()).isEqualTo(first.windowEnd());
    assertThat(second.rows()).as("only the two new rows, for two features").isEqualTo(4);
    assertThat(store.getEntityFeatures(Map.of("hcp_id", "H1"), "rx").features())
        .containsEntry("trx", 9L);
    assertThat(history("H1")).hasSize(6);

    MaterializationRun nothingNew = store.materialize("rx", null, null);
    assertThat(nothingNew.rows()).isZero();
    assertThat(store.materializations("rx", 10))
        .extracting(MaterializationRun::id)
        .containsExactly(nothingNew.id(), second.id(), first.id());
    assertThat(store.materializations(null, 10)).hasSize(3);
  }

  @Test
  void backfillingAWindowAgainChangesNothing() {
    defineRx("rx");
    List<Object[]> rows = new ArrayList<>();
    for (int day = 0; day < 3; day++) {
      for (int h = 0; h < 5; h++) {
        rows.add(rx("H" + h, T0.plus(Duration.ofHours(day * 24L + h)), day * 10L + h, "S" + h));
      }
    }
    appendSource(rows);
    Instant start = T0;
    Instant end = T0.plus(Duration.ofDays(2));
    MaterializationRun once = store.materialize("rx", start, end);
    assertThat(once.kind()).isEqualTo(MaterializationRun.Kind.BACKFILL);
    assertThat(once.rows()).isEqualTo(2 * 10);
    List<List<FeatureValue>> before = new ArrayList<>();
    for (int h = 0; h < 5; h++) {
      before.add(history("H" + h));
    }
    clock.advance(Duration.ofMinutes(5));
    MaterializationRun twice = store.materialize("rx", start, end);
    assertThat(twice.rows()).isEqualTo(once.rows());
    for (int h = 0; h < 5; h++) {
      assertThat(values(history("H" + h))).isEqualTo(values(before.get(h)));
    }
    // A backfill does not move the watermark: the next incremental run starts from the beginning.
    MaterializationRun incremental = store.materialize("rx", null, null);
    assertThat(incremental.windowStart()).isNull();
    assertThat(incremental.rows()).isEqualTo(2 * 15);
    assertThat(values(history("H0"))).hasSize(6);
  }

  /** Value, event time and feature of each historical value: what a re-run must not change. */
  private static List<List<Object>> values(List<FeatureValue> history) {
    return history.stream()
        .map(v -> List.<Object>of(v.featureName(), v.eventTimestamp(), String.valueOf(v.value())))
        .toList();
  }

  @Test
  void aFailingQueryMidGroupWritesNothingAndNamesTheFeature() {
    defineRx("rx");
    store.createFeature(
        FeatureSpec.builder("rx", "broken")
            .valueType("float64")
            .entityKeys("hcp_id")
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, no_such_column AS value FROM " + source())
            .build());
    appendSource(List.<Object[]>of(rx("H1", T0.plus(Duration.ofDays(1)), 3, "Onc")));
    assertThatThrownBy(() -> store.materialize("rx", null, null))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("rx:broken")
        .hasMessageContaining("no_such_column")
        .hasMessageContaining("nothing was written")
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT);
    assertThat(history("H1")).isEmpty();
    MaterializationRun failed = store.materializations("rx", 1).getFirst();
    assertThat(failed.status()).isEqualTo(MaterializationRun.Status.FAILED);
    assertThat(failed.error()).contains("rx:broken");

    // A value of the wrong type fails the whole run the same way, through the write path.
    store.updateFeature(
        FeatureSpec.builder("rx", "broken")
            .valueType("float64")
            .entityKeys("hcp_id")
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, specialty AS value FROM " + source())
            .build());
    assertThatThrownBy(() -> store.materialize("rx", null, null))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("broken")
        .hasMessageContaining("Onc");
    assertThat(history("H1")).isEmpty();
    // A failed run does not move the watermark.
    store.updateFeature(
        FeatureSpec.builder("rx", "broken")
            .valueType("float64")
            .entityKeys("hcp_id")
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, trx * 1.5 AS value FROM " + source())
            .build());
    MaterializationRun ok = store.materialize("rx", null, null);
    assertThat(ok.windowStart()).isNull();
    assertThat(ok.rows()).isEqualTo(3);
    assertThat(store.getEntityFeatures(Map.of("hcp_id", "H1"), "rx").features())
        .containsEntry("broken", 4.5);
  }

  /** 60 prescriptions, all before the clock's "now": H0..H19 on each of 3 days. */
  private void appendSixty() {
    List<Object[]> rows = new ArrayList<>();
    for (int day = 0; day < 3; day++) {
      for (int h = 0; h < 20; h++) {
        rows.add(rx("H" + h, T0.plus(Duration.ofHours(day * 24L + h)), day * 100L + h, "S" + h));
      }
    }
    appendSource(rows);
  }

  private int storedValues() {
    int n = 0;
    for (int h = 0; h < 20; h++) {
      n += history("H" + h).size();
    }
    return n;
  }

  /**
   * A run of 120 values in batches of 7: 18 writes, none over the batch (the run does not hold its
   * values until the end), every value written exactly once, and the record counts them.
   */
  @Test
  void aRunOfManyBatchesWritesEveryValueOnceInBoundedWrites() {
    defineRx("rx");
    appendSixty();
    writes.clear();
    MaterializationRun run = store.materialize("rx", null, null);
    assertThat(run.status()).isEqualTo(MaterializationRun.Status.SUCCEEDED);
    assertThat(run.rows()).isEqualTo(120);
    assertThat(writes).hasSize((120 + BATCH - 1) / BATCH).allMatch(w -> w.size() <= BATCH);
    List<List<Object>> written = new ArrayList<>();
    writes.forEach(
        w -> w.forEach(v -> written.add(List.of(v.featureId(), v.entity(), v.eventTimestamp()))));
    assertThat(written).hasSize(120).doesNotHaveDuplicates();
    assertThat(storedValues()).isEqualTo(120);
    assertThat(store.materializations("rx", 1).getFirst().rows()).isEqualTo(120);
  }

  /**
   * A value rejected after several batches were committed: those batches stay (they were
   * acknowledged), the failing batch writes nothing, and the record and the error say how many
   * values were written. The watermark stays, so the next run writes the whole window again.
   */
  @Test
  void aRunFailingMidwayKeepsItsCommittedBatchesAndSaysSo() {
    defineRx("rx");
    store.createFeature(
        FeatureSpec.builder("rx", "zz_late")
            .valueType("float64")
            .entityKeys("hcp_id")
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, specialty AS value FROM " + source())
            .build());
    appendSixty();
    writes.clear();
    FeatureStoreException thrown =
        catchThrowableOfType(
            FeatureStoreException.class, () -> store.materialize("rx", null, null));
    assertThat(thrown.code()).isEqualTo(FeatureStoreException.Code.TYPE_MISMATCH);
    assertThat(thrown.getMessage())
        .contains("zz_late", "values were written before the failure")
        .doesNotContain("nothing was written", "value #");
    MaterializationRun failed = store.materializations("rx", 1).getFirst();
    assertThat(failed.error()).isEqualTo(thrown.getMessage());
    assertThat(failed.status()).isEqualTo(MaterializationRun.Status.FAILED);
    long committed = writes.stream().mapToLong(List::size).sum();
    // Features run in name order: specialty and trx (120 values) before zz_late, so 17 full
    // batches (119 values) commit and the 18th, the first with a zz_late value, fails.
    assertThat(committed).isEqualTo(119).isEqualTo(failed.rows());
    assertThat(failed.error()).contains(committed + " values were written before the failure");
    assertThat(storedValues()).isEqualTo((int) committed);

    store.updateFeature(
        FeatureSpec.builder("rx", "zz_late")
            .valueType("float64")
            .entityKeys("hcp_id")
            .computationQuery("SELECT hcp_id, ts AS event_timestamp, trx AS value FROM " + source())
            .build());
    MaterializationRun ok = store.materialize("rx", null, null);
    assertThat(ok.windowStart()).as("a failed run does not move the watermark").isNull();
    assertThat(ok.rows()).isEqualTo(180);
    List<FeatureValue> h0 =
        store.getHistoricalFeatures(
            Map.of("hcp_id", "H0"), List.of("rx:trx", "rx:specialty", "rx:zz_late"), null, null);
    assertThat(h0).hasSize(9);
  }

  @Test
  void oneRunPerGroupAcrossInstances() {
    defineRx("rx");
    appendSource(List.<Object[]>of(rx("H1", T0.plus(Duration.ofDays(1)), 3, "Onc")));
    try (PipelineBackend.GroupLock held = lockElsewhere("rx")) {
      assertThat(held).isNotNull();
      assertThatThrownBy(() -> store.materialize("rx", null, null))
          .isInstanceOf(FeatureStoreException.class)
          .hasMessageContaining("already running")
          .extracting(e -> ((FeatureStoreException) e).code())
          .isEqualTo(FeatureStoreException.Code.CONFLICT);
      assertThat(history("H1")).isEmpty();
    }
    assertThat(store.materialize("rx", null, null).rows()).isEqualTo(2);
  }

  @Test
  void badRequests() {
    defineRx("rx");
    store.createFeatureGroup(FeatureGroup.builder("plain").build());
    assertThatThrownBy(() -> store.materialize("plain", null, null))
        .hasMessageContaining("no feature with a computation_query");
    assertThatThrownBy(() -> store.materialize("nope", null, null))
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.NOT_FOUND);
    assertThatThrownBy(() -> store.materialize("rx", T0.plusSeconds(5), T0))
        .hasMessageContaining("window is empty");
  }

  @Test
  void eachRunIsReportedAsALineageRunFromItsSourcesToTheFeatureVersions() {
    defineRx("rx");
    appendSource(List.<Object[]>of(rx("H1", T0.plus(Duration.ofDays(1)), 3, "Onc")));
    MaterializationRun run = store.materialize("rx", null, null);

    assertThat(lineage.runs).hasSize(1);
    LineageEvents.Run reported = lineage.runs.get(0);
    assertThat(reported.runId()).isEqualTo(run.id());
    assertThat(reported.job()).isEqualTo("materialize:rx");
    assertThat(reported.inputs()).isNotEmpty().allMatch(n -> n.startsWith("table:"));
    assertThat(reported.outputs())
        .containsExactlyInAnyOrder("feature:rx:trx@1", "feature:rx:specialty@1");
    assertThat(reported.error()).isNull();

    store.createFeature(
        FeatureSpec.builder("rx", "broken")
            .valueType("int64")
            .entityKeys("hcp_id")
            .computationQuery(
                "SELECT hcp_id, ts AS event_timestamp, no_such AS value FROM " + source())
            .build());
    clock.advance(Duration.ofDays(1));
    assertThatThrownBy(() -> store.materialize("rx", null, null))
        .isInstanceOf(FeatureStoreException.class);
    assertThat(lineage.runs).hasSize(2);
    assertThat(lineage.runs.get(1).error()).contains("rx:broken");
  }

  /** A LineageEvents that keeps what it is given. */
  protected static final class RecordedRuns implements LineageEvents {
    final List<LineageEvents.Run> runs = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void runFinished(LineageEvents.Run run) {
      runs.add(run);
    }

    @Override
    public String describe() {
      return "recorded";
    }
  }
}
