package io.e2i.featurestore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.testing.InMemoryBackend;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis going away under a running feature store: reads answer from the offline store quickly,
 * writes succeed, health says so; when Redis is back, caching resumes by itself and nothing cached
 * before a write acknowledged during the outage is served.
 */
class RedisOutageTest {
  private static final Map<String, Object> H1 = Map.of("hcp_id", "H1");
  private static final Duration BOUND = Duration.ofMillis(500);

  private RedisProcess redis;
  private InMemoryBackend backend;
  private FeatureStore store;

  @BeforeEach
  void start() {
    redis = RedisProcess.start();
    backend = new InMemoryBackend();
    store = open(false);
    store.createFeatureGroup(FeatureGroup.builder("g").build());
    store.createFeature(new FeatureSpec("g", "specialty", ValueType.STRING, List.of("hcp_id")));
  }

  @AfterEach
  void stop() {
    if (store != null) {
      store.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private FeatureStore open(boolean near) {
    return open(near, 100);
  }

  private FeatureStore open(boolean near, long probeIntervalMillis) {
    FeatureStoreConfig config =
        new FeatureStoreConfig(
            null,
            redis.url(),
            null,
            null,
            near,
            Map.of(
                "redis_timeout_ms",
                "100",
                "redis_probe_interval_ms",
                Long.toString(probeIntervalMillis)));
    return FeatureStores.builder()
        .registry(backend)
        .offlineStore(backend)
        .onlineCache(RedisOnlineCache.open(redis.url(), config))
        .build();
  }

  private void write(FeatureStore s, String value) {
    s.writeFeatureValue(new FeatureWrite("specialty", H1, value, null, "g"));
  }

  private static Object read(FeatureStore s) {
    return s.getEntityFeatures(H1, "g").features().get("specialty");
  }

  /** Reads within the bound, whatever Redis is doing. */
  private Object timedRead() {
    long t0 = System.nanoTime();
    Object value = read(store);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(BOUND);
    return value;
  }

  private void redisCommand(
      java.util.function.Consumer<StatefulRedisConnection<String, String>> c) {
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      c.accept(connection);
    } finally {
      client.shutdown();
    }
  }

  private void awaitOnline(boolean online) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (store.healthCheck().online() != online) {
      assertThat(System.nanoTime())
          .as("health online=" + online + " within 10 s")
          .isLessThan(deadline);
      RedisProcess.sleep(20);
    }
  }

  private void assertCachedRead(Object expected) {
    long hits = store.cacheStats().hits();
    assertThat(read(store)).isEqualTo(expected);
    assertThat(read(store)).isEqualTo(expected);
    assertThat(store.cacheStats().hits()).as("caching resumed").isGreaterThan(hits);
  }

  @Test
  void redisKilledAndRestartedWithItsData() {
    write(store, "Oncology");
    assertCachedRead("Oncology");
    redisCommand(c -> c.sync().save()); // the restart brings the cached "Oncology" back
    redis.stop();

    assertThat(timedRead()).isEqualTo("Oncology");
    awaitOnline(false);
    long t0 = System.nanoTime();
    write(store, "Cardiology"); // acknowledged while Redis is down
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(BOUND);
    for (int i = 0; i < 20; i++) {
      assertThat(timedRead()).isEqualTo("Cardiology");
    }
    assertThat(store.healthCheck().details().get("online_cache")).contains("unreachable");

    redis.startAgain();
    awaitOnline(true);
    assertThat(read(store)).isEqualTo("Cardiology");
    assertCachedRead("Cardiology");
  }

  @Test
  void redisUnresponsiveWhileAWriteIsAcknowledged() {
    write(store, "Oncology");
    assertCachedRead("Oncology");
    // Redis keeps its data and run id but answers nobody for a while: the invalidation of the
    // write below times out and the cached "Oncology" stays in Redis.
    redisCommand(c -> c.sync().clientPause(1500));

    long t0 = System.nanoTime();
    write(store, "Cardiology");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(BOUND);
    assertThat(timedRead()).isEqualTo("Cardiology");
    assertThat(store.healthCheck().online()).isFalse();

    awaitOnline(true);
    assertThat(read(store)).isEqualTo("Cardiology");
    assertCachedRead("Cardiology");
  }

