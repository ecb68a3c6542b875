package io.e2i.featurestore.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.TrainingDataRequest;
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
 * On-demand features (CEL) on a real store: online values equal the expression computed by hand,
 * definitions are checked when made, and training data equals a brute-force point-in-time oracle
 * (the in-memory reference backend) with the expression applied by hand to each row's inputs.
 */
abstract class OnDemandContract {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  final MutableClock clock = new MutableClock(T0.plus(Duration.ofDays(10)));
  FeatureStore store;

  abstract FeatureStore open(Clock clock);

  @BeforeEach
  void openStore() {
    store = open(clock);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static void define(FeatureStore fs, boolean onDemand) {
    fs.createFeatureGroup(FeatureGroup.builder("hcp").maxAgeHours(72).build());
    fs.createFeature(
        FeatureSpec.builder("hcp", "trx").valueType("int64").entityKeys("hcp_id").build());
    fs.createFeature(
        FeatureSpec.builder("hcp", "nrx").valueType("int64").entityKeys("hcp_id").build());
    fs.createFeature(
        FeatureSpec.builder("hcp", "specialty").valueType("string").entityKeys("hcp_id").build());
    if (!onDemand) {
      return;
    }
    fs.createFeature(
        FeatureSpec.builder("hcp", "new_share")
            .valueType("float64")
            .entityKeys("hcp_id")
            .expression("trx == 0 ? 0.0 : double(nrx) / double(trx)")
            .build());
    fs.createFeature(
        FeatureSpec.builder("hcp", "weighted_trx")
            .valueType("float64")
            .entityKeys("hcp_id")
            .expression("double(trx) * request.weight")
            .build());
    fs.createFeature(
        FeatureSpec.builder("hcp", "label")
            .valueType("string")
            .entityKeys("hcp_id")
            .expression("specialty + '/' + string(trx)")
            .build());
  }

  private void write(String hcp, String feature, Object value, Instant ts) {
    store.writeBatchFeatures(
        List.of(new FeatureWrite(feature, Map.of("hcp_id", hcp), value, ts, "hcp")));
  }

  @Test
  void onlineValuesEqualTheExpressionByHand() {
    define(store, true);
    write("H1", "trx", 8L, T0.plus(Duration.ofDays(9)));
    write("H1", "nrx", 3L, T0.plus(Duration.ofDays(9)).plusSeconds(60));
    write("H1", "specialty", "Onc", T0.plus(Duration.ofDays(8)));
    write("H2", "trx", 5L, T0.plus(Duration.ofDays(9)));

    EntityFeatures all =
        store.getEntityFeatures(
            new OnlineRequest(Map.of("hcp_id", "H1"), "hcp", List.of(), true, null)
                .withRequestValues(Map.of("weight", 0.5)));
    assertThat(all.features())
        .containsEntry("new_share", 3.0 / 8.0)
        .containsEntry("weighted_trx", 8 * 0.5)
        .containsEntry("label", "Onc/8")
        .containsEntry("trx", 8L);
    assertThat(all.metadata().get("new_share").eventTimestamp())
        .as("the newest input's event time")
        .isEqualTo(T0.plus(Duration.ofDays(9)).plusSeconds(60));
    // From the cache now: the same answer.
    assertThat(
            store
                .getEntityFeatures(
                    new OnlineRequest(Map.of("hcp_id", "H1"), "hcp", List.of(), true, null)
                        .withRequestValues(Map.of("weight", 0.5)))
                .features())
        .isEqualTo(all.features());

    EntityFeatures named =
        store.getEntityFeatures(
            new OnlineRequest(Map.of("hcp_id", "H1"), "hcp", List.of("new_share"), true, null));
    assertThat(named.features())
        .as("inputs read for it are not returned")
        .containsOnlyKeys("new_share");

    EntityFeatures noWeight = store.getEntityFeatures(Map.of("hcp_id", "H1"), "hcp");
    assertThat(noWeight.features()).doesNotContainKey("weighted_trx").containsKey("new_share");
    EntityFeatures missingInput = store.getEntityFeatures(Map.of("hcp_id", "H2"), "hcp");
    assertThat(missingInput.features()).containsOnlyKeys("trx");

    write("H1", "nrx", 4L, T0.plus(Duration.ofDays(9)).plusSeconds(120));
    assertThat(store.getEntityFeatures(Map.of("hcp_id", "H1"), "hcp").features())
        .as("a write of an input changes the computed value at once")
        .containsEntry("new_share", 0.5);
  }

  @Test
  void computedValuesTakeTheirPlaceInNameOrder() {
    define(store, true);
    write("H1", "trx", 8L, T0.plus(Duration.ofDays(9)));
    write("H1", "nrx", 3L, T0.plus(Duration.ofDays(9)));
    write("H1", "specialty", "Onc", T0.plus(Duration.ofDays(9)));
    for (int read = 0; read < 2; read++) { // a load, then a cache hit
      EntityFeatures all =
          store.getEntityFeatures(
              new OnlineRequest(Map.of("hcp_id", "H1"), "hcp", List.of(), true, null)
                  .withRequestValues(Map.of("weight", 2.0f))); // a float: converted for CEL
      assertThat(all.features().keySet())
          .containsExactly("label", "new_share", "nrx", "specialty", "trx", "weighted_trx");
      assertThat(all.metadata().keySet()).containsExactlyElementsOf(all.features().keySet());
      assertThat(all.features()).containsEntry("weighted_trx", 16.0);
    }
    EntityFeatures named =
        store.getEntityFeatures(
            new OnlineRequest(
                    Map.of("hcp_id", "H1"),
                    "hcp",
                    List.of("weighted_trx", "trx", "label"),
                    true,
                    null)
                .withRequestValues(Map.of("weight", 0.25)));
    assertThat(named.features().keySet()).containsExactly("label", "trx", "weighted_trx");
    assertThat(named.features()).containsEntry("weighted_trx", 2.0).containsEntry("label", "Onc/8");
  }

  @Test
  void expressionsAreCheckedWhenDefined() {
    define(store, false);
    assertInvalid("nope * 2", "float64", "nope");
    assertInvalid("trx + 'x'", "float64", "trx");
    assertInvalid("specialty", "int64", "int64");
    assertInvalid("trx +", "int64", "does not compile");
    assertThat(store.getFeature("hcp", "bad")).isEmpty();
    assertThatThrownBy(
            () ->
                store.createFeature(
                    FeatureSpec.builder("hcp", "both")
                        .valueType("int64")
                        .entityKeys("hcp_id")
                        .expression("trx")
                        .computationQuery("SELECT 1")
                        .build()))
        .isInstanceOf(FeatureStoreException.class);
    // An int expression is fine for a float64 feature; an update of the expression is a version.
    store.createFeature(
        FeatureSpec.builder("hcp", "bad")
            .valueType("float64")
            .entityKeys("hcp_id")
            .expression("trx * 2")
            .build());
    assertThat(
            store
                .updateFeature(
                    FeatureSpec.builder("hcp", "bad")
                        .valueType("float64")
                        .entityKeys("hcp_id")
                        .expression("trx * 3")
                        .build())
                .version())
        .isEqualTo(2);
    assertThatThrownBy(
            () ->
                store.updateFeature(
                    FeatureSpec.builder("hcp", "bad")
                        .valueType("float64")
                        .entityKeys("hcp_id")
                        .expression("trx * missing")
                        .build()))
        .hasMessageContaining("missing");
  }

  private void assertInvalid(String expression, String type, String mention) {
    assertThatThrownBy(
            () ->
                store.createFeature(
                    FeatureSpec.builder("hcp", "bad")
                        .valueType(type)
                        .entityKeys("hcp_id")
                        .expression(expression)
                        .build()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("hcp:bad")
        .hasMessageContaining(mention)
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT);
  }

  @Test
  void trainingDataEqualsThePointInTimeOracle() {
    InMemoryBackend backend = new InMemoryBackend();
    try (FeatureStore oracle =
        FeatureStores.builder()
            .registry(backend)
            .offlineStore(backend)
            .clock(new MutableClock(clock.instant()))
            .build()) {
      define(store, true);
      define(oracle, false);
      Random random = new Random(13);
      List<FeatureWrite> writes = new ArrayList<>();
      for (int i = 0; i < 1500; i++) {
        String hcp = "H" + random.nextInt(30);
        Instant ts = T0.plus(Duration.ofMinutes(random.nextInt(60 * 24 * 8)));
        writes.add(
            switch (random.nextInt(3)) {
              case 0 ->
                  new FeatureWrite(
                      "trx", Map.of("hcp_id", hcp), (long) random.nextInt(50), ts, "hcp");
              case 1 ->
                  new FeatureWrite(
                      "nrx", Map.of("hcp_id", hcp), (long) random.nextInt(20), ts, "hcp");
              default ->
                  new FeatureWrite(
                      "specialty", Map.of("hcp_id", hcp), "S" + random.nextInt(4), ts, "hcp");
            });
      }
      store.writeBatchFeatures(writes);
      oracle.writeBatchFeatures(writes);
      List<Object[]> rows = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        rows.add(
            new Object[] {
              "H" + random.nextInt(33),
              T0.plus(Duration.ofMinutes(random.nextInt(60 * 24 * 9))),
              random.nextInt(4) / 2.0
            });
      }
      PitQuery.Spine spine = new PitQuery.Spine.Rows(List.of("hcp_id", "ts", "weight"), "ts", rows);
      CollectingSink actual = new CollectingSink();
      store.getTrainingData(
          new TrainingDataRequest(
              spine, List.of("hcp:new_share", "hcp:trx", "hcp:weighted_trx", "hcp:label")),
          actual);
      CollectingSink inputs = new CollectingSink();
      oracle.getTrainingData(
          new TrainingDataRequest(spine, List.of("hcp:trx", "hcp:nrx", "hcp:specialty")), inputs);
      assertThat(actual.columns)
          .containsExactly("hcp_id", "ts", "weight", "new_share", "trx", "weighted_trx", "label");
      assertThat(actual.rows).hasSize(rows.size());
      int computed = 0;
      for (int i = 0; i < rows.size(); i++) {
        List<Object> in = inputs.rows.get(i);
        Long trx = (Long) in.get(3);
        Long nrx = (Long) in.get(4);
        String specialty = (String) in.get(5);
        double weight = (Double) in.get(2);
        Double share =
            trx == null || nrx == null ? null : trx == 0 ? 0.0 : (double) nrx / (double) trx;
        Double weighted = trx == null ? null : trx * weight;
        String label = trx == null || specialty == null ? null : specialty + "/" + trx;
        List<Object> expected =
            Arrays.asList(in.get(0), in.get(1), in.get(2), share, trx, weighted, label);
        assertThat(actual.rows.get(i)).as("row %d", i).isEqualTo(expected);
        computed += share == null ? 0 : 1;
      }
      assertThat(computed).as("rows with a computed value to compare").isGreaterThan(200);
    }
  }
}
