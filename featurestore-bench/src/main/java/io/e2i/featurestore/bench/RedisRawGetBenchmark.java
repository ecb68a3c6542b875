package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.redis.RedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.StringCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The physical floor of a Redis Cluster hit: a plain GET of a real cache entry (the 1,000 entries
 * {@link RedisOnlineReadBenchmark} reads, 10 features each, written by the store into a cluster of
 * three masters and three replicas started for the run) through Lettuce's cluster client, routed to
 * the slot's master; no epoch check, no JSON decoding, no facade. Compare with {@code
 * RedisOnlineReadBenchmark -p cluster=true}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx2g"})
@State(Scope.Benchmark)
public class RedisRawGetBenchmark {
  private static final int ENTITIES = 1000;
  private RedisCluster cluster;
  private RedisClusterClient client;
  private StatefulRedisClusterConnection<String, String> connection;
  private RedisAdvancedClusterCommands<String, String> redis;
  private List<String> keys;

  @Setup(Level.Trial)
  public void setUp() {
    cluster = RedisCluster.startOrThrow();
    Path dir = EmbeddedBenchData.tempDir();
    try (FeatureStore store =
        FeatureStores.open(
            new FeatureStoreConfig(
                "embedded:" + dir,
                cluster.url(),
                null,
                null,
                false,
                // the fill must not lose its puts to a timeout on a loaded machine
                Map.of("redis_timeout_ms", "5000")))) {
      EmbeddedBenchData.define(store);
      store.writeBatchFeatures(
          EmbeddedBenchData.writes(0, ENTITIES * EmbeddedBenchData.FEATURES, Instant.now()));
      for (int round = 0; round < 5 && cachedEntries().size() < ENTITIES; round++) {
        for (int i = 0; i < ENTITIES; i++) {
          store.getEntityFeatures(
              new OnlineRequest(
                  Map.of("hcp_id", "HCP" + i), EmbeddedBenchData.GROUP, List.of(), true, null));
        }
      }
    } finally {
      EmbeddedBenchData.delete(dir);
    }
    keys = cachedEntries();
    if (keys.size() < ENTITIES) {
      throw new IllegalStateException("only " + keys.size() + " entries cached");
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (int node = 0; node < 3; node++) {
      seeds.add(RedisURI.create("redis://127.0.0.1:" + cluster.port(node)));
    }
    client = RedisClusterClient.create(seeds);
    connection = client.connect(StringCodec.UTF8);
    connection.setTimeout(Duration.ofSeconds(1));
    redis = connection.sync();
  }

  private List<String> cachedEntries() {
    List<String> entries = new ArrayList<>();
    for (int node = 0; node < 3; node++) {
      entries.addAll(cluster.withNode(node, r -> r.keys("fs:*:fn:*")));
    }
    return entries;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    connection.close();
    client.shutdown();
    cluster.close();
  }

  @Benchmark
  public String get() {
    return redis.get(keys.get(ThreadLocalRandom.current().nextInt(keys.size())));
  }
}
