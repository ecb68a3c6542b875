package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.testing.CollectingSink;
import io.e2i.featurestore.testing.InMemoryBackend;
import io.e2i.featurestore.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Point-in-time correct training data, run against every backend that supports it: edge cases,
 * reproducibility with as_of, and a randomized comparison with the brute-force oracle of {@link
 * InMemoryBackend}.
 */
public abstract class PointInTimeContract {
  protected static final Instant T0 = Instant.parse("2025-12-18T00:00:00Z");
  protected final MutableClock clock = new MutableClock(T0.plus(Duration.ofDays(30)));
  protected FeatureStore store;

  protected abstract FeatureStore open(Clock clock);

  @BeforeEach
  void openStore() {
    store = open(clock);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static void define(FeatureStore fs) {
    fs.createFeatureGroup(FeatureGroup.builder("hcp").maxAgeHours(48).build());
    fs.createFeature(new FeatureSpec("hcp", "trx", ValueType.INT64, List.of("hcp_id")));
    fs.createFeature(new FeatureSpec("hcp", "specialty", ValueType.STRING, List.of("hcp_id")));
    fs.createFeatureGroup(FeatureGroup.builder("affinity").build());
    fs.createFeature(
        new FeatureSpec("affinity", "score", ValueType.FLOAT64, List.of("hcp_id", "brand_id")));
  }

  private static PitQuery.Spine spine(Object[]... rows) {
    return new PitQuery.Spine.Rows(
        List.of("hcp_id", "brand_id", "ts", "label"), "ts", Arrays.asList(rows));
  }

  private static Object[] row(String hcp, String brand, Instant ts, Object label) {
    return new Object[] {hcp, brand, ts, label};
  }

  private CollectingSink run(TrainingDataRequest request) {
    CollectingSink sink = new CollectingSink();
    store.getTrainingData(request, sink);
    return sink;
  }

  private void write(String group, String feature, Map<String, ?> entity, Object v, Instant ts) {
    store.writeFeatureValue(new FeatureWrite(feature, entity, v, ts, group));
  }

  @Test
  void edgeCases() {
    define(store);
    Map<String, String> h1 = Map.of("hcp_id", "H1");
    write("hcp", "trx", h1, 1, T0);
    write("hcp", "trx", h1, 2, T0.plus(Duration.ofHours(10)));
    write("hcp", "specialty", h1, "Onc", T0);
    write("affinity", "score", Map.of("hcp_id", "H1", "brand_id", "B1"), 0.5, T0);
    write("affinity", "score", Map.of("hcp_id", "H1", "brand_id", "B2"), 0.9, T0);

    CollectingSink out =
        run(
            new TrainingDataRequest(
                spine(
                    row("H1", "B1", T0.minusSeconds(1), "before-any"),
                    row("H1", "B1", T0, "exactly-at"),
                    row("H1", "B2", T0.plus(Duration.ofHours(10)), "second-exactly"),
                    row("H1", "B1", T0.plus(Duration.ofHours(48)), "max-age-edge"),
                    row("H1", "B1", T0.plus(Duration.ofHours(48)).plusNanos(1000), "past-max-age"),
                    row("H1", "B1", T0.plus(Duration.ofHours(58)).plusNanos(1000), "trx-expired"),
                    row("NOBODY", "B1", T0.plus(Duration.ofHours(1)), "missing")),
                List.of("hcp:trx", "hcp:specialty", "affinity:score")));
    assertThat(out.columns)
        .containsExactly("hcp_id", "brand_id", "ts", "label", "trx", "specialty", "score");
    assertThat(out.rows)
        .extracting(r -> r.subList(3, 7))
        .containsExactly(
            Arrays.asList("before-any", null, null, null),
            Arrays.asList("exactly-at", 1L, "Onc", 0.5),
            Arrays.asList("second-exactly", 2L, "Onc", 0.9),
            Arrays.asList("max-age-edge", 2L, "Onc", 0.5),
            Arrays.asList("past-max-age", 2L, null, 0.5),
            Arrays.asList("trx-expired", null, null, 0.5),
            Arrays.asList("missing", null, null, null));
    assertThat(out.rows.get(1).get(0)).isEqualTo("H1");
  }

  @Test
  void tiesGoToTheLatestWrittenAndAsOfIgnoresLaterWrites() {
    define(store);
    Map<String, String> h1 = Map.of("hcp_id", "H1");
    write("hcp", "trx", h1, 1, T0);
    Instant firstBuild = clock.instant();
    clock.advance(Duration.ofHours(1));
    write("hcp", "trx", h1, 100, T0); // correction of the same triple
    write("hcp", "trx", h1, 5, T0.plusSeconds(30)); // late data
    PitQuery.Spine spine = spine(row("H1", "B1", T0.plusSeconds(60), "x"));

    assertThat(run(new TrainingDataRequest(spine, List.of("hcp:trx"))).rows.getFirst().get(4))
        .isEqualTo(5L);
    assertThat(
            run(new TrainingDataRequest(spine, List.of("hcp:trx"), firstBuild, null))
                .rows
                .getFirst()
                .get(4))
        .isEqualTo(1L);
    PitQuery.Spine atT0 = spine(row("H1", "B1", T0, "x"));
    assertThat(run(new TrainingDataRequest(atT0, List.of("hcp:trx"))).rows.getFirst().get(4))
        .isEqualTo(100L);
  }

  @Test
  void savedTrainingSetsRerunIdenticallyAfterLateData() {
    define(store);
    Map<String, String> h1 = Map.of("hcp_id", "H1");
    write("hcp", "trx", h1, 1, T0);
    PitQuery.Spine spine = spine(row("H1", "B1", T0.plusSeconds(60), "x"));
    CollectingSink first = new CollectingSink();
    TrainingSetDefinition saved =
        store.getTrainingData(
            new TrainingDataRequest(spine, List.of("hcp:trx"), null, "churn_v1"), first);
    assertThat(saved.featureRefs()).containsExactly("hcp:trx@1");
    assertThat(saved.asOf()).isEqualTo(clock.instant());
    TrainingSetDefinition future =
        store.getTrainingData(
            new TrainingDataRequest(
                spine, List.of("hcp:trx"), clock.instant().plus(Duration.ofDays(365)), null),
            new CollectingSink());
    assertThat(future.asOf()).as("a future as_of is pinned to now").isEqualTo(clock.instant());

    clock.advance(Duration.ofHours(1));
    write("hcp", "trx", h1, 7, T0.plusSeconds(30));
    store.updateFeature(new FeatureSpec("hcp", "trx", ValueType.FLOAT64, List.of("hcp_id")));

    CollectingSink again = new CollectingSink();
    store.rerunTrainingSet("churn_v1", again);
    assertThat(again.columns).isEqualTo(first.columns);
    assertThat(again.rows).isEqualTo(first.rows);
    assertThat(store.listTrainingSets())
        .extracting(TrainingSetDefinition::name)
        .contains("churn_v1");
    assertThatThrownBy(() -> store.rerunTrainingSet("nope", new CollectingSink()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void pinnedVersionsAndBadRequests() {
    define(store);
    write("hcp", "trx", Map.of("hcp_id", "H1"), 1, T0);
    store.updateFeature(new FeatureSpec("hcp", "trx", ValueType.FLOAT64, List.of("hcp_id")));
    write("hcp", "trx", Map.of("hcp_id", "H1"), 1.5, T0);
    PitQuery.Spine spine = spine(row("H1", "B1", T0.plusSeconds(1), "x"));
    assertThat(run(new TrainingDataRequest(spine, List.of("hcp:trx@1"))).rows.getFirst().get(4))
        .isEqualTo(1L);
    assertThat(run(new TrainingDataRequest(spine, List.of("hcp:trx"))).rows.getFirst().get(4))
        .isEqualTo(1.5);
    assertThatThrownBy(() -> run(new TrainingDataRequest(spine, List.of("hcp:nope"))))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("nope");
    PitQuery.Spine noKeys =
        new PitQuery.Spine.Rows(List.of("ts"), "ts", List.<Object[]>of(new Object[] {T0}));
    assertThatThrownBy(() -> run(new TrainingDataRequest(noKeys, List.of("hcp:trx"))))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("hcp_id");
    PitQuery.Spine badTs = spine(row("H1", "B1", null, "x"));
    assertThatThrownBy(() -> run(new TrainingDataRequest(badTs, List.of("hcp:trx"))))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("row 1");
  }

  @Test
  void randomizedAgainstTheBruteForceOracle() {
    InMemoryBackend oracleBackend = new InMemoryBackend();
    MutableClock oracleClock = new MutableClock(clock.instant());
    try (FeatureStore oracle =
        FeatureStores.builder()
            .registry(oracleBackend)
            .offlineStore(oracleBackend)
            .clock(oracleClock)
            .build()) {
      define(store);
      define(oracle);
      Random random = new Random(42);
      List<Instant> buildTimes = new ArrayList<>();
      for (int batch = 0; batch < 6; batch++) {
        List<FeatureWrite> writes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          String hcp = "H" + random.nextInt(40);
          Instant ts = T0.plus(Duration.ofMinutes(random.nextInt(60 * 24 * 6)));
          switch (random.nextInt(3)) {
            case 0 ->
                writes.add(
                    new FeatureWrite(
                        "trx",
                        Map.of("hcp_id", hcp),
                        random.nextInt(5) == 0 ? null : (long) random.nextInt(1000),
                        ts,
                        "hcp"));
            case 1 ->
                writes.add(
                    new FeatureWrite(
                        "specialty", Map.of("hcp_id", hcp), "S" + random.nextInt(5), ts, "hcp"));
            default ->
                writes.add(
                    new FeatureWrite(
                        "score",
                        Map.of("hcp_id", hcp, "brand_id", "B" + random.nextInt(3)),
                        random.nextDouble(),
                        ts,
                        "affinity"));
          }
        }
        store.writeBatchFeatures(writes);
        oracle.writeBatchFeatures(writes);
        buildTimes.add(clock.instant());
        clock.advance(Duration.ofMinutes(7));
        oracleClock.advance(Duration.ofMinutes(7));
      }
      List<Object[]> rows = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        rows.add(
            row(
                "H" + random.nextInt(45),
                "B" + random.nextInt(3),
                T0.plus(Duration.ofMinutes(random.nextInt(60 * 24 * 7))),
                i));
      }
      PitQuery.Spine spine =
          new PitQuery.Spine.Rows(List.of("hcp_id", "brand_id", "ts", "label"), "ts", rows);
      List<String> refs = List.of("hcp:trx", "hcp:specialty", "affinity:score");
      for (Instant asOf : List.of(buildTimes.get(2), clock.instant())) {
        CollectingSink expected = new CollectingSink();
        oracle.getTrainingData(new TrainingDataRequest(spine, refs, asOf, null), expected);
        CollectingSink actual = run(new TrainingDataRequest(spine, refs, asOf, null));
        assertThat(actual.columns).isEqualTo(expected.columns);
        assertThat(actual.rows).hasSize(3000);
        for (int i = 0; i < expected.rows.size(); i++) {
          assertThat(actual.rows.get(i))
              .as("row %d as of %s", i, asOf)
              .isEqualTo(expected.rows.get(i));
        }
        long filled = expected.rows.stream().filter(r -> r.get(4) != null).count();
        assertThat(filled).as("the oracle found values to compare").isGreaterThan(500);
      }
    }
  }
}
