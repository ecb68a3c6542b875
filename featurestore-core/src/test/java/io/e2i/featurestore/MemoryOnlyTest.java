package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Memory-only reads ({@link MemoryOnly}): a cache hit answers as a normal read does and counts one
 * hit; every read that needs the offline store or the registry signals {@link
 * MemoryOnly.WouldBlock} having counted nothing, and the normal read after it counts as before.
 */
class MemoryOnlyTest {
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  private static final Map<String, Object> E1 = Map.of("id", "1");
  private FeatureStore store;

  @BeforeEach
  void setUp() {
    InMemoryBackend backend = new InMemoryBackend();
    store =
        FeatureStores.builder()
            .registry(backend)
            .offlineStore(backend)
            .onlineCache(FeatureStores.memoryCache(Duration.ofHours(1), 1000))
            .build();
    store.createFeatureGroup(FeatureGroup.builder("g").build());
    store.createFeature(new FeatureSpec("g", "f", ValueType.INT64, List.of("id")));
    store.writeFeatureValue("f", E1, 1, T0, "g");
  }

  @Test
  void aMissSignalsWithNothingCountedThenTheNormalReadCountsIt() throws Exception {
    CacheStats before = store.cacheStats();
    assertWouldBlock(OnlineRequest.of(E1, "g"));
    assertThat(store.cacheStats()).isEqualTo(before);

    EntityFeatures loaded = store.getEntityFeatures(OnlineRequest.of(E1, "g"));
    assertThat(store.cacheStats().misses()).isEqualTo(before.misses() + 1);
    EntityFeatures fromMemory =
        MemoryOnly.call(() -> store.getEntityFeatures(OnlineRequest.of(E1, "g")));
    assertThat(fromMemory).isEqualTo(loaded);
    assertThat(fromMemory.features()).containsEntry("f", 1L);
    assertThat(store.cacheStats().hits()).isEqualTo(before.hits() + 1);
    assertThat(store.cacheStats().misses()).isEqualTo(before.misses() + 1);
  }

  /** As a Feast read of several entities: hits before the miss are not counted either. */
  @Test
  void aScopeThatSignalsAfterSomeHitsCountsNone() throws Exception {
    store.getEntityFeatures(OnlineRequest.of(E1, "g")); // cached now
    CacheStats before = store.cacheStats();
    assertThatThrownBy(
            () ->
                MemoryOnly.call(
                    () -> {
                      store.getEntityFeatures(OnlineRequest.of(E1, "g")); // a hit
                      return store.getEntityFeatures(OnlineRequest.of(Map.of("id", "2"), "g"));
                    }))
        .isInstanceOf(MemoryOnly.WouldBlock.class);
    assertThat(store.cacheStats()).isEqualTo(before);
    MemoryOnly.call(
        () -> {
          store.getEntityFeatures(OnlineRequest.of(E1, "g"));
          return store.getEntityFeatures(OnlineRequest.of(E1, "g"));
        });
    assertThat(store.cacheStats().hits()).isEqualTo(before.hits() + 2);
  }

  @Test
  void readsPastTheCacheSignal() throws Exception {
    store.getEntityFeatures(OnlineRequest.of(E1, "g")); // cached now
    CacheStats before = store.cacheStats();
    assertWouldBlock(new OnlineRequest(E1, "g", List.of(), false, null));
    assertWouldBlock(new OnlineRequest(E1, "g", List.of(), true, T0));
    assertWouldBlock(OnlineRequest.of(E1, "unknown_group")); // the registry would be asked
    assertThat(store.cacheStats()).isEqualTo(before);
    // The normal reads answer them as before.
    assertThat(store.getEntityFeatures(new OnlineRequest(E1, "g", List.of(), true, T0)).features())
        .containsEntry("f", 1L);
    assertThatThrownBy(() -> store.getEntityFeatures(OnlineRequest.of(E1, "unknown_group")))
        .isInstanceOf(FeatureStoreException.class);
  }

  @Test
  void aWriteInvalidatesSoTheNextMemoryReadSignals() throws Exception {
    store.getEntityFeatures(OnlineRequest.of(E1, "g"));
    assertThat(MemoryOnly.call(() -> store.getEntityFeatures(OnlineRequest.of(E1, "g"))).features())
        .containsEntry("f", 1L);
    store.writeFeatureValue("f", E1, 2, T0.plusSeconds(1), "g");
    assertWouldBlock(OnlineRequest.of(E1, "g"));
    assertThat(store.getEntityFeatures(OnlineRequest.of(E1, "g")).features())
        .containsEntry("f", 2L);
  }

  @Test
  void errorsFoundInMemoryAreThrownAsUsual() {
    assertThatThrownBy(
            () ->
                MemoryOnly.call(
                    () ->
                        store.getEntityFeatures(
                            new OnlineRequest(E1, "g", List.of("nope"), true, null))))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("nope");
    assertThat(MemoryOnly.active()).isFalse();
  }

  private void assertWouldBlock(OnlineRequest request) {
    assertThatThrownBy(() -> MemoryOnly.call(() -> store.getEntityFeatures(request)))
        .isInstanceOf(MemoryOnly.WouldBlock.class);
    assertThat(MemoryOnly.active()).isFalse();
  }
}
