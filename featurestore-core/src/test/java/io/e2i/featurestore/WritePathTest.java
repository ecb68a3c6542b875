package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.OnlineCache;
import io.e2i.featurestore.testing.InMemoryBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The core's ordering guarantees: offline commit first, then invalidation; failures don't leak. */
class WritePathTest {
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  private InMemoryBackend backend;
  private OnlineCache cache;
  private FeatureStore store;

  @BeforeEach
  void setUp() {
    backend = new InMemoryBackend();
    cache = FeatureStores.memoryCache(Duration.ofHours(1), 1000);
    store =
        FeatureStores.builder().registry(backend).offlineStore(backend).onlineCache(cache).build();
    store.createFeatureGroup(FeatureGroup.builder("g").build());
    store.createFeature(new FeatureSpec("g", "f", ValueType.INT64, List.of("id")));
  }

  @Test
  void aFailedOfflineWriteIsUnavailableAndLeavesTheCacheAsItWas() {
    store.writeFeatureValue("f", Map.of("id", "1"), 1, T0, "g");
    assertThat(store.getEntityFeatures(Map.of("id", "1"), "g").features()).containsEntry("f", 1L);
    backend.failWrites(true);
    assertThatThrownBy(
            () ->
                store.writeBatchFeatures(
                    List.of(
                        new FeatureWrite("f", Map.of("id", "1"), 2, T0.plusSeconds(1)),
                        new FeatureWrite("f", Map.of("id", "2"), 2, T0))))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.UNAVAILABLE))
        .hasMessageContaining("nothing was written");
    backend.failWrites(false);
    assertThat(backend.rows()).hasSize(1);
    assertThat(store.getEntityFeatures(Map.of("id", "1"), "g").features()).containsEntry("f", 1L);
  }

  @Test
  void aReadThatRacedAWriteIsNotCached() {
    EntityKey entity = EntityKey.of("id", "1");
    store.writeFeatureValue("f", Map.of("id", "1"), 1, T0, "g");
    // A reader takes the generation and reads the old value...
    long generation = cache.generation(entity, "g");
    CachedFeatures stale =
        new CachedFeatures(List.of(new CachedFeatures.Entry("f", 1, ValueType.INT64, 1L, T0)));
    // ...a write commits and invalidates...
    store.writeFeatureValue("f", Map.of("id", "1"), 2, T0.plusSeconds(1), "g");
    // ...and the reader's late put must be dropped.
    CacheKey key = new CacheKey(entity, "g", List.of("f@1"));
    cache.putIfCurrent(key, stale, generation);
    assertThat(cache.get(key)).isNull();
    assertThat(store.getEntityFeatures(Map.of("id", "1"), "g").features()).containsEntry("f", 2L);
  }

  @Test
  void aBrokenCacheDegradesReadsAndWritesButLosesNothing() {
    BrokenCache broken = new BrokenCache();
    FeatureStore degraded =
        FeatureStores.builder().registry(backend).offlineStore(backend).onlineCache(broken).build();
    degraded.writeFeatureValue("f", Map.of("id", "9"), 9, T0, "g");
    assertThat(degraded.getEntityFeatures(Map.of("id", "9"), "g").features())
        .containsEntry("f", 9L);
    assertThat(degraded.cacheStats().errors()).isGreaterThanOrEqualTo(2);
    assertThat(degraded.healthCheck().online()).isFalse();
    assertThat(degraded.healthCheck().offline()).isTrue();
  }

  @Test
  void eventTimestampDefaultsToTheWriteTime() {
    store.writeFeatureValue("f", Map.of("id", "1"), 1, null, "g");
    assertThat(backend.rows().getFirst().eventTimestamp())
        .isEqualTo(backend.rows().getFirst().writtenAt());
  }

  /** A cache whose server is down: every call throws. */
  private static final class BrokenCache implements OnlineCache {
    @Override
    public CachedFeatures get(CacheKey key) {
      throw new IllegalStateException("down");
    }

    @Override
    public long generation(EntityKey entity, String featureGroup) {
      throw new IllegalStateException("down");
    }

    @Override
    public void putIfCurrent(CacheKey key, CachedFeatures value, long generation) {
      throw new IllegalStateException("down");
    }

    @Override
    public void invalidate(EntityKey entity, String featureGroup) {
      throw new IllegalStateException("down");
    }

    @Override
    public void invalidateEntity(EntityKey entity) {
      throw new IllegalStateException("down");
    }

    @Override
    public boolean isHealthy() {
      return false;
    }

    @Override
    public String describe() {
      return "broken";
    }

    @Override
    public void close() {}
  }
}
