package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.redis.RedisCluster;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What one cached entity costs in a Redis Cluster (issue 15 sizing): fills a cluster of three
 * masters and three replicas with {@code --entities} entities of one 10-feature group the way the
 * store does (a batch write, which leaves each entity's generation key, then one online read per
 * entity, which caches the entry and its index and group sets), and reports the masters' and
 * replicas' {@code used_memory} growth per entity, the key count, and {@code MEMORY USAGE} of each
 * kind of key for a sample of entities.
 *
 * <pre>
 * java -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.bench.RedisClusterSizing \
 *   --entities 100000
 * </pre>
 */
public final class RedisClusterSizing {
  private RedisClusterSizing() {}

  public static void main(String[] args) throws Exception {
    int entities = 100_000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--entities")) {
        entities = Integer.parseInt(args[i + 1]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = EmbeddedBenchData.tempDir();
    try (RedisCluster cluster = RedisCluster.startOrThrow();
        FeatureStore store =
            FeatureStores.open(
                new FeatureStoreConfig(
                    "embedded:" + dir,
                    cluster.url(),
                    null,
                    null,
                    false,
                    // a shared, loaded machine: a timeout would lose invalidations, so generations
                    Map.of("redis_timeout_ms", "10000")))) {
      EmbeddedBenchData.define(store);
      long[] empty = memory(cluster);
      int chunk = 5_000;
      for (int first = 0; first < entities; first += chunk) {
        int n = Math.min(chunk, entities - first);
        store.writeBatchFeatures(
            EmbeddedBenchData.writes(first, n * EmbeddedBenchData.FEATURES, Instant.now()));
      }
      long[] written = memory(cluster);
      int total = entities;
      ExecutorService readers = Executors.newFixedThreadPool(4);
      List<Future<?>> parts = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int part = t;
        parts.add(
            readers.submit(
                () -> {
                  for (int i = part; i < total; i += 4) {
                    store.getEntityFeatures(
                        new OnlineRequest(
                            Map.of("hcp_id", "HCP" + i),
                            EmbeddedBenchData.GROUP,
                            List.of(),
                            true,
                            null));
                  }
                }));
      }
      for (Future<?> f : parts) {
        f.get();
      }
      readers.shutdown();
      long[] cached = memory(cluster);
      System.out.println("cache counters: " + store.cacheStats());
      report(cluster, entities, empty, written, cached);
    } finally {
      EmbeddedBenchData.delete(dir);
    }
  }

  /** used_memory of masters, of replicas, and the masters' key count. */
  private static long[] memory(RedisCluster cluster) {
    long masters = 0;
    long replicas = 0;
    long keys = 0;
    for (int node = 0; node < 6; node++) {
      long used = cluster.withNode(node, r -> field(r.info("memory"), "used_memory"));
      if (node < 3) {
        masters += used;
        keys += cluster.withNode(node, r -> r.dbsize());
      } else {
        replicas += used;
      }
    }
    return new long[] {masters, replicas, keys};
  }

  private static void report(
      RedisCluster cluster, int entities, long[] empty, long[] written, long[] cached) {
    System.out.printf(
        Locale.ROOT,
        "entities %,d; masters used_memory: empty %,d B, after writes %,d B, after reads %,d B;"
            + " replicas after reads %,d B; keys %,d%n",
        entities,
        empty[0],
        written[0],
        cached[0],
        cached[1],
        cached[2]);
    System.out.printf(
        Locale.ROOT,
        "per entity (masters): generation only %.0f B, cached (entry + index + groups +"
            + " generation) %.0f B; replicas %.0f B; keys per entity %.2f%n",
        (written[0] - empty[0]) / (double) entities,
        (cached[0] - empty[0]) / (double) entities,
        (cached[1] - empty[1]) / (double) entities,
        (cached[2] - empty[2]) / (double) entities);
    for (int node = 0; node < 3; node++) {
      int n = node;
      long[] sums =
          cluster.withNode(
              node,
              r -> {
                List<String> all = r.keys("fs:*:fn:*");
                List<String> sample = all.subList(0, Math.min(200, all.size()));
                long[] t = new long[7]; // entry, gen, index, groups, value bytes, count, key chars
                for (String key : sample) {
                  String prefix = key.substring(0, key.lastIndexOf(":fn:"));
                  String entity = key.substring(0, key.indexOf('}') + 1);
                  t[0] += orZero(r.memoryUsage(key));
                  t[1] += orZero(r.memoryUsage(prefix + ":gen"));
                  t[2] += orZero(r.memoryUsage(prefix + ":keys"));
                  t[3] += orZero(r.memoryUsage(entity + ":groups"));
                  t[4] += r.strlen(key);
                  t[5]++;
                  t[6] = key.length();
                }
                return t;
              });
      double s = Math.max(1, sums[5]);
      System.out.printf(
          Locale.ROOT,
          "node %d, MEMORY USAGE averaged over %d entities: entry %.0f B (value %.0f B, key %d"
              + " chars), generation %.0f B, index set %.0f B, group set %.0f B%n",
          n,
          sums[5],
          sums[0] / s,
          sums[4] / s,
          sums[6],
          sums[1] / s,
          sums[2] / s,
          sums[3] / s);
    }
  }

  private static long orZero(Long bytes) {
    return bytes == null ? 0 : bytes;
  }

  private static long field(String info, String name) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).trim());
      }
    }
    throw new IllegalStateException("no " + name + " in INFO");
  }
}
