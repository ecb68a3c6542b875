package io.e2i.featurestore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.testing.InMemoryBackend;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Redis cache on a real Redis Cluster of three masters and three replicas: one entity's keys in
 * one slot, batches across slots, invalidations held until a replica has them, and a master killed
 * under load with no stale read after an acknowledged write.
 */
class RedisClusterTest {
  private RedisCluster cluster;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void start() {
    cluster = RedisCluster.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private RedisOnlineCache cache(Map<String, String> options) {
    FeatureStoreConfig config =
        new FeatureStoreConfig(null, cluster.url(), null, null, false, options);
    RedisOnlineCache cache = RedisOnlineCache.open(cluster.url(), config);
    open.add(cache);
    return cache;
  }

  private static Map<String, String> fastProbe() {
    return Map.of("redis_timeout_ms", "200", "redis_probe_interval_ms", "100");
  }

  @Test
  void anEntitysKeysShareOneSlotAndBatchesInvalidateAcrossSlots() {
    RedisOnlineCache cache = cache(fastProbe());
    List<EntityKey> entities = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      entities.add(EntityKey.of("hcp_id", "HCP" + i));
    }
    List<Map.Entry<EntityKey, String>> scopes = new ArrayList<>();
    java.util.Set<Integer> slots = new java.util.HashSet<>();
    for (EntityKey e : entities) {
      for (String group : List.of("g1", "g2")) {
        CacheKey key = RedisOnlineCacheTest.key(e, group, "specialty");
        cache.putIfCurrent(key, RedisOnlineCacheTest.value("v"), cache.generation(e, group));
        assertThat(cache.get(key)).isNotNull();
        int slot = SlotHash.getSlot(key.render());
        assertThat(slot).isEqualTo(SlotHash.getSlot(CacheKey.prefix(e, group) + ":gen"));
        assertThat(slot).isEqualTo(SlotHash.getSlot(SlotEpochs.forEntity(e.hash())));
        slots.add(slot);
        scopes.add(Map.entry(e, group));
      }
    }
    assertThat(slots).hasSizeGreaterThan(30); // entities spread over the cluster
    long before = cache.generation(entities.get(0), "g1");
    cache.invalidateAll(scopes);
    for (Map.Entry<EntityKey, String> scope : scopes) {
      assertThat(cache.get(RedisOnlineCacheTest.key(scope.getKey(), scope.getValue(), "specialty")))
          .isNull();
    }
    assertThat(cache.generation(entities.get(0), "g1")).isGreaterThan(before);

    EntityKey e = entities.get(1);
    CacheKey key = RedisOnlineCacheTest.key(e, "g1", "specialty");
    cache.putIfCurrent(key, RedisOnlineCacheTest.value("w"), cache.generation(e, "g1"));
    cache.invalidateEntity(e);
    assertThat(cache.get(key)).isNull();
    assertThat(cache.isHealthy()).isTrue();
    assertThat(cache.describe()).contains("redis-cluster://");
  }

  @Test
  void anInvalidationNoReplicaHasIsNotAcknowledgedAndRetiresTheCache() {
    RedisOnlineCache cache = cache(fastProbe());
    EntityKey e = EntityKey.of("hcp_id", "HCP1");
    CacheKey key = RedisOnlineCacheTest.key(e, "g", "specialty");
    cache.putIfCurrent(key, RedisOnlineCacheTest.value("old"), cache.generation(e, "g"));
    int master = cluster.masterOf(SlotHash.getSlot(e.hash()));
    int replica = master + 3;
    long bumps = cache.epochBumps();
    cluster.pause(replica);
    try {
      assertThatThrownBy(() -> cache.invalidate(e, "g"))
          .isInstanceOf(FeatureStoreException.class)
          .hasMessageContaining("replicas acknowledged");
    } finally {
      cluster.resume(replica);
    }
    awaitCacheUp(cache);
    assertThat(cache.epochBumps()).isGreaterThan(bumps);
    assertThat(cache.get(key)).isNull(); // cached in an older epoch
  }

  @Test
  void aKilledMasterServesNoStaleReadAfterAnAcknowledgedWrite() throws Exception {
    InMemoryBackend backend = new InMemoryBackend();
    FeatureStore store =
        FeatureStores.builder()
            .registry(backend)
            .offlineStore(backend)
            .onlineCache(cache(fastProbe()))
            .build();
    open.add(store);
    store.createFeatureGroup(FeatureGroup.builder("g").build());
    store.createFeature(new FeatureSpec("g", "n", ValueType.INT64, List.of("hcp_id")));
    int entities = 40;
    long[] acked = new long[entities];
    AtomicLong stale = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    int victim = cluster.masterOf(SlotHash.getSlot(EntityKey.of("hcp_id", "E0").hash()));

    long round = 0;
    long killAt = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    boolean killed = false;
    long endAt = Long.MAX_VALUE; // four seconds after the promotion
    long hitsAfterPromotion = -1;
    while (System.nanoTime() < endAt) {
      round++;
      for (int i = 0; i < entities; i++) {
        Map<String, Object> entity = Map.of("hcp_id", "E" + i);
        // Read twice before the write (fills the cache), then after it: must see the write.
        read(store, entity);
        read(store, entity);
        store.writeFeatureValue(new FeatureWrite("n", entity, round, null, "g"));
        acked[i] = round;
        Object seen = read(store, entity);
        reads.incrementAndGet();
        if (seen == null || ((Number) seen).longValue() < acked[i]) {
          stale.incrementAndGet();
        }
      }
      if (!killed && System.nanoTime() > killAt) {
        cluster.kill(victim);
        killed = true;
        cluster.awaitPromoted(victim + 3, Duration.ofSeconds(30));
        endAt = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        hitsAfterPromotion = store.cacheStats().hits();
      }
    }
    assertThat(killed).isTrue();
    assertThat(stale.get()).as("stale reads out of %d", reads.get()).isZero();
    assertThat(store.cacheStats().hits())
        .as("the cache serves hits again after the failover")
        .isGreaterThan(hitsAfterPromotion);
    assertThat(cluster.masterOf(SlotHash.getSlot(EntityKey.of("hcp_id", "E0").hash())))
        .isEqualTo(victim + 3);
  }

  private static Object read(FeatureStore store, Map<String, Object> entity) {
    return store.getEntityFeatures(entity, "g").features().get("n");
  }

  private static void awaitCacheUp(RedisOnlineCache cache) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!cache.isHealthy() && System.nanoTime() < deadline) {
      RedisProcess.sleep(50);
    }
    assertThat(cache.isHealthy()).isTrue();
  }
}
