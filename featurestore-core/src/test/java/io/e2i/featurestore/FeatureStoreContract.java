package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.testing.CollectingSink;
import io.e2i.featurestore.testing.MutableClock;
import io.e2i.featurestore.testing.OutOfRange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantics of DESIGN.md, run against every backend: each backend module extends this class.
 * {@link #open} must give a store on empty state; {@link #reopen} the same state after a restart.
 */
public abstract class FeatureStoreContract {

  protected static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  protected final MutableClock clock = new MutableClock(T0);
  protected FeatureStore store;

  /** A store on empty state, reading "now" from the clock. */
  protected abstract FeatureStore open(Clock clock);

  /** The same state as the last {@link #open}, after the store was closed. */
  protected FeatureStore reopen(Clock clock) {
    Assumptions.assumeThat(false).as("backend does not support reopening").isTrue();
    return null;
  }

  /** Whether reads go through a cache that counts hits (false for use_cache-less backends). */
  protected boolean hasOnlineCache() {
    return true;
  }

  @BeforeEach
  void openStore() {
    store = open(clock);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  // ------------------------------------------------------------------ fixtures

  protected void seedGroups() {
    store.createFeatureGroup(
        FeatureGroup.builder("hcp_demographics")
            .description("Healthcare provider demographic features")
            .owner("data-team")
            .sourceTable("hcps")
            .expectedUpdateFrequencyHours(168)
            .maxAgeHours(720)
            .tags("demographics", "hcp", "core")
            .mlflowExperimentName("hcp_features")
            .build());
    store.createFeature(
        FeatureSpec.builder("hcp_demographics", "specialty")
            .valueType("string")
            .entityKeys("hcp_id")
            .description("Primary medical specialty of HCP")
            .owner("data-team")
            .tags("categorical")
            .build());
    store.createFeature(
        FeatureSpec.builder("hcp_demographics", "years_in_practice")
            .valueType("int64")
            .entityKeys("hcp_id")
            .build());
    store.createFeatureGroup(
        FeatureGroup.builder("brand_performance")
            .owner("analytics-team")
            .expectedUpdateFrequencyHours(24)
            .maxAgeHours(48)
            .build());
    store.createFeature(
        new FeatureSpec(
            "brand_performance",
            "market_share",
            ValueType.FLOAT64,
            List.of("brand_id", "geography_id")));
    store.createFeature(
        new FeatureSpec(
            "brand_performance",
            "total_nrx_30d",
            ValueType.INT64,
            List.of("geography_id", "brand_id")));
    store.createFeature(
        new FeatureSpec(
            "brand_performance", "growth_rate_qoq", ValueType.FLOAT64, List.of("brand_id")));
  }

  protected static Map<String, Object> hcp(String id) {
    return Map.of("hcp_id", id);
  }

  protected void write(String feature, Map<String, ?> entity, Object value, Instant ts) {
    store.writeFeatureValue(new FeatureWrite(feature, entity, value, ts));
  }

  // ------------------------------------------------------------------ registry

  @Test
  void groupKeepsEverySeedField() {
    seedGroups();
    FeatureGroup g = store.getFeatureGroup("hcp_demographics").orElseThrow();
    assertThat(g.description()).isEqualTo("Healthcare provider demographic features");
    assertThat(g.owner()).isEqualTo("data-team");
    assertThat(g.sourceTable()).isEqualTo("hcps");
    assertThat(g.expectedUpdateFrequencyHours()).isEqualTo(168);
    assertThat(g.maxAgeHours()).isEqualTo(720);
    assertThat(g.tags()).containsExactly("demographics", "hcp", "core");
    assertThat(g.mlflowExperimentName()).isEqualTo("hcp_features");
    assertThat(g.createdAt()).isNotNull();
    assertThat(store.listFeatureGroups())
        .extracting(FeatureGroup::name)
        .containsExactly("brand_performance", "hcp_demographics");
  }

  @Test
  void featureKeepsEveryField() {
    seedGroups();
    Feature f = store.getFeature("hcp_demographics", "specialty").orElseThrow();
    assertThat(f.valueType()).isEqualTo(ValueType.STRING);
    assertThat(f.entityKeys()).containsExactly("hcp_id");
    assertThat(f.description()).isEqualTo("Primary medical specialty of HCP");
    assertThat(f.owner()).isEqualTo("data-team");
    assertThat(f.tags()).containsExactly("categorical");
    assertThat(f.version()).isEqualTo(1);
    assertThat(store.getFeature("hcp_demographics", "nope")).isEmpty();
    assertThat(store.getFeature("no_group", "specialty")).isEmpty();
    assertThat(store.listFeatures("hcp_demographics"))
        .extracting(Feature::name)
        .containsExactly("specialty", "years_in_practice");
  }

  @Test
  void creatingTheSameGroupAndFeatureTwiceChangesNothing() {
    seedGroups();
    FeatureGroup before = store.getFeatureGroup("hcp_demographics").orElseThrow();
    Feature featureBefore = store.getFeature("hcp_demographics", "specialty").orElseThrow();
    seedGroups();
    assertThat(store.getFeatureGroup("hcp_demographics")).contains(before);
    assertThat(store.getFeature("hcp_demographics", "specialty")).contains(featureBefore);
    assertThat(store.listFeatureVersions("hcp_demographics", "specialty")).hasSize(1);
  }

  @Test
  void creatingAGroupAgainWithADifferentDefinitionIsAConflictNamingTheFields() {
    seedGroups();
    FeatureGroup before = store.getFeatureGroup("brand_performance").orElseThrow();
    // A partial definition (only a name and an owner) must not wipe the freshness bounds.
    assertThatThrownBy(
            () ->
                store.createFeatureGroup(
                    FeatureGroup.builder("brand_performance").owner("qa").build()))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.CONFLICT))
        .hasMessageContaining("'brand_performance'")
        .hasMessageContaining("owner")
        .hasMessageContaining("expected_update_frequency_hours")
        .hasMessageContaining("max_age_hours")
        .message()
        .doesNotContain("description")
        .doesNotContain("source_table");
    assertThat(store.getFeatureGroup("brand_performance")).contains(before);
    assertThat(before.differingFields(FeatureGroup.builder("brand_performance").build()))
        .containsExactly("owner", "expected_update_frequency_hours", "max_age_hours");
  }

  @Test
  void updateReplacesTheWholeGroupDefinitionAndKeepsItsCreationTime() {
    seedGroups();
    FeatureGroup before = store.getFeatureGroup("brand_performance").orElseThrow();
    FeatureGroup updated =
        store.updateFeatureGroup(
            FeatureGroup.builder("brand_performance").owner("new-team").maxAgeHours(72).build());
    assertThat(updated.owner()).isEqualTo("new-team");
    assertThat(updated.maxAgeHours()).isEqualTo(72);
    assertThat(updated.expectedUpdateFrequencyHours()).isNull();
    assertThat(updated.createdAt()).isEqualTo(before.createdAt());
    assertThat(store.getFeatureGroup("brand_performance")).contains(updated);
    // The same definition again is a no-op, for update and create alike.
    assertThat(
            store.updateFeatureGroup(
                FeatureGroup.builder("brand_performance")
                    .owner("new-team")
                    .maxAgeHours(72)
                    .build()))
        .isEqualTo(updated);
    assertThat(
            store.createFeatureGroup(
                FeatureGroup.builder("brand_performance")
                    .owner("new-team")
                    .maxAgeHours(72)
                    .build()))
        .isEqualTo(updated);
  }

  @Test
  void updatingAMissingGroupOrFeatureIsNotFound() {
    seedGroups();
    assertThatThrownBy(() -> store.updateFeatureGroup(FeatureGroup.builder("nope").build()))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.NOT_FOUND))
        .hasMessageContaining("'nope'");
    assertThatThrownBy(
            () ->
                store.updateFeature(
                    new FeatureSpec(
                        "hcp_demographics", "nope", ValueType.STRING, List.of("hcp_id"))))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.NOT_FOUND))
        .hasMessageContaining("'nope'");
    assertThat(store.getFeatureGroup("nope")).isEmpty();
    assertThat(store.getFeature("hcp_demographics", "nope")).isEmpty();
  }

  @Test
  void creatingAFeatureAgainWithADifferentDefinitionIsAConflictNamingTheFields() {
    seedGroups();
    Feature before = store.getFeature("hcp_demographics", "specialty").orElseThrow();
    assertThatThrownBy(
            () ->
                store.createFeature(
                    FeatureSpec.builder("hcp_demographics", "specialty")
                        .valueType("int64")
                        .entityKeys("hcp_id")
                        .description("Primary medical specialty of HCP")
                        .owner("qa")
                        .tags("categorical")
                        .build()))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.CONFLICT))
        .hasMessageContaining("hcp_demographics:specialty")
        .hasMessageContaining("value_type")
        .hasMessageContaining("owner")
        .message()
        .doesNotContain("entity_keys")
        .doesNotContain("tags");
    assertThat(store.listFeatureVersions("hcp_demographics", "specialty")).containsExactly(before);
  }

  @Test
  void changingTypeKeysOrComputationCreatesVersionsAndOldValuesStayReadable() {
    seedGroups();
    write("years_in_practice", hcp("H1"), 12, T0);
    Feature v2 =
        store.updateFeature(
            new FeatureSpec(
                "hcp_demographics", "years_in_practice", ValueType.FLOAT64, List.of("hcp_id")));
    assertThat(v2.version()).isEqualTo(2);
    write("years_in_practice", hcp("H1"), 12.5, T0);
    Feature v3 =
        store.updateFeature(
            FeatureSpec.builder("hcp_demographics", "years_in_practice")
                .valueType(ValueType.FLOAT64)
                .entityKeys("hcp_id")
                .computationQuery("select 1")
                .build());
    assertThat(v3.version()).isEqualTo(3);
    assertThat(store.listFeatureVersions("hcp_demographics", "years_in_practice"))
        .extracting(Feature::version)
        .containsExactly(1, 2, 3);
    assertThat(
            store.getFeature("hcp_demographics", "years_in_practice", 1).orElseThrow().valueType())
        .isEqualTo(ValueType.INT64);

    // Latest (v3) has no value yet; pinned versions keep theirs.
    assertThat(
            store
                .getEntityFeatures(
                    new OnlineRequest(
                        hcp("H1"), "hcp_demographics", List.of("years_in_practice"), true, null))
                .features())
        .isEmpty();
    EntityFeatures v1 =
        store.getEntityFeatures(
            new OnlineRequest(
                hcp("H1"), "hcp_demographics", List.of("years_in_practice@1"), true, null));
    assertThat(v1.features()).containsEntry("years_in_practice", 12L);
    assertThat(v1.metadata().get("years_in_practice").version()).isEqualTo(1);
    assertThat(
            store.getHistoricalFeatures(
                hcp("H1"), List.of("hcp_demographics:years_in_practice@2"), null, null))
        .extracting(FeatureValue::value)
        .containsExactly(12.5);
  }

  @Test
  void descriptiveChangesUpdateTheLatestVersionInPlace() {
    seedGroups();
    Feature updated =
        store.updateFeature(
            FeatureSpec.builder("hcp_demographics", "specialty")
                .valueType("string")
                .entityKeys("hcp_id")
                .description("new text")
                .build());
    assertThat(updated.version()).isEqualTo(1);
    assertThat(store.getFeature("hcp_demographics", "specialty").orElseThrow().description())
        .isEqualTo("new text");
  }

  @Test
  void featureOfUnknownGroupIsRejected() {
    assertThatThrownBy(
            () ->
                store.createFeature(new FeatureSpec("nope", "x", ValueType.STRING, List.of("id"))))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.NOT_FOUND))
        .hasMessageContaining("'nope'");
  }

  // ------------------------------------------------------------------ writes and online reads

  @Test
  void seedQuickStartRoundTrip() {
    seedGroups();
    write("specialty", hcp("HCP123"), "Oncology", T0);
    write("years_in_practice", hcp("HCP123"), 12, T0);
    int count =
        store.writeBatchFeatures(
            List.of(
                new FeatureWrite("specialty", hcp("HCP456"), "Cardiology", T0),
                new FeatureWrite("years_in_practice", hcp("HCP456"), 15, T0)));
    assertThat(count).isEqualTo(2);

    EntityFeatures ef = store.getEntityFeatures(hcp("HCP123"), "hcp_demographics");
    assertThat(ef.features())
        .containsExactly(Map.entry("specialty", "Oncology"), Map.entry("years_in_practice", 12L));
    FeatureMetadata meta = ef.metadata().get("specialty");
    assertThat(meta.featureGroup()).isEqualTo("hcp_demographics");
    assertThat(meta.eventTimestamp()).isEqualTo(T0);
    assertThat(meta.freshnessStatus()).isEqualTo(FreshnessStatus.FRESH);
    assertThat(ef.toDict())
        .containsExactly(
            Map.entry("hcp_id", "HCP123"),
            Map.entry("specialty", "Oncology"),
            Map.entry("years_in_practice", 12L));
    assertThat(store.getEntityFeatures(hcp("HCP456"), "hcp_demographics").features())
        .containsEntry("specialty", "Cardiology")
        .containsEntry("years_in_practice", 15L);
    assertThat(store.getEntityFeatures(hcp("NOBODY"), "hcp_demographics").features()).isEmpty();
  }

  @Test
  void writingTheSameTripleAgainReplacesTheValue() {
    seedGroups();
    write("specialty", hcp("H1"), "Oncology", T0);
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "Oncology");
    write("specialty", hcp("H1"), "Cardiology", T0);
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "Cardiology");
    List<FeatureValue> history =
        store.getHistoricalFeatures(hcp("H1"), List.of("specialty"), null, null);
    assertThat(history)
        .singleElement()
        .satisfies(v -> assertThat(v.value()).isEqualTo("Cardiology"));
  }

  @Test
  void latestEventTimestampWinsWhateverTheWriteOrder() {
    seedGroups();
    write("specialty", hcp("H1"), "new", T0.plusSeconds(60));
    write("specialty", hcp("H1"), "old", T0);
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "new");
  }

  @Test
  void tiesGoToTheLatestWrittenEvenWithinOneBatch() {
    seedGroups();
    store.writeBatchFeatures(
        List.of(
            new FeatureWrite("specialty", hcp("H1"), "first", T0),
            new FeatureWrite("specialty", hcp("H1"), "second", T0)));
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "second");
    clock.advance(Duration.ofSeconds(1));
    store.writeBatchFeatures(List.of(new FeatureWrite("specialty", hcp("H1"), "third", T0)));
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "third");
  }

  @Test
  void multiKeyEntitiesMatchInAnyKeyOrder() {
    seedGroups();
    Map<String, Object> forward = new LinkedHashMap<>();
    forward.put("brand_id", "B1");
    forward.put("geography_id", "US-NE");
    Map<String, Object> reverse = new LinkedHashMap<>();
    reverse.put("geography_id", "US-NE");
    reverse.put("brand_id", "B1");
    write("market_share", forward, 0.25, T0);
    write("total_nrx_30d", reverse, 1000, T0);
    write("growth_rate_qoq", Map.of("brand_id", "B1"), 0.1, T0);

    EntityFeatures ef = store.getEntityFeatures(reverse, "brand_performance");
    assertThat(ef.features())
        .containsExactly(Map.entry("market_share", 0.25), Map.entry("total_nrx_30d", 1000L));
    assertThat(store.getEntityFeatures(forward, "brand_performance")).isEqualTo(ef);
    assertThat(store.getEntityFeatures(Map.of("brand_id", "B1"), "brand_performance").features())
        .containsExactly(Map.entry("growth_rate_qoq", 0.1));
  }

  @Test
  void everyValueTypeRoundTrips() {
    store.createFeatureGroup(FeatureGroup.builder("types").build());
    Map<ValueType, Object> samples = new LinkedHashMap<>();
    samples.put(ValueType.STRING, "héllo \"quoted\"\n");
    samples.put(ValueType.INT64, Long.MAX_VALUE);
    samples.put(ValueType.FLOAT64, -1.5e-7);
    samples.put(ValueType.BOOL, true);
    samples.put(ValueType.TIMESTAMP, Instant.parse("2024-02-29T23:59:59.123456Z"));
    samples.put(ValueType.STRING_LIST, List.of("a", "b"));
    samples.put(ValueType.INT64_LIST, List.of(1L, -2L));
    samples.put(ValueType.FLOAT64_LIST, List.of(0.5, 2.0));
    samples.put(ValueType.BOOL_LIST, List.of(false, true));
    samples.put(ValueType.TIMESTAMP_LIST, List.of(T0, T0.plusMillis(1)));
    List<FeatureWrite> writes = new ArrayList<>();
    samples.forEach(
        (type, value) -> {
          String name = "f_" + type.wireName();
          store.createFeature(new FeatureSpec("types", name, type, List.of("id")));
          writes.add(new FeatureWrite(name, Map.of("id", "e1"), value, T0));
        });
    store.createFeature(new FeatureSpec("types", "f_null", ValueType.STRING, List.of("id")));
    writes.add(new FeatureWrite("f_null", Map.of("id", "e1"), null, T0));
    store.writeBatchFeatures(writes);

    for (boolean useCache : new boolean[] {false, true, true}) {
      EntityFeatures ef = store.getEntityFeatures(Map.of("id", "e1"), "types", useCache);
      samples.forEach(
          (type, value) -> assertThat(ef.features().get("f_" + type.wireName())).isEqualTo(value));
      assertThat(ef.features()).containsKey("f_null");
      assertThat(ef.features().get("f_null")).isNull();
    }
  }

  @Test
  void valuesAreCoercedOnlyWhereLossless() {
    seedGroups();
    write("years_in_practice", hcp("H1"), 7, T0); // Integer -> Long
    write("market_share", Map.of("brand_id", "B", "geography_id", "G"), 1, T0); // int -> float64
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("years_in_practice", 7L);
    assertThat(
            store
                .getEntityFeatures(
                    Map.of("brand_id", "B", "geography_id", "G"), "brand_performance")
                .features())
        .containsEntry("market_share", 1.0);
  }

  @Test
  void aBadValueRejectsTheWholeBatchNamingFeatureEntityAndValue() {
    seedGroups();
    List<FeatureWrite> batch =
        List.of(
            new FeatureWrite("specialty", hcp("H1"), "Oncology", T0),
            new FeatureWrite("years_in_practice", hcp("H2"), "fifteen", T0),
            new FeatureWrite("specialty", hcp("H3"), "Cardiology", T0));
    assertThatThrownBy(() -> store.writeBatchFeatures(batch))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.TYPE_MISMATCH))
        .hasMessageContaining("years_in_practice")
        .hasMessageContaining("H2")
        .hasMessageContaining("fifteen")
        .hasMessageContaining("#2");
    assertNothingStoredFor("H1", "H2", "H3");
  }

  @Test
  void unknownFeatureMissingKeyAndUnknownGroupAreRejected() {
    seedGroups();
    assertThatThrownBy(() -> write("nope", hcp("H1"), "x", T0))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.NOT_FOUND))
        .hasMessageContaining("'nope'");
    assertThatThrownBy(() -> write("market_share", Map.of("brand_id", "B1"), 0.5, T0))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("missing entity key geography_id");
    assertThatThrownBy(
            () ->
                store.writeFeatureValue(
                    new FeatureWrite("specialty", hcp("H1"), "x", T0, "no_such_group")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("no_such_group");
    assertThatThrownBy(() -> store.getEntityFeatures(hcp("H1"), "no_such_group"))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.NOT_FOUND));
    assertThatThrownBy(() -> store.getEntityFeatures(Map.of("x", "1"), "hcp_demographics"))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("hcp_id");
    assertNothingStoredFor("H1");
  }

  @Test
  void aNameInSeveralGroupsNeedsTheGroupUnlessTheEntityKeysDecide() {
    seedGroups();
    store.createFeatureGroup(FeatureGroup.builder("other").build());
    store.createFeature(new FeatureSpec("other", "specialty", ValueType.STRING, List.of("hcp_id")));
    assertThatThrownBy(() -> write("specialty", hcp("H1"), "x", T0))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.CONFLICT))
        .hasMessageContaining("feature_group");
    store.writeFeatureValue(new FeatureWrite("specialty", hcp("H1"), "x", T0, "other"));
    assertThat(store.getEntityFeatures(hcp("H1"), "other").features())
        .containsEntry("specialty", "x");
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features()).isEmpty();
  }

  @Test
  void featureNamesSelectASubset() {
    seedGroups();
    write("specialty", hcp("H1"), "Oncology", T0);
    write("years_in_practice", hcp("H1"), 3, T0);
    EntityFeatures ef =
        store.getEntityFeatures(
            new OnlineRequest(
                hcp("H1"), "hcp_demographics", List.of("years_in_practice"), true, null));
    assertThat(ef.features()).containsOnlyKeys("years_in_practice");
    assertThatThrownBy(
            () ->
                store.getEntityFeatures(
                    new OnlineRequest(hcp("H1"), "hcp_demographics", List.of("nope"), true, null)))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("nope");
  }

  protected void assertNothingStoredFor(String... hcpIds) {
    for (String id : hcpIds) {
      assertThat(
              store.getHistoricalFeatures(
                  hcp(id), List.of("specialty", "years_in_practice"), null, null))
          .as("values of %s", id)
          .isEmpty();
      assertThat(store.getEntityFeatures(hcp(id), "hcp_demographics", false).features()).isEmpty();
    }
  }

  // ------------------------------------------------------------------ cache

  @Test
  void readYourWritesThroughTheCache() {
    seedGroups();
    for (int i = 0; i < 20; i++) {
      write("years_in_practice", hcp("H1"), i, T0.plusSeconds(i));
      assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
          .containsEntry("years_in_practice", (long) i);
      assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
          .containsEntry("years_in_practice", (long) i);
    }
    if (hasOnlineCache()) {
      assertThat(store.cacheStats().hits()).isGreaterThanOrEqualTo(20);
      assertThat(store.cacheStats().misses()).isGreaterThanOrEqualTo(20);
    }
  }

  @Test
  void readYourWritesUnderConcurrency() throws Exception {
    seedGroups();
    int writes = 200;
    AtomicLong acknowledged = new AtomicLong(-1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        readers.add(
            pool.submit(
                () -> {
                  while (acknowledged.get() < writes - 1) {
                    long before = acknowledged.get();
                    Object v =
                        store
                            .getEntityFeatures(hcp("H1"), "hcp_demographics")
                            .features()
                            .get("years_in_practice");
                    long seen = v == null ? -1 : (Long) v;
                    assertThat(seen)
                        .as("value read after ack of %d", before)
                        .isGreaterThanOrEqualTo(before);
                  }
                  return null;
                }));
      }
      for (int i = 0; i < writes; i++) {
        write("years_in_practice", hcp("H1"), i, T0.plusSeconds(i));
        acknowledged.set(i);
      }
      for (Future<?> f : readers) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("years_in_practice", (long) writes - 1);
  }

  @Test
  void batchWritesInvalidateEveryTouchedEntity() {
    seedGroups();
    for (int i = 0; i < 10; i++) {
      write("specialty", hcp("H" + i), "old", T0);
      store.getEntityFeatures(hcp("H" + i), "hcp_demographics");
    }
    List<FeatureWrite> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(new FeatureWrite("specialty", hcp("H" + i), "new", T0.plusSeconds(1)));
    }
    store.writeBatchFeatures(batch);
    for (int i = 0; i < 10; i++) {
      assertThat(store.getEntityFeatures(hcp("H" + i), "hcp_demographics").features())
          .containsEntry("specialty", "new");
    }
  }

  @Test
  void manualInvalidationAndUseCacheFalse() {
    seedGroups();
    write("specialty", hcp("H1"), "Oncology", T0);
    store.getEntityFeatures(hcp("H1"), "hcp_demographics");
    long hits = store.cacheStats().hits();
    store.getEntityFeatures(hcp("H1"), "hcp_demographics", false);
    assertThat(store.cacheStats().hits()).isEqualTo(hits);
    store.invalidateCache(hcp("H1"), "hcp_demographics");
    store.invalidateCache(hcp("H1"), null);
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "Oncology");
    assertThatThrownBy(() -> store.invalidateCache(hcp("H1"), "nope"))
        .isInstanceOf(FeatureStoreException.class);
  }

  // ------------------------------------------------------------------ freshness

  @Test
  void freshnessBoundariesAreInclusive() {
    seedGroups(); // brand_performance: expected 24 h, max age 48 h
    Map<String, String> brand = Map.of("brand_id", "B1");
    write("growth_rate_qoq", brand, 0.1, T0);
    Map<Duration, FreshnessStatus> expectations = new LinkedHashMap<>();
    expectations.put(Duration.ZERO, FreshnessStatus.FRESH);
    expectations.put(Duration.ofHours(24), FreshnessStatus.FRESH);
    expectations.put(Duration.ofHours(24).plusNanos(1000), FreshnessStatus.STALE);
    expectations.put(Duration.ofHours(48), FreshnessStatus.STALE);
    expectations.put(Duration.ofHours(48).plusNanos(1000), FreshnessStatus.EXPIRED);
    expectations.forEach(
        (age, status) -> {
          clock.set(T0.plus(age));
          assertThat(
                  store
                      .getEntityFeatures(brand, "brand_performance")
                      .metadata()
                      .get("growth_rate_qoq")
                      .freshnessStatus())
              .as("age %s", age)
              .isEqualTo(status);
        });
  }

  @Test
  void unsetBoundsNeverTrigger() {
    store.createFeatureGroup(FeatureGroup.builder("nobounds").build());
    store.createFeature(new FeatureSpec("nobounds", "x", ValueType.INT64, List.of("id")));
    store.createFeatureGroup(FeatureGroup.builder("onlymax").maxAgeHours(1).build());
    store.createFeature(new FeatureSpec("onlymax", "y", ValueType.INT64, List.of("id")));
    write("x", Map.of("id", "1"), 1, T0);
    write("y", Map.of("id", "1"), 1, T0);
    clock.advance(Duration.ofDays(3650));
    assertThat(
            store
                .getEntityFeatures(Map.of("id", "1"), "nobounds")
                .metadata()
                .get("x")
                .freshnessStatus())
        .isEqualTo(FreshnessStatus.FRESH);
    assertThat(
            store
                .getEntityFeatures(Map.of("id", "1"), "onlymax")
                .metadata()
                .get("y")
                .freshnessStatus())
        .isEqualTo(FreshnessStatus.EXPIRED);
    clock.set(T0.plus(Duration.ofMinutes(59)));
    assertThat(
            store
                .getEntityFeatures(Map.of("id", "1"), "onlymax")
                .metadata()
                .get("y")
                .freshnessStatus())
        .isEqualTo(FreshnessStatus.FRESH);
  }

  @Test
  void groupsWithoutBoundsDoNotBreakFreshnessForTheStore() {
    // The seed creates some groups with a name only; their values are always fresh, and they must
    // not make the monitor or the update fail for every other group.
    seedGroups();
    store.createFeatureGroup(FeatureGroup.builder("nobounds").build());
    store.createFeature(new FeatureSpec("nobounds", "x", ValueType.INT64, List.of("id")));
    write("x", Map.of("id", "1"), 1, T0);
    write("growth_rate_qoq", Map.of("brand_id", "B1"), 1.0, T0);
    clock.set(T0.plus(Duration.ofDays(3650)));

    assertThat(store.updateFreshnessStatus()).isEqualTo(2); // both get their first status
    assertThat(store.updateFreshnessStatus()).isZero();
    FreshnessReport x =
        store.freshnessMonitor().stream()
            .filter(r -> r.featureName().equals("x"))
            .findFirst()
            .orElseThrow();
    assertThat(x.totalEntities()).isEqualTo(1);
    assertThat(x.freshCount()).isEqualTo(1);
    FreshnessReport growth =
        store.freshnessMonitor().stream()
            .filter(r -> r.featureName().equals("growth_rate_qoq"))
            .findFirst()
            .orElseThrow();
    assertThat(growth.expiredCount()).isEqualTo(1);
  }

  @Test
  void freshnessMonitorCountsEachEntitysLatestValue() {
    seedGroups();
    clock.set(T0.plus(Duration.ofHours(100)));
    write("growth_rate_qoq", Map.of("brand_id", "fresh"), 1.0, T0.plus(Duration.ofHours(99)));
    write("growth_rate_qoq", Map.of("brand_id", "stale"), 1.0, T0.plus(Duration.ofHours(70)));
    write("growth_rate_qoq", Map.of("brand_id", "expired"), 1.0, T0);
    // An old value of a fresh entity must not count: only the latest per entity does.
    write("growth_rate_qoq", Map.of("brand_id", "fresh"), 0.5, T0);

    FreshnessReport r =
        store.freshnessMonitor().stream()
            .filter(x -> x.featureName().equals("growth_rate_qoq"))
            .findFirst()
            .orElseThrow();
    assertThat(r.featureGroup()).isEqualTo("brand_performance");
    assertThat(r.totalEntities()).isEqualTo(3);
    assertThat(r.freshCount()).isEqualTo(1);
    assertThat(r.staleCount()).isEqualTo(1);
    assertThat(r.expiredCount()).isEqualTo(1);
    assertThat(r.lastEventTimestamp()).isEqualTo(T0.plus(Duration.ofHours(99)));
    assertThat(r.timeSinceLastEvent()).isEqualTo(Duration.ofHours(1));
    FreshnessReport empty =
        store.freshnessMonitor().stream()
            .filter(x -> x.featureName().equals("specialty"))
            .findFirst()
            .orElseThrow();
    assertThat(empty.totalEntities()).isZero();
    assertThat(empty.lastEventTimestamp()).isNull();
  }

  @Test
  void updateFreshnessStatusPersistsAndIsIdempotent() {
    seedGroups();
    write("growth_rate_qoq", Map.of("brand_id", "B1"), 1.0, T0);
    write("growth_rate_qoq", Map.of("brand_id", "B2"), 1.0, T0.plus(Duration.ofHours(30)));
    clock.set(T0.plus(Duration.ofHours(50)));
    long changed = store.updateFreshnessStatus();
    assertThat(changed).isEqualTo(2);
    assertThat(store.updateFreshnessStatus()).isZero();
    clock.set(T0.plus(Duration.ofHours(80)));
    assertThat(store.updateFreshnessStatus()).isEqualTo(1); // B2 goes stale -> expired
  }

  /**
   * The monitor's counts against a brute-force oracle of each entity's latest event time, through
   * batches and single writes, overwrites (later, earlier and same event time), values on the exact
   * bounds, a moving clock, status updates in between, a new feature version and a restart (issue
   * 15: the embedded store keeps these counts incrementally at write time).
   */
  @Test
  void freshnessCountsFollowWritesOverwritesVersionsAndRestarts() {
    seedGroups(); // brand_performance: expected 24 h, max age 48 h
    Instant now = T0.plus(Duration.ofHours(72));
    clock.set(now);
    java.util.Random rnd = new java.util.Random(15);
    Map<String, Instant> latest = new java.util.HashMap<>();
    List<Instant> times = new ArrayList<>();
    for (Duration edge : List.of(Duration.ofHours(24), Duration.ofHours(48))) {
      times.add(now.minus(edge)); // still within the bound
      times.add(now.minus(edge).minusNanos(1_000)); // one microsecond past it
      times.add(now.minus(edge).plusNanos(1_000));
    }
    java.util.function.Supplier<Instant> someTime =
        () ->
            rnd.nextInt(4) == 0
                ? times.get(rnd.nextInt(times.size()))
                : T0.plus(Duration.ofMinutes(rnd.nextInt(96 * 60)));
    List<FeatureWrite> batch = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      String b = "B" + rnd.nextInt(700);
      Instant ts = someTime.get();
      batch.add(new FeatureWrite("growth_rate_qoq", Map.of("brand_id", b), i * 1.0, ts));
      latest.merge(b, ts, (x, y) -> x.isAfter(y) ? x : y);
    }
    store.writeBatchFeatures(batch);
    assertFreshnessCounts("growth_rate_qoq", 1, latest);
    clock.set(now.plus(Duration.ofHours(10)));
    assertFreshnessCounts("growth_rate_qoq", 1, latest);
    assertThat(store.updateFreshnessStatus()).isPositive();
    assertFreshnessCounts("growth_rate_qoq", 1, latest);

    for (int i = 0; i < 200; i++) { // single writes: new entities, and later, earlier, same time
      String b = "B" + rnd.nextInt(800);
      Instant old = latest.get(b);
      Instant ts =
          old == null || rnd.nextInt(3) == 0
              ? someTime.get()
              : rnd.nextBoolean() ? old : old.plus(Duration.ofHours(rnd.nextInt(-30, 30)));
      write("growth_rate_qoq", Map.of("brand_id", b), -1.0, ts);
      latest.merge(b, ts, (x, y) -> x.isAfter(y) ? x : y);
      if (i % 50 == 0) {
        assertFreshnessCounts("growth_rate_qoq", 1, latest); // each acknowledged write counted
      }
    }
    assertFreshnessCounts("growth_rate_qoq", 1, latest);

    // A new version starts with no values; the old version's values are not its.
    store.updateFeature(
        new FeatureSpec(
            "brand_performance", "growth_rate_qoq", ValueType.STRING, List.of("brand_id")));
    assertFreshnessCounts("growth_rate_qoq", 2, Map.of());
    Map<String, Instant> v2 = new java.util.HashMap<>();
    for (int i = 0; i < 300; i++) {
      String b = "B" + rnd.nextInt(100);
      Instant ts = someTime.get();
      write("growth_rate_qoq", Map.of("brand_id", b), "s" + i, ts);
      v2.merge(b, ts, (x, y) -> x.isAfter(y) ? x : y);
    }
    assertFreshnessCounts("growth_rate_qoq", 2, v2);

    store.close();
    store = null;
    store = reopen(clock);
    assertFreshnessCounts("growth_rate_qoq", 2, v2);
    for (String b : List.of("B1", "B2", "new")) {
      Instant ts = now.plus(Duration.ofHours(9));
      write("growth_rate_qoq", Map.of("brand_id", b), "after", ts);
      v2.merge(b, ts, (x, y) -> x.isAfter(y) ? x : y);
    }
    assertFreshnessCounts("growth_rate_qoq", 2, v2);
  }

  /** The monitor's report of the feature equals the counts of the latest event times given. */
  private void assertFreshnessCounts(String feature, int version, Map<String, Instant> latest) {
    Instant now = clock.instant();
    long fresh = 0;
    long stale = 0;
    long expired = 0;
    for (Instant ts : latest.values()) {
      switch (FreshnessStatus.of(
          Duration.between(ts, now), Duration.ofHours(24), Duration.ofHours(48))) {
        case FRESH -> fresh++;
        case STALE -> stale++;
        case EXPIRED -> expired++;
      }
    }
    FreshnessReport r =
        store.freshnessMonitor().stream()
            .filter(x -> x.featureName().equals(feature))
            .findFirst()
            .orElseThrow();
    assertThat(r.version()).isEqualTo(version);
    assertThat(List.of(r.totalEntities(), r.freshCount(), r.staleCount(), r.expiredCount()))
        .as("total, fresh, stale, expired at %s", now)
        .containsExactly((long) latest.size(), fresh, stale, expired);
    assertThat(r.lastEventTimestamp())
        .isEqualTo(latest.values().stream().max(Instant::compareTo).orElse(null));
  }

  // ------------------------------------------------------------------ history and time travel

  @Test
  void historyIsInclusiveAndOrderedByFeatureThenTime() {
    seedGroups();
    for (int day = 0; day < 5; day++) {
      write("years_in_practice", hcp("H1"), day, T0.plus(Duration.ofDays(day)));
      write("specialty", hcp("H1"), "s" + day, T0.plus(Duration.ofDays(4 - day)));
    }
    write("specialty", hcp("OTHER"), "zzz", T0);
    List<FeatureValue> h =
        store.getHistoricalFeatures(
            hcp("H1"),
            List.of("years_in_practice", "specialty"),
            T0.plus(Duration.ofDays(1)),
            T0.plus(Duration.ofDays(3)));
    assertThat(h)
        .extracting(v -> v.featureName() + "=" + v.value())
        .containsExactly(
            "specialty=s3",
            "specialty=s2",
            "specialty=s1",
            "years_in_practice=1",
            "years_in_practice=2",
            "years_in_practice=3");
    assertThat(h).allSatisfy(v -> assertThat(v.entity()).isEqualTo(EntityKey.of(hcp("H1"))));
    assertThat(h)
        .isSortedAccordingTo(
            java.util.Comparator.comparing(FeatureValue::featureName)
                .thenComparing(FeatureValue::eventTimestamp));
    assertThat(
            store.getHistoricalFeatures(
                hcp("H1"), List.of("hcp_demographics:specialty"), null, null))
        .hasSize(5);
    assertThatThrownBy(
            () ->
                store.getHistoricalFeatures(hcp("H1"), List.of("specialty"), T0.plusSeconds(1), T0))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("after");
  }

  @Test
  void historyRecordsWhenEachValueWasWritten() {
    seedGroups();
    clock.set(T0.plus(Duration.ofHours(5)));
    write("specialty", hcp("H1"), "x", T0);
    FeatureValue v =
        store.getHistoricalFeatures(hcp("H1"), List.of("specialty"), null, null).getFirst();
    assertThat(v.writtenAt()).isEqualTo(T0.plus(Duration.ofHours(5)));
    assertThat(v.eventTimestamp()).isEqualTo(T0);
  }

  @Test
  void asOfReadsWhatWasTrueThen() {
    seedGroups();
    write("specialty", hcp("H1"), "v1", T0);
    write("specialty", hcp("H1"), "v2", T0.plus(Duration.ofDays(2)));
    EntityFeatures then =
        store.getEntityFeatures(
            new OnlineRequest(
                hcp("H1"), "hcp_demographics", List.of(), true, T0.plus(Duration.ofDays(1))));
    assertThat(then.features()).containsEntry("specialty", "v1");
    EntityFeatures before =
        store.getEntityFeatures(
            new OnlineRequest(hcp("H1"), "hcp_demographics", List.of(), true, T0.minusSeconds(1)));
    assertThat(before.features()).isEmpty();
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "v2");
  }

  /**
   * A time argument outside years 0000 to 9999 (a window bound, an as-of) is the caller's mistake,
   * named as HTTP's 400 names it, before any store reads it: the stores count microseconds in a
   * long, and a time such as year 999999999 failed inside them ("offline store read failed").
   */
  @Test
  void timeArgumentsOutsideYears0000To9999AreInvalidArgumentsNamingThem() {
    seedGroups();
    write("specialty", hcp("H1"), "v1", T0);
    Instant far = Instant.parse("+999999999-12-31T23:59:59Z");
    Instant early = Instant.parse("-999999999-01-01T00:00:00Z");
    Instant year10001 = Instant.parse("+10001-01-01T00:00:00Z");
    List<String> specialty = List.of("specialty");
    PitQuery.Spine spine =
        new PitQuery.Spine.Rows(
            List.of("hcp_id", "event_timestamp"),
            "event_timestamp",
            List.<Object[]>of(new Object[] {"H1", T0}));
    List<Map.Entry<String, org.junit.jupiter.api.function.Executable>> calls =
        List.of(
            Map.entry(
                "'start_time'", () -> store.getHistoricalFeatures(hcp("H1"), specialty, far, null)),
            Map.entry(
                "'end_time'", () -> store.getHistoricalFeatures(hcp("H1"), specialty, null, early)),
            Map.entry(
                "'start_time'", () -> store.getHistoricalFeatures(hcp("H1"), specialty, early, T0)),
            Map.entry(
                "'end_time'",
                () -> store.getHistoricalFeatures(hcp("H1"), specialty, null, year10001)),
            Map.entry(
                "'as_of'",
                () ->
                    store.getEntityFeatures(
                        new OnlineRequest(hcp("H1"), "hcp_demographics", List.of(), true, early))),
            Map.entry(
                "'as_of'",
                () ->
                    store.getTrainingData(
                        new TrainingDataRequest(
                            spine, List.of("hcp_demographics:specialty"), early, null),
                        new CollectingSink())),
            Map.entry("'start'", () -> store.materialize("hcp_demographics", early, T0)),
            Map.entry("'end'", () -> store.materialize("hcp_demographics", T0, far)));
    OutOfRange.assertRefusedNamingTheArgument(calls);
    assertThat(store.getHistoricalFeatures(hcp("H1"), specialty, null, null))
        .extracting(FeatureValue::value)
        .containsExactly("v1");
  }

  // ------------------------------------------------------------------ statistics and health

  @Test
  void statisticsOfNumbers() {
    seedGroups();
    for (int i = 1; i <= 100; i++) {
      write("years_in_practice", hcp("H" + i), i, T0);
    }
    write("years_in_practice", hcp("H0"), null, T0);
    FeatureStatistics s = store.computeStatistics("hcp_demographics", "years_in_practice");
    assertThat(s.count()).isEqualTo(101);
    assertThat(s.nulls()).isEqualTo(1);
    assertThat(s.distinct()).isEqualTo(100);
    assertThat(s.min()).isEqualTo(1.0);
    assertThat(s.max()).isEqualTo(100.0);
    assertThat(s.mean()).isCloseTo(50.5, within(1e-9));
    assertThat(s.stddev()).isCloseTo(29.011, within(1e-3));
    assertThat(s.p50()).isCloseTo(50.5, within(1.0));
    assertThat(s.p90()).isCloseTo(90.1, within(1.0));
    assertThat(store.getFeature("hcp_demographics", "years_in_practice").orElseThrow().statistics())
        .containsEntry("count", 101L);
  }

  @Test
  void healthReportsEachBackend() {
    HealthStatus h = store.healthCheck();
    assertThat(h.offline()).isTrue();
    // No tracker is configured here: the seed's users read "mlflow: true" as "MLflow is up".
    assertThat(h.tracking()).isFalse();
    assertThat(h.details()).containsEntry("tracking", "none");
    assertThat(h.details()).containsKeys("offline_store", "online_cache", "tracking");
  }

  // ------------------------------------------------------------------ durability

  @Test
  void everythingSurvivesARestart() {
    seedGroups();
    write("specialty", hcp("H1"), "Oncology", T0);
    store.writeBatchFeatures(
        List.of(
            new FeatureWrite("years_in_practice", hcp("H1"), 12, T0),
            new FeatureWrite("years_in_practice", hcp("H2"), 3, T0)));
    Feature feature = store.getFeature("hcp_demographics", "specialty").orElseThrow();
    store.close();
    store = null;
    store = reopen(clock);
    assertThat(store.getFeature("hcp_demographics", "specialty")).contains(feature);
    assertThat(store.getEntityFeatures(hcp("H1"), "hcp_demographics").features())
        .containsEntry("specialty", "Oncology")
        .containsEntry("years_in_practice", 12L);
    assertThat(store.getFeatureGroup("brand_performance")).isPresent();
  }

  @Test
  void waveTwoOptionsAreKeptUpdatedInPlaceAndSurviveARestart() {
    store.createFeatureGroup(
        FeatureGroup.builder("scored")
            .validation(ValidationMode.WARN)
            .schedule("0 3 * * *")
            .retentionDays(400)
            .build());
    Constraints rules =
        Constraints.fromMap(
            Map.of("nullable", false, "min", 0, "max", 100, "allowed", List.of(1, 2.5, 7.0)));
    Feature v1 =
        store.createFeature(
            FeatureSpec.builder("scored", "score")
                .valueType("float64")
                .entityKeys("hcp_id")
                .constraints(rules)
                .validation(ValidationMode.REJECT)
                .driftThresholds(new DriftThresholds(0.05, 0.2))
                .build());
    assertThat(v1.constraints()).isEqualTo(rules);
    assertThat(v1.constraints().allowed()).containsExactly(1L, 2.5, 7.0);

    // Constraints, validation and thresholds change in place: still version 1.
    Constraints tighter = Constraints.fromMap(Map.of("min", 10, "max", 20));
    Feature updated =
        store.updateFeature(
            FeatureSpec.builder("scored", "score")
                .valueType("float64")
                .entityKeys("hcp_id")
                .constraints(tighter)
                .validation(ValidationMode.WARN)
                .build());
    assertThat(updated.version()).isEqualTo(1);
    assertThat(updated.constraints()).isEqualTo(tighter);
    assertThat(updated.validation()).isEqualTo(ValidationMode.WARN);
    assertThat(updated.driftThresholds()).isNull();
    assertThat(updated.effectiveDriftThresholds()).isEqualTo(DriftThresholds.DEFAULT);

    store.close();
    store = null;
    store = reopen(clock);
    FeatureGroup g = store.getFeatureGroup("scored").orElseThrow();
    assertThat(g.validation()).isEqualTo(ValidationMode.WARN);
    assertThat(g.schedule()).isEqualTo("0 3 * * *");
    assertThat(g.retentionDays()).isEqualTo(400);
    Feature reloaded = store.getFeature("scored", "score").orElseThrow();
    assertThat(reloaded.constraints()).isEqualTo(tighter);
    assertThat(reloaded.validation()).isEqualTo(ValidationMode.WARN);
    assertThat(reloaded.version()).isEqualTo(1);
  }

  @Test
  void inconsistentConstraintsAreRejectedNamingTheRule() {
    assertThatThrownBy(() -> Constraints.fromMap(Map.of("min", 5, "max", 1)))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("min 5.0 is greater than max 1.0");
    assertThatThrownBy(() -> Constraints.fromMap(Map.of("pattern", "([a-z")))
        .hasMessageContaining("pattern '([a-z' is not a regular expression");
    assertThatThrownBy(() -> Constraints.fromMap(Map.of("maximum", 5)))
        .hasMessageContaining("unknown field 'maximum'");
    assertThatThrownBy(() -> Constraints.fromMap(Map.of("max_length", -1)))
        .hasMessageContaining("max_length must be >= 0");
  }
}