  @Test
  void instancesWithoutNearCachesNeverReadOlderThanAnAcknowledgedWrite() {
    try (FeatureStore other = open(false)) {
      for (int i = 0; i < 200; i++) {
        write(store, "v" + i);
        assertThat(read(other)).isEqualTo("v" + i);
        assertThat(read(other)).isEqualTo("v" + i); // Redis hit
        write(other, "w" + i);
        assertThat(read(store)).isEqualTo("w" + i);
      }
      assertThat(other.cacheStats().hits()).isGreaterThanOrEqualTo(200);
    }
  }

  /**
   * Issue 10, item 8: Redis frozen (SIGSTOP) while instance A acknowledges writes whose
   * invalidations cannot reach it, and instance B keeps reading. When Redis answers again, B must
   * not serve the entry cached before those writes, even if B reconnects before A does (A's probe
   * is slow here on purpose, so B is first).
   */
  @Test
  void aReaderThatSawRedisFreezeNeverServesAnEntryOlderThanAnAcknowledgedWrite() {
    for (boolean near : List.of(false, true)) {
      try (FeatureStore a = open(near, 3000);
          FeatureStore b = open(near, 50);
          FeatureStore c = open(near, 50)) {
        write(a, "before");
        assertThat(read(b)).isEqualTo("before");
        assertThat(read(b)).isEqualTo("before"); // now cached in Redis (and near)
        assertThat(read(c)).isEqualTo("before");
        redis.pause(); // c stays idle while Redis is frozen: it notices nothing
        try {
          assertThat(read(b)).isEqualTo("before"); // times out: B's circuit opens
          assertThat(read(a)).isEqualTo("before"); // A's too: its invalidations are refused
          write(a, "after-1");
          write(a, "after-2"); // acknowledged: committed offline, invalidation lost
          assertThat(read(b)).isEqualTo("after-2");
        } finally {
          redis.resume();
        }
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until) {
          assertThat(read(c))
              .as("idle C after Redis came back (near=%s)", near)
              .isEqualTo("after-2");
          assertThat(read(b)).as("B after Redis came back (near=%s)", near).isEqualTo("after-2");
          RedisProcess.sleep(5);
        }
        assertThat(b.healthCheck().online()).as("B is back on Redis").isTrue();
        assertThat(a.healthCheck().online()).as("A is still probing").isFalse();
      }
      redisCommand(c -> c.sync().flushall());
    }
  }

  /**
   * The same with Redis killed and restarted with its data (saved while "before" was cached): the
   * restart brings the old entry back, and no instance may serve it after A acknowledged writes
   * while Redis was gone, although A reconnects last.
   */
  @Test
  void noInstanceServesAnEntryARestartBroughtBack() {
    try (FeatureStore a = open(false, 3000);
        FeatureStore b = open(false, 50);
        FeatureStore c = open(false, 50)) {
      write(a, "before");
      assertThat(read(b)).isEqualTo("before");
      assertThat(read(c)).isEqualTo("before"); // cached in Redis
      redisCommand(r -> r.sync().save());
      redis.stop();
      assertThat(read(b)).isEqualTo("before"); // from the offline store
      write(a, "after"); // acknowledged while Redis is gone
      redis.startAgain();
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < until) {
        assertThat(read(c)).as("idle C after the restart").isEqualTo("after");
        assertThat(read(b)).as("B after the restart").isEqualTo("after");
        RedisProcess.sleep(5);
      }
      assertThat(b.healthCheck().online()).isTrue();
    }
  }

  /**
   * The near cache's guarantee: once a write is acknowledged, no instance serves an older value,
   * from Redis or from its near copy (the write outwaits the other instances' near-cache leases).
   */
  @Test
  void nearCachesOfOtherInstancesNeverServeAnOlderValueAfterAnAcknowledgedWrite() {
    try (FeatureStore a = open(true);
        FeatureStore b = open(true)) {
      for (int i = 0; i < 100; i++) {
        for (String value : List.of("v" + i, "x" + i)) {
          for (int r = 0; r < 2; r++) { // b caches the value before the next write
            read(b);
          }
          write(a, value);
          assertThat(read(a)).as("the writer reads its write").isEqualTo(value);
          assertThat(read(b))
              .as("another instance, right after the acknowledgement")
              .isEqualTo(value);
          assertThat(read(b)).as("another instance, near hit").isEqualTo(value);
        }
      }
      assertThat(b.cacheStats().hits()).isGreaterThan(200);
      assertThat(b.healthCheck().details().get("online_cache")).contains("near cache");
    }
  }
}
