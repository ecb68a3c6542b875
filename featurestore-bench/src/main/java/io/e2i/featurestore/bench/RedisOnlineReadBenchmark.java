package io.e2i.featurestore.bench;

import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.redis.RedisCluster;
import io.e2i.featurestore.redis.RedisProcess;
import java.nio.file.Path;
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
 * get_entity_features of 10 features through the facade, embedded offline store, Redis online cache
 * on {@code FS_BENCH_REDIS_URL} if set, else on a local redis-server (the Redis tests' {@link
 * RedisProcess}), over a warmed hot set of 1000 entities. {@code nearCache=false}: every read is a
 * Redis hit (target p99 < 0.5 ms). {@code nearCache=true}: every read is a near-cache hit (target
 * p99 < 10 us). {@code cluster=true}: the same on a Redis Cluster of three masters and three
 * replicas started for the run ({@code RedisCluster}); without near cache every read is a hit on
 * the entity's slot's master (target p99 < 0.5 ms), with it a near hit under the per-master lease:
 * {@code -p cluster=true -p nearCache=false,true}. The floor of a cluster hit is {@link
 * RedisRawGetBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx2g"})
@State(Scope.Benchmark)
public class RedisOnlineReadBenchmark {

  @Param({"false", "true"})
  boolean nearCache;

  @Param({"false"})
  boolean cluster;

  private static final int ENTITIES = 1000;
  private Path dir;
  private @Nullable RedisProcess redis;
  private @Nullable RedisCluster redisCluster;
  private FeatureStore store;
  private List<Map<String, String>> keys;

  @Setup(Level.Trial)
  public void setUp() {
    String url = System.getenv("FS_BENCH_REDIS_URL");
    if (cluster) {
      RedisCluster started = RedisCluster.startOrThrow();
      redisCluster = started;
      url = started.url();
    } else if (url == null || url.isBlank()) {
      RedisProcess started = RedisProcess.startOrThrow();
      redis = started;
      url = started.url();
    }
    dir = EmbeddedBenchData.tempDir();
    store =
        FeatureStores.open(
            new FeatureStoreConfig("embedded:" + dir, url, null, null, nearCache, Map.of()));
    EmbeddedBenchData.define(store);
    store.writeBatchFeatures(
        EmbeddedBenchData.writes(0, ENTITIES * EmbeddedBenchData.FEATURES, Instant.now()));
    keys =
        java.util.stream.IntStream.range(0, ENTITIES)
            .mapToObj(i -> Map.of("hcp_id", "HCP" + i))
            .toList();
    EmbeddedBenchData.awaitCacheInUse(
        store); // on a loaded machine a timeout may have opened the circuit meanwhile
    for (int round = 0; round < 3; round++) { // miss, Redis hit, then near copy
      for (int i = 0; i < ENTITIES; i++) {
        store.getEntityFeatures(request(i));
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    // Errors count Redis calls that failed (timeouts on a loaded machine): those reads were served
    // by the offline store, so a run with many is not a Redis figure.
    System.out.println("cache counters: " + store.cacheStats());
    store.close();
    if (redis != null) {
      redis.close();
    }
    if (redisCluster != null) {
      redisCluster.close();
    }
    EmbeddedBenchData.delete(dir);
  }

  private OnlineRequest request(int entity) {
    return new OnlineRequest(keys.get(entity), EmbeddedBenchData.GROUP, List.of(), true, null);
  }

  @Benchmark
  public EntityFeatures hit() {
    return store.getEntityFeatures(request(ThreadLocalRandom.current().nextInt(ENTITIES)));
  }
}
