package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.ValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two store instances over one PostgreSQL: a registry change made on one (a new feature version,
 * changed freshness bounds, an updated group or feature) is seen by the other within a second,
 * although the other already knows every name involved (so no unknown-name reload can help).
 */
class PgRegistryWatchTest {
  private static final Duration BOUND = Duration.ofSeconds(1);
  private static String url;
  private final List<FeatureStore> stores = new ArrayList<>();
  private FeatureStore a;
  private FeatureStore b;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @BeforeEach
  void open() {
    TestPostgres.truncate(url);
    a = instance();
    b = instance();
  }

  @AfterEach
  void close() {
    stores.forEach(FeatureStore::close);
  }

  private FeatureStore instance() {
    PgContractTest.BackendProviderHolder.Backend backend =
        PgContractTest.BackendProviderHolder.open(url);
    FeatureStore store =
        FeatureStores.builder().registry(backend.registry()).offlineStore(backend.store()).build();
    stores.add(store);
    return store;
  }

  @Test
  void changesOnOneInstanceReachTheOtherWithinASecond() {
    a.createFeatureGroup(
        FeatureGroup.builder("g").expectedUpdateFrequencyHours(1).maxAgeHours(2).build());
    a.createFeature(new FeatureSpec("g", "f", ValueType.STRING, List.of("hcp_id")));
    seenWithin(() -> b.getFeature("g", "f").isPresent(), "the new group and feature");
    // Let b settle on its current snapshot, so only the watch can show it what follows.
    sleep(1200);
    assertThat(b.getFeatureGroup("g").orElseThrow().maxAgeHours()).isEqualTo(2);

    a.updateFeatureGroup(
        FeatureGroup.builder("g")
            .description("now hourly")
            .expectedUpdateFrequencyHours(5)
            .maxAgeHours(10)
            .build());
    seenWithin(
        () -> {
          FeatureGroup g = b.getFeatureGroup("g").orElseThrow();
          return Integer.valueOf(10).equals(g.maxAgeHours())
              && Integer.valueOf(5).equals(g.expectedUpdateFrequencyHours())
              && "now hourly".equals(g.description());
        },
        "changed freshness bounds and description");

    Feature v2 = a.updateFeature(new FeatureSpec("g", "f", ValueType.INT64, List.of("hcp_id")));
    assertThat(v2.version()).isEqualTo(2);
    seenWithin(
        () ->
            b.getFeature("g", "f").orElseThrow().version() == 2
                && b.getFeature("g", "f").orElseThrow().valueType() == ValueType.INT64,
        "a new feature version");

    a.updateFeature(
        new FeatureSpec(
            "g", "f", ValueType.INT64, List.of("hcp_id"), "count", "qa", List.of("t"), null));
    seenWithin(
        () -> "qa".equals(b.getFeature("g", "f").orElseThrow().owner()),
        "a feature updated in place");
  }

  private static void seenWithin(BooleanSupplier seen, String what) {
    long start = System.nanoTime();
    long deadline = start + BOUND.toNanos();
    while (!seen.getAsBoolean()) {
      assertThat(System.nanoTime())
          .as("%s reaches the other instance within %s", what, BOUND)
          .isLessThan(deadline);
      sleep(10);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
