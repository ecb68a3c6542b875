package io.e2i.featurestore.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.testing.GatedOfflineStore;
import io.e2i.featurestore.testing.GatedOfflineStore.Pause;
import io.e2i.featurestore.testing.InMemoryBackend;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The order of a batch write's steps through a standalone Redis, whose WRITE_BEGIN and WRITE_END
 * calls are pipelined (a few chunks of 256 scopes in flight at once): every chunk's begin has run
 * in Redis before any row is written, every chunk's end before the write returns, and a reader in
 * between never sees an older value than one it could already read. The batch spans three chunks
 * (256, 256, 100 scopes), so a chunk that is skipped, sent with another chunk's keys, or not waited
 * for shows. The write is held at the points where the races happen ({@link GatedOfflineStore}).
 */
class RedisBatchWriteOrderingTest {
  private static final int ENTITIES = 2 * 256 + 100;
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");

  private static RedisProcess redis;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;
  private static RedisCommands<String, String> admin;

  private GatedOfflineStore gate;
  private FeatureStore store;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @BeforeAll
  static void startRedis() {
    redis = RedisProcess.start();
    client = RedisClient.create(redis.url());
    connection = client.connect();
    admin = connection.sync();
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

  /** Commands bounded by 3 s: one test pauses Redis for half a second. */
  private void open() {
    admin.flushall();
    InMemoryBackend backend = new InMemoryBackend();
    gate = new GatedOfflineStore(backend);
    FeatureStoreConfig config =
        new FeatureStoreConfig(
            "memory",
            redis.url(),
            null,
            Duration.ofHours(1),
            false,
            Map.of("redis_timeout_ms", "3000", "redis_connect_timeout_ms", "3000"));
    store =
        FeatureStores.builder()
            .registry(backend)
            .offlineStore(gate.store())
            .onlineCache(RedisOnlineCache.open(redis.url(), config))
            .build();
    store.createFeatureGroup(FeatureGroup.builder("hcp").build());
    store.createFeature(new FeatureSpec("hcp", "trx", ValueType.INT64, List.of("hcp_id")));
  }

  @AfterEach
  void close() {
    pool.shutdownNow();
    if (store != null) {
      store.close();
    }
  }

  private void writeAll(long value) {
    List<FeatureWrite> writes = new ArrayList<>();
    for (int i = 0; i < ENTITIES; i++) {
      writes.add(
          new FeatureWrite("trx", Map.of("hcp_id", "H" + i), value, T0.plusSeconds(value), "hcp"));
    }
    store.writeBatchFeatures(writes);
  }

  private Object read(int entity, boolean cache) {
    return store
        .getEntityFeatures(
            new OnlineRequest(Map.of("hcp_id", "H" + entity), "hcp", List.of("trx"), cache, null))
        .features()
        .get("trx");
  }

  private static int count(String pattern) {
    return admin.keys(pattern).size();
  }

  private static void reached(Pause p) {
    assertThat(p.awaitReached()).as("the paused call got there").isTrue();
  }

  @Test
  void everyChunkIsMarkedBeforeTheRowsAreWrittenAndUnmarkedBeforeTheWriteReturns()
      throws Exception {
    open();
    writeAll(11);
    for (int i = 0; i < ENTITIES; i++) {
      assertThat(read(i, true)).isEqualTo(11L);
    }
    assertThat(count("fs:*:fn:*")).as("every entity cached").isEqualTo(ENTITIES);
    Pause begun = gate.pauseBeforeNextWrite();
    Pause visible = gate.pauseAfterNextWrite();
    Future<?> writer = pool.submit(() -> writeAll(12));
    try {
      reached(begun); // beginWrite returned, no row of 12 written yet
      assertThat(count("fs:*:fg:hcp:writing")).as("scopes marked").isEqualTo(ENTITIES);
      assertThat(count("fs:*:fn:*")).as("entries left").isZero();
      for (int i = 0; i < ENTITIES; i++) {
        assertThat(read(i, true)).as("entity %d before the commit", i).isEqualTo(11L);
      }
      assertThat(count("fs:*:fn:*")).as("entries cached while marked").isZero();
      begun.release();
      reached(visible); // 12 committed, the write not yet acknowledged
      for (int i = 0; i < ENTITIES; i++) {
        assertThat(read(i, false)).as("entity %d from the store", i).isEqualTo(12L);
        assertThat(read(i, true)).as("entity %d cached read after 12 was read", i).isEqualTo(12L);
      }
      assertThat(count("fs:*:fn:*")).as("entries cached while marked").isZero();
    } finally {
      begun.release();
      visible.release();
    }
    writer.get(30, TimeUnit.SECONDS);
    assertThat(count("fs:*:fg:hcp:writing")).as("marks left after the write").isZero();
    for (int i = 0; i < ENTITIES; i++) {
      assertThat(read(i, true)).isEqualTo(12L);
    }
    assertThat(count("fs:*:fn:*")).as("cached again after the write").isEqualTo(ENTITIES);
  }

  /**
   * Redis holds every client's commands for half a second while the batch begins: the rows must not
   * be written before Redis ran every chunk's WRITE_BEGIN, i.e. not before the pause ends.
   */
  @Test
  void theRowsAreWrittenOnlyOnceRedisRanEveryChunksBegin() throws Exception {
    open();
    writeAll(11);
    Pause begun = gate.pauseBeforeNextWrite();
    Future<?> writer;
    long pausedAt;
    try {
      admin.clientPause(500);
      pausedAt = System.nanoTime();
      writer = pool.submit(() -> writeAll(12));
      reached(begun);
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
      assertThat(waited).as("ms until the rows could be written").isGreaterThanOrEqualTo(450);
      assertThat(count("fs:*:fg:hcp:writing")).as("scopes marked").isEqualTo(ENTITIES);
    } finally {
      begun.release();
    }
    writer.get(30, TimeUnit.SECONDS);
    assertThat(count("fs:*:fg:hcp:writing")).as("marks left after the write").isZero();
  }

  /**
   * WRITE_END does not renew a generation's expiry (WRITE_BEGIN set it), but a generation that
   * vanished during the write (expired, or lost with Redis) and that WRITE_END creates again gets
   * one: no generation key may live forever.
   */
  @Test
  void aGenerationKeepsAnExpiryThroughTheWriteAndGetsOneIfItWasLost() throws Exception {
    open();
    writeAll(11);
    List<String> gens = admin.keys("fs:*:fg:hcp:gen");
    assertThat(gens).hasSize(ENTITIES);
    for (String gen : gens) {
      assertThat(admin.ttl(gen)).as("expiry of %s", gen).isPositive();
    }
    Pause begun = gate.pauseBeforeNextWrite();
    Future<?> writer = pool.submit(() -> writeAll(12));
    try {
      reached(begun);
      admin.del(gens.get(0), gens.get(gens.size() - 1)); // lost between begin and end
    } finally {
      begun.release();
    }
    writer.get(30, TimeUnit.SECONDS);
    for (String gen : admin.keys("fs:*:fg:hcp:gen")) {
      assertThat(admin.ttl(gen)).as("expiry of %s after the write", gen).isPositive();
    }
    assertThat(count("fs:*:fg:hcp:gen")).isEqualTo(ENTITIES);
  }
}
