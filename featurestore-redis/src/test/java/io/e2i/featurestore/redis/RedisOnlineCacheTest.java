package io.e2i.featurestore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.BackendProvider;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.OnlineCache;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RedisOnlineCacheTest {
  private static RedisProcess redis;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;
  private static RedisCommands<String, String> raw;

  private static final EntityKey E1 = EntityKey.of("hcp_id", "HCP1");
  private static final EntityKey E2 = EntityKey.of("hcp_id", "HCP2");
  private RedisOnlineCache cache;

  @BeforeAll
  static void startRedis() {
    redis = RedisProcess.start();
    client = RedisClient.create(redis.url());
    connection = client.connect();
    raw = connection.sync();
  }

  @AfterAll
  static void stopRedis() {
    if (connection != null) {
      connection.close();
      client.shutdown();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @BeforeEach
  void open() {
    raw.flushall();
    cache = open(Duration.ofHours(1), false);
  }

  @AfterEach
  void close() {
    cache.close();
  }

  private static RedisOnlineCache open(Duration ttl, boolean near) {
    return RedisOnlineCache.open(
        redis.url(), FeatureStoreConfig.defaults().withCacheTtl(ttl).withNearCache(near));
  }

  static CachedFeatures value(String specialty) {
    return new CachedFeatures(
        List.of(
            new CachedFeatures.Entry(
                "specialty", 1, ValueType.STRING, specialty, Instant.parse("2025-12-18T12:00:00Z")),
            new CachedFeatures.Entry(
                "years_in_practice",
                1,
                ValueType.INT64,
                12L,
                Instant.parse("2025-12-18T12:00:00Z"))));
  }

  static CacheKey key(EntityKey entity, String group, String... names) {
    return new CacheKey(entity, group, List.of(names));
  }

  private static void put(OnlineCache cache, CacheKey key, CachedFeatures value) {
    cache.putIfCurrent(key, value, cache.generation(key.entity(), key.featureGroup()));
  }

  @Test
  void storesUnderTheSeedsKeyWithTheTtl() {
    CacheKey key = key(E1, "hcp_demographics", "specialty@1", "years_in_practice@1");
    put(cache, key, value("Oncology"));

    String rendered = key.render();
    assertThat(rendered).matches("fs:\\{[0-9a-f]{16}\\}:fg:hcp_demographics:fn:[0-9a-f]{16}");
    assertThat(rendered).startsWith("fs:{" + E1.hash() + "}:fg:hcp_demographics:fn:");
    String stored = raw.get(rendered);
    assertThat(stored).isEqualTo("0|" + value("Oncology").toJson());
    assertThat(raw.ttl(rendered)).isBetween(3590L, 3600L);
    assertThat(cache.get(key)).isEqualTo(value("Oncology"));
    assertThat(cache.get(key(E1, "hcp_demographics", "specialty@1"))).isNull();
  }

  @Test
  void entriesExpireAfterTheTtl() {
    cache.close();
    cache = open(Duration.ofSeconds(1), false);
    CacheKey key = key(E1, "g", "a@1");
    put(cache, key, value("x"));
    assertThat(cache.get(key)).isNotNull();
    RedisProcess.sleep(2100);
    assertThat(cache.get(key)).isNull();
    assertThat(raw.exists(key.render())).isZero();
  }

  @Test
  void invalidateDropsEveryEntryOfTheEntityAndGroupOnly() {
    CacheKey a = key(E1, "g1", "a@1");
    CacheKey ab = key(E1, "g1", "a@1", "b@1");
    CacheKey otherGroup = key(E1, "g2", "a@1");
    CacheKey otherEntity = key(E2, "g1", "a@1");
    for (CacheKey k : List.of(a, ab, otherGroup, otherEntity)) {
      put(cache, k, value(k.toString()));
    }
    long before = cache.generation(E1, "g1");

    cache.invalidate(E1, "g1");

    assertThat(cache.get(a)).isNull();
    assertThat(cache.get(ab)).isNull();
    assertThat(raw.exists(a.render(), ab.render())).isZero();
    assertThat(cache.generation(E1, "g1")).isEqualTo(before + 1);
    assertThat(cache.get(otherGroup)).isEqualTo(value(otherGroup.toString()));
    assertThat(cache.get(otherEntity)).isEqualTo(value(otherEntity.toString()));
  }

  @Test
  void invalidateEntityDropsEveryGroup() {
    CacheKey g1 = key(E1, "g1", "a@1");
    CacheKey g2 = key(E1, "g2", "a@1");
    CacheKey other = key(E2, "g1", "a@1");
    for (CacheKey k : List.of(g1, g2, other)) {
      put(cache, k, value("v"));
    }
    long gen2 = cache.generation(E1, "g2");

    cache.invalidateEntity(E1);

    assertThat(cache.get(g1)).isNull();
    assertThat(cache.get(g2)).isNull();
    assertThat(cache.get(other)).isNotNull();
    cache.putIfCurrent(g2, value("old read"), gen2);
    assertThat(cache.get(g2)).as("a read from before the invalidation is not cached").isNull();
  }

  @Test
  void aReadTakenBeforeAnInvalidationIsNeverCached() {
    CacheKey key = key(E1, "g", "a@1");
    long generation = cache.generation(E1, "g"); // reader starts, reads the offline store...
    cache.invalidate(E1, "g"); // ...a write commits and invalidates...
    cache.putIfCurrent(key, value("old"), generation); // ...the reader caches what it read
    assertThat(cache.get(key)).isNull();
    assertThat(cache.droppedCount()).isEqualTo(1);

    // A read after the invalidation caches normally.
    put(cache, key, value("new"));
    assertThat(cache.get(key)).isEqualTo(value("new"));
  }

  @Test
  void invalidationsFromAnotherInstanceAreSeen() {
    try (RedisOnlineCache other = open(Duration.ofHours(1), false)) {
      CacheKey key = key(E1, "g", "a@1");
      long generation = cache.generation(E1, "g");
      other.invalidate(E1, "g");
      cache.putIfCurrent(key, value("old"), generation);
      assertThat(other.get(key)).isNull();
      put(other, key, value("new"));
      assertThat(cache.get(key)).isEqualTo(value("new"));
    }
  }

  @Test
  void batchInvalidationCoversEveryPair() {
    List<Map.Entry<EntityKey, String>> scopes = new java.util.ArrayList<>();
    for (int i = 0; i < 600; i++) {
      EntityKey e = EntityKey.of("hcp_id", "H" + i);
      put(cache, key(e, "g", "a@1"), value("v"));
      scopes.add(Map.entry(e, "g"));
    }
    cache.invalidateAll(scopes);
    for (int i = 0; i < 600; i++) {
      assertThat(cache.get(key(EntityKey.of("hcp_id", "H" + i), "g", "a@1"))).isNull();
    }
    assertThat(raw.keys("fs:*:fn:*")).isEmpty();
  }

  @Test
  void entriesOfAnOlderEpochAreNotServed() {
    CacheKey key = key(E1, "g", "a@1");
    put(cache, key, value("v"));
    long generation = cache.generation(E1, "g");
    raw.incr(RedisOnlineCache.EPOCH_KEY);
    assertThat(cache.get(key)).isNull();
    cache.putIfCurrent(key, value("old"), generation);
    assertThat(cache.get(key)).isNull();
    put(cache, key, value("new"));
    assertThat(cache.get(key)).isEqualTo(value("new"));
  }

  @Test
  void nearCacheServesRepeatedReadsAndDropsOnInvalidation() throws InterruptedException {
    // A lease of 500 ms (renewed every 125 ms) cannot lapse between two reads even on a loaded
    // machine; with the default 20 ms, a stall of a few ms sends the read to Redis (by design).
    FeatureStoreConfig config =
        new FeatureStoreConfig(
            null, null, null, Duration.ofHours(1), true, Map.of("near_cache_max_stale_ms", "500"));
    try (RedisOnlineCache near = RedisOnlineCache.open(redis.url(), config)) {
      awaitLease(near);
      CacheKey key = key(E1, "g", "a@1");
      put(near, key, value("v1"));
      assertThat(near.get(key)).isEqualTo(value("v1")); // Redis hit, fills the near cache
      assertThat(near.get(key)).isEqualTo(value("v1")); // near hit
      assertThat(near.stats().hits()).isEqualTo(1);

      near.invalidate(E1, "g");
      assertThat(near.get(key)).isNull();
    }
  }

  /**
   * What the server's I/O thread may read ({@code getInMemory}): a valid near copy only, with its
   * hit counted and no miss (the read that follows a null counts it); never a round trip.
   */
  @Test
  void memoryReadsServeValidNearCopiesOnly() throws InterruptedException {
    CacheKey key = key(E1, "g", "a@1");
    put(cache, key, value("v1"));
    assertThat(cache.get(key)).isEqualTo(value("v1"));
    assertThat(cache.getInMemory(key)).as("no near cache: Redis only").isNull();

    FeatureStoreConfig config =
        new FeatureStoreConfig(
            null, null, null, Duration.ofHours(1), true, Map.of("near_cache_max_stale_ms", "500"));
    try (RedisOnlineCache near = RedisOnlineCache.open(redis.url(), config)) {
      awaitLease(near);
      assertThat(near.getInMemory(key)).as("not read yet: no near copy").isNull();
      assertThat(near.stats().misses()).isZero();
      assertThat(near.get(key)).isEqualTo(value("v1")); // a miss, then Redis fills the near copy
      assertThat(near.stats().misses()).isEqualTo(1);
      assertThat(near.getInMemory(key)).isEqualTo(value("v1"));
      assertThat(near.stats().hits()).isEqualTo(1);
      near.invalidate(E1, "g");
      assertThat(near.getInMemory(key)).isNull();
      assertThat(near.stats().misses()).isEqualTo(1);
    }
  }

  /**
   * The lease is what makes near copies safe: while Redis does not answer (here it is paused, as a
   * stalled connection would be), pushed invalidations could be waiting unread, so once the lease
   * runs out the near copy is not served and the read goes to Redis (and fails).
   */
  @Test
  void nearCopiesAreNotServedOnceTheLeaseRunsOut() throws InterruptedException {
    try (RedisOnlineCache near = open(Duration.ofHours(1), true);
        StatefulRedisConnection<String, String> admin = client.connect()) {
      awaitLease(near);
      CacheKey key = key(E1, "g", "a@1");
      put(near, key, value("v1"));
      assertThat(near.get(key)).isEqualTo(value("v1")); // the near cache holds it now
      admin.sync().clientPause(2_000);
      long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      while (near.nearLeaseHeld() && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(near.nearLeaseHeld()).as("lease after Redis stopped answering").isFalse();
      assertThat(near.getInMemory(key)).as("a memory read, without asking Redis").isNull();
      assertThatThrownBy(() -> near.get(key)).isInstanceOf(FeatureStoreException.class);
    } finally {
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (System.nanoTime() < deadline) { // the pause ends by itself within 2 s
        try {
          raw.ping();
          break;
        } catch (RuntimeException stillPaused) {
          Thread.sleep(50);
        }
      }
    }
  }

  private static void awaitLease(RedisOnlineCache near) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!near.nearLeaseHeld() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(near.nearLeaseHeld()).as("near-cache lease").isTrue();
  }

  @Test
  void providerServesRedisUrls() {
    BackendProvider provider =
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.supportsOnline("redis://localhost:6379"))
            .findFirst()
            .orElseThrow();
    assertThat(provider.supportsOnline("rediss://user:pw@host:6380/0")).isTrue();
    assertThat(provider.supportsOnline("memory")).isFalse();
    assertThat(provider.supportsOnline("postgresql://x")).isFalse();
    try (OnlineCache opened = provider.openOnline(redis.url(), FeatureStoreConfig.defaults())) {
      assertThat(opened.isHealthy()).isTrue();
      assertThat(opened.describe()).contains("redis://127.0.0.1:" + redis.port());
    }
  }

  @Test
  void badOptionsAreRejectedWithTheirName() {
    FeatureStoreConfig config =
        new FeatureStoreConfig(
            null, redis.url(), null, null, false, Map.of("redis_timeout_ms", "soon"));
    assertThatThrownBy(() -> RedisOnlineCache.open(redis.url(), config))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("redis_timeout_ms")
        .hasMessageContaining("soon");
  }

  @Test
  void passwordsStayOutOfDescribe() {
    try (RedisOnlineCache c =
        RedisOnlineCache.open("redis://user:s3cret@127.0.0.1:1", FeatureStoreConfig.defaults())) {
      assertThat(c.describe()).doesNotContain("s3cret").contains("unreachable");
      assertThat(c.isHealthy()).isFalse();
      assertThatThrownBy(() -> c.get(key(E1, "g", "a@1")))
          .isInstanceOf(FeatureStoreException.class);
    }
  }
}
