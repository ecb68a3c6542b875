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

  private FeatureStore store(InMemoryBackend backend, boolean near) {
    return store(backend, near, fastProbe());
  }

  private FeatureStore store(InMemoryBackend backend, boolean near, Map<String, String> options) {
    FeatureStoreConfig config =
        new FeatureStoreConfig(null, cluster.url(), null, null, near, options);
    RedisOnlineCache cache = RedisOnlineCache.open(cluster.url(), config);
    FeatureStore store =
        FeatureStores.builder().registry(backend).offlineStore(backend).onlineCache(cache).build();
    open.add(store);
    caches.put(store, cache);
    return store;
  }

  private final Map<FeatureStore, RedisOnlineCache> caches = new java.util.HashMap<>();

  private String nearState(FeatureStore store) {
    RedisOnlineCache cache = caches.get(store);
    return "lease "
        + cache.nearLeaseHeld()
        + ", tracked masters "
        + cache.trackedNodes()
        + ", "
        + store.cacheStats()
        + ", "
        + cache.describe();
  }

  private static void awaitLease(RedisOnlineCache cache) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!(cache.nearLeaseHeld() && cache.trackedNodes() == 3) && System.nanoTime() < deadline) {
      RedisProcess.sleep(10);
    }
    assertThat(cache.trackedNodes()).as("masters tracked").isEqualTo(3);
    assertThat(cache.nearLeaseHeld()).as("near-cache lease").isTrue();
  }

  /**
   * Two instances with near caches over one cluster: a write on A is seen by B's very next read
   * although B held the old value near, for entities on every master; B serves near hits between.
   */
  @Test
  void nearCachesOnTwoInstancesSeeEachOthersWritesOnEveryMaster() {
    InMemoryBackend backend = new InMemoryBackend();
    FeatureStore a = store(backend, true);
    a.createFeatureGroup(FeatureGroup.builder("g").build());
    a.createFeature(new FeatureSpec("g", "n", ValueType.INT64, List.of("hcp_id")));
    FeatureStore b = store(backend, true); // opened after the group, so its registry has it
    java.util.Set<Integer> masters = new java.util.HashSet<>();
    int entities = 30;
    for (int i = 0; i < entities; i++) {
      masters.add(cluster.masterOf(SlotHash.getSlot(EntityKey.of("hcp_id", "E" + i).hash())));
    }
    assertThat(masters).as("the entities live on every master").hasSize(3);
    for (long round = 1; round <= 8; round++) {
      for (int i = 0; i < entities; i++) {
        Map<String, Object> entity = Map.of("hcp_id", "E" + i);
        read(b, entity);
        read(b, entity); // B holds the value near now
        FeatureStore writer = round % 2 == 0 ? a : b;
        FeatureStore reader = writer == a ? b : a;
        writer.writeFeatureValue(new FeatureWrite("n", entity, round, null, "g"));
        assertThat(read(writer, entity)).as("the writer, round %d", round).isEqualTo(round);
        assertThat(read(reader, entity))
            .as("the other instance right after the acknowledgement, round %d", round)
            .isEqualTo(round);
        assertThat(read(reader, entity)).as("again (near hit)").isEqualTo(round);
      }
    }
    assertThat(b.cacheStats().hits()).as("B's near hits").isGreaterThan(entities * 4L);
    assertThat(b.healthCheck().details().get("online_cache")).contains("near cache");
  }

  /**
   * The lease: a master that stops answering (paused, as a stalled or partitioned node) stops every
   * near copy from being served within near_cache_max_stale_ms, and the lease comes back once the
   * master answers again.
   */
  @Test
  void nearCopiesAreNotServedWhileAMasterDoesNotAnswer() {
    Map<String, String> options = new java.util.HashMap<>(fastProbe());
    options.put("redis_probe_interval_ms", "60000"); // the link's own probe stays out of the way
    FeatureStoreConfig config =
        new FeatureStoreConfig(null, cluster.url(), null, Duration.ofHours(1), true, options);
    RedisOnlineCache cache = RedisOnlineCache.open(cluster.url(), config);
    open.add(cache);
    awaitLease(cache);
    EntityKey e = EntityKey.of("hcp_id", "HCP1");
    CacheKey key = RedisOnlineCacheTest.key(e, "g", "specialty");
    cache.putIfCurrent(key, RedisOnlineCacheTest.value("v1"), cache.generation(e, "g"));
    assertThat(cache.get(key)).isNotNull(); // a Redis hit through the slot's tracking connection
    long hits = cache.stats().hits();
    assertThat(cache.get(key)).isNotNull();
    assertThat(cache.stats().hits()).as("a near hit").isEqualTo(hits + 1);
    int master = cluster.masterOf(SlotHash.getSlot(e.hash()));
    int other = (master + 1) % 3; // not the entity's master: every near copy depends on all
    cluster.pause(other);
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (cache.nearLeaseHeld() && System.nanoTime() < deadline) {
        RedisProcess.sleep(5);
      }
      assertThat(cache.nearLeaseHeld()).as("lease while a master does not answer").isFalse();
      long before = cache.stats().hits();
      assertThat(cache.get(key)).isNotNull(); // from the entity's master, which still answers
      assertThat(cache.stats().hits()).as("no near hit without the lease").isEqualTo(before);
    } finally {
      cluster.resume(other);
    }
    awaitLease(cache);
  }

  /**
   * Failover with near caches on two instances: writes alternate between A and B, each followed by
   * reads on both; a master is killed and its replica promoted meanwhile. No read after an
   * acknowledged write sees an older value, and both serve near hits again afterwards.
   */
  @Test
  void aKilledMasterLeavesNoStaleNearCopyAfterAnAcknowledgedWrite() {
    InMemoryBackend backend = new InMemoryBackend();
    FeatureStore a = store(backend, true);
    a.createFeatureGroup(FeatureGroup.builder("g").build());
    a.createFeature(new FeatureSpec("g", "n", ValueType.INT64, List.of("hcp_id")));
    FeatureStore b = store(backend, true); // opened after the group, so its registry has it
    int entities = 30;
    AtomicLong stale = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    List<String> failures = new ArrayList<>();
    int victim = cluster.masterOf(SlotHash.getSlot(EntityKey.of("hcp_id", "E0").hash()));
    long round = 0;
    long killAt = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    boolean killed = false;
    long endAt = Long.MAX_VALUE;
    long hitsAfterPromotion = -1;
    while (System.nanoTime() < endAt) {
      round++;
      for (int i = 0; i < entities; i++) {
        Map<String, Object> entity = Map.of("hcp_id", "E" + i);
        read(a, entity);
        read(b, entity);
        read(b, entity);
        FeatureStore writer = (round + i) % 2 == 0 ? a : b;
        try {
          writer.writeFeatureValue(new FeatureWrite("n", entity, round, null, "g"));
        } catch (FeatureStoreException e) {
          continue; // not acknowledged (the slot has no master for a moment): nothing to check
        }
        for (FeatureStore reader : List.of(a, b, b)) {
          Object seen = read(reader, entity);
          reads.incrementAndGet();
          if (seen == null || ((Number) seen).longValue() < round) {
            stale.incrementAndGet();
            failures.add(
                "E" + i + " round " + round + " on " + (reader == a ? "A" : "B") + ": " + seen);
          }
        }
      }
      if (!killed && System.nanoTime() > killAt) {
        cluster.kill(victim);
        killed = true;
        cluster.awaitPromoted(victim + 3, Duration.ofSeconds(30));
        endAt = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        hitsAfterPromotion = b.cacheStats().hits();
      }
    }
    assertThat(killed).isTrue();
    assertThat(stale.get()).as("stale reads out of %d: %s", reads.get(), failures).isZero();
    assertThat(b.cacheStats().hits())
        .as("B serves near hits again after the failover (%s)", nearState(b))
        .isGreaterThan(hitsAfterPromotion);
  }

  /**
   * A manual failover (CLUSTER FAILOVER on a replica): the old master stays up as a replica, so its
   * tracking connection does not drop; it answers the lease read with MOVED instead, and the
   * clients' topology refresh moves reads and writes to the new master. Writes alternate between
   * two near-cache instances through it, with no stale read after an acknowledged write.
   */
  @Test
  void aManualFailoverLeavesNoStaleNearCopyAfterAnAcknowledgedWrite() {
    InMemoryBackend backend = new InMemoryBackend();
    FeatureStore a = store(backend, true);
    a.createFeatureGroup(FeatureGroup.builder("g").build());
    a.createFeature(new FeatureSpec("g", "n", ValueType.INT64, List.of("hcp_id")));
    FeatureStore b = store(backend, true);
    int entities = 30;
    AtomicLong stale = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    List<String> failures = new ArrayList<>();
    int slot = SlotHash.getSlot(EntityKey.of("hcp_id", "E0").hash());
    int old = cluster.masterOf(slot);
    long failoverAt = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    boolean requested = false;
    long endAt = Long.MAX_VALUE;
    long hitsAfter = -1;
    for (long round = 1; System.nanoTime() < endAt; round++) {
      for (int i = 0; i < entities; i++) {
        Map<String, Object> entity = Map.of("hcp_id", "E" + i);
        read(b, entity);
        read(b, entity);
        FeatureStore writer = (round + i) % 2 == 0 ? a : b;
        writer.writeFeatureValue(new FeatureWrite("n", entity, round, null, "g"));
        for (FeatureStore reader : List.of(a, b, b)) {
          Object seen = read(reader, entity);
          reads.incrementAndGet();
          if (seen == null || ((Number) seen).longValue() < round) {
            stale.incrementAndGet();
            failures.add(
                "E" + i + " round " + round + " on " + (reader == a ? "A" : "B") + ": " + seen);
          }
        }
      }
      if (!requested && System.nanoTime() > failoverAt) {
        cluster.withNode(old + 3, r -> r.clusterFailover(false));
        requested = true;
      } else if (requested && endAt == Long.MAX_VALUE && cluster.masterOf(slot) == old + 3) {
        endAt = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        hitsAfter = b.cacheStats().hits();
      }
    }
    assertThat(cluster.masterOf(slot)).as("the replica took over").isEqualTo(old + 3);
    assertThat(stale.get()).as("stale reads out of %d: %s", reads.get(), failures).isZero();
    assertThat(b.cacheStats().hits())
        .as("B serves near hits again after the failover (%s)", nearState(b))
        .isGreaterThan(hitsAfter);
  }

  /**
   * A write whose invalidation was lost with a killed master is acknowledged (the offline store has
   * it). The promoted replica still holds the entry it replaced, and another instance's client may
   * route to that replica before either instance's prober has seen the failover and advanced the
   * epochs (here the probers wait a minute). That read must not be served from the new master.
   */
  @Test
  void aPromotedReplicaIsNotReadBeforeTheEpochsMoved() {
    Map<String, String> slowProbe =
        Map.of("redis_timeout_ms", "200", "redis_probe_interval_ms", "60000");
    InMemoryBackend backend = new InMemoryBackend();
    FeatureStore a = store(backend, false, slowProbe);
    a.createFeatureGroup(FeatureGroup.builder("g").build());
    a.createFeature(new FeatureSpec("g", "n", ValueType.INT64, List.of("hcp_id")));
    FeatureStore b = store(backend, false, slowProbe);
    Map<String, Object> entity = Map.of("hcp_id", "E0");
    a.writeFeatureValue(new FeatureWrite("n", entity, 1L, null, "g"));
    assertThat(read(b, entity)).isEqualTo(1L);
    assertThat(read(b, entity)).isEqualTo(1L); // cached in Redis by B
    RedisProcess.sleep(500); // the replica has the entry
    int victim = cluster.masterOf(SlotHash.getSlot(EntityKey.of("hcp_id", "E0").hash()));
    cluster.kill(victim);
    a.writeFeatureValue(new FeatureWrite("n", entity, 2L, null, "g")); // its invalidation is lost
    cluster.awaitPromoted(victim + 3, Duration.ofSeconds(30));
    RedisProcess.sleep(3000); // B's client refreshes its topology (every second)
    assertThat(read(b, entity)).as("B after the failover, before any epoch bump").isEqualTo(2L);
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
