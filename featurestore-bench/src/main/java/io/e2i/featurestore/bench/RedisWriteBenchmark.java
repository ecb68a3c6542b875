package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.redis.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the online cache adds to a write: write_feature of one value ({@link #writeOne}, SampleTime)
 * and write_batch_features of 100,000 values over 10,000 entities ({@link #writeBatch100k},
 * SingleShotTime) through the facade into the embedded store, with the in-process cache ({@code -p
 * online=memory}) or a Redis cache on a local redis-server ({@code -p online=redis}, the Redis
 * tests' {@link RedisProcess}, no near cache). With Redis a write runs the cache's scripts around
 * its commit (WRITE_BEGIN and WRITE_END since the monotonic-reads change, INVALIDATE after the
 * commit before it), one call per 256 scopes each (standalone, up to 3 calls in flight since the
 * chunks were pipelined; before, one round trip each). The entities were read once before, so their
 * entries exist and the scripts delete real keys. {@link #rawRoundTrip}: the floor of one of those
 * round trips, a plain GET on the same kind of redis-server through Lettuce.
 */
@Fork(
    value = 1,
    jvmArgs = {"-Xmx4g"})
public class RedisWriteBenchmark {
  static final int ENTITIES = 10_000;
  static final int VALUES = ENTITIES * EmbeddedBenchData.FEATURES;

  /** A store on a fresh folder with its entities written and cached. */
  @State(Scope.Benchmark)
  public static class Store {
    @Param({"memory", "redis"})
    String online;

    private Path dir;
    private @Nullable RedisProcess redis;
    FeatureStore store;
    // Each write is newer than the last, as a stream of updates is.
    private Instant ts = Instant.now().minus(Duration.ofDays(30));

    @Setup(Level.Trial)
    public void setUp() {
      String url = "memory";
      if (online.equals("redis")) {
        RedisProcess started = RedisProcess.startOrThrow();
        redis = started;
        url = started.url();
      }
      dir = EmbeddedBenchData.tempDir();
      store =
          FeatureStores.open(
              new FeatureStoreConfig("embedded:" + dir, url, null, null, false, Map.of()));
      EmbeddedBenchData.define(store);
      store.writeBatchFeatures(EmbeddedBenchData.writes(0, VALUES, nextTs()));
      EmbeddedBenchData.awaitCacheInUse(store);
      readAll();
    }

    /** Caches every entity's entry, so a write's scripts delete real keys. */
    void readAll() {
      for (int i = 0; i < ENTITIES; i++) {
        store.getEntityFeatures(
            new OnlineRequest(
                Map.of("hcp_id", "HCP" + i), EmbeddedBenchData.GROUP, List.of(), true, null));
      }
    }

    Instant nextTs() {
      ts = ts.plusMillis(1);
      return ts;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      // Errors count cache calls that failed (timeouts): such a write skipped a script.
      System.out.println("cache counters: " + store.cacheStats());
      store.close();
      if (redis != null) {
        redis.close();
      }
      EmbeddedBenchData.delete(dir);
    }
  }

  /**
   * A new 100,000-value batch (all entities, a newer event time) for each invocation, with every
   * entity read again before it (untimed), as a served store's entities are.
   */
  @State(Scope.Benchmark)
  public static class Batch {
    List<FeatureWrite> writes;

    @Setup(Level.Invocation)
    public void next(Store s) {
      s.readAll();
      writes = EmbeddedBenchData.writes(0, VALUES, s.nextTs());
    }
  }

  /** A plain GET on a fresh redis-server: one round trip, nothing else. */
  @State(Scope.Benchmark)
  public static class Raw {
    private RedisProcess redis;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    RedisCommands<String, String> commands;

    @Setup(Level.Trial)
    public void setUp() {
      redis = RedisProcess.startOrThrow();
      client = RedisClient.create(redis.url());
      connection = client.connect();
      commands = connection.sync();
      commands.set("fs:raw", "x".repeat(200));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      connection.close();
      client.shutdown();
      redis.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  public void writeOne(Store s) {
    int entity = ThreadLocalRandom.current().nextInt(ENTITIES);
    s.store.writeFeatureValue(
        new FeatureWrite(
            EmbeddedBenchData.feature(0),
            Map.of("hcp_id", "HCP" + entity),
            EmbeddedBenchData.value(0, entity),
            s.nextTs(),
            EmbeddedBenchData.GROUP));
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3, batchSize = 1)
  @Measurement(iterations = 10, batchSize = 1)
  public int writeBatch100k(Store s, Batch b) {
    return s.store.writeBatchFeatures(b.writes);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  public String rawRoundTrip(Raw r) {
    return r.commands.get("fs:raw");
  }
}
