package io.e2i.featurestore.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * A real Redis Cluster of three masters and three replicas for tests and benchmarks: six {@link
 * RedisProcess}es with {@code --cluster-enabled yes}, joined with CLUSTER ADDSLOTS, MEET and
 * REPLICATE (the embedded-redis artifact ships no redis-cli). Master {@code i} serves a third of
 * the slots and replica {@code i} follows it. A node timeout of one second makes a killed master's
 * replica take over in two to three seconds.
 */
public final class RedisCluster implements AutoCloseable {
  private static final Duration SETUP = Duration.ofSeconds(30);

  private final List<RedisProcess> nodes = new ArrayList<>(); // 0-2 masters, 3-5 replicas
  private final boolean[] dead = new boolean[6];

  private RedisCluster() {}

  /** Starts and joins the cluster, or skips the calling test if no redis-server runs here. */
  public static RedisCluster start() {
    RedisProcess.assumeAvailable();
    return startOrThrow();
  }

  /** Starts and joins the cluster; needs no JUnit (benchmarks). */
  public static RedisCluster startOrThrow() {
    RedisCluster cluster = new RedisCluster();
    try {
      for (int i = 0; i < 6; i++) {
        cluster.nodes.add(
            RedisProcess.startOrThrow(
                List.of(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "1000",
                    "--cluster-replica-validity-factor", "0")));
      }
      cluster.join();
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void join() {
    String[] ids = new String[6];
    for (int i = 0; i < 6; i++) {
      ids[i] = withNode(i, r -> r.clusterMyId());
    }
    int per = SlotHash.SLOT_COUNT / 3;
    for (int m = 0; m < 3; m++) {
      int from = m * per;
      int to = m == 2 ? SlotHash.SLOT_COUNT : from + per;
      int epoch = m + 1;
      withNode(
          m,
          r -> {
            r.clusterSetConfigEpoch(epoch);
            return r.clusterAddSlots(IntStream.range(from, to).toArray());
          });
    }
    int first = nodes.get(0).port();
    for (int i = 1; i < 6; i++) {
      withNode(i, r -> r.clusterMeet("127.0.0.1", first));
    }
    awaitTrue("all six nodes to know each other", () -> knownNodes() == 6);
    for (int r = 3; r < 6; r++) {
      String master = ids[r - 3];
      int replica = r;
      awaitTrue(
          "node " + replica + " to replicate " + master,
          () -> {
            try {
              withNode(replica, c -> c.clusterReplicate(master));
              return true;
            } catch (RuntimeException e) {
              return false; // does not know the master yet
            }
          });
    }
    awaitTrue("the cluster to be ok with a replica per master", this::healthy);
  }

  private int knownNodes() {
    int least = Integer.MAX_VALUE;
    for (int i = 0; i < 6; i++) {
      String nodesText = withNode(i, r -> r.clusterNodes());
      least = Math.min(least, (int) nodesText.lines().filter(l -> !l.isBlank()).count());
    }
    return least;
  }

  private boolean healthy() {
    for (int i = 0; i < 6; i++) {
      if (!dead[i] && !withNode(i, r -> r.clusterInfo()).contains("cluster_state:ok")) {
        return false;
      }
    }
    for (int m = 0; m < 3; m++) {
      String info = withNode(m, r -> r.info("replication"));
      if (!info.contains("connected_slaves:1")) {
        return false;
      }
    }
    return true;
  }

  /** {@code redis-cluster://} with the three masters as seeds. */
  public String url() {
    return "redis-cluster://127.0.0.1:"
        + nodes.get(0).port()
        + ",127.0.0.1:"
        + nodes.get(1).port()
        + ",127.0.0.1:"
        + nodes.get(2).port();
  }

  public int port(int node) {
    return nodes.get(node).port();
  }

  /** The node (0-5) that serves {@code slot} as master now, as a live node sees it. */
  public int masterOf(int slot) {
    for (int i = 0; i < 6; i++) {
      if (dead[i]) {
        continue;
      }
      for (String line : withNode(i, r -> r.clusterNodes()).lines().toList()) {
        String[] f = line.split(" ");
        if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
          continue;
        }
        for (int k = 8; k < f.length; k++) {
          String[] range = f[k].split("-");
          if (range[0].startsWith("[")) {
            continue;
          }
          int lo = Integer.parseInt(range[0]);
          int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
          if (slot >= lo && slot <= hi) {
            return nodeOfAddress(f[1]);
          }
        }
      }
      break;
    }
    throw new IllegalStateException("no master serves slot " + slot);
  }

  private int nodeOfAddress(String address) {
    String port = address.substring(address.indexOf(':') + 1).split("[@,]")[0];
    for (int i = 0; i < 6; i++) {
      if (Integer.toString(nodes.get(i).port()).equals(port)) {
        return i;
      }
    }
    throw new IllegalStateException("unknown node " + address);
  }

  /** Kills a node (no save), as a crash. */
  public void kill(int node) {
    nodes.get(node).stop();
    dead[node] = true;
  }

  /** Freezes a node (SIGSTOP), e.g. a replica, so it falls behind its master. */
  public void pause(int node) {
    nodes.get(node).pause();
  }

  public void resume(int node) {
    nodes.get(node).resume();
  }

  /** Waits until {@code replica} is a master and every live node reports the cluster ok. */
  public void awaitPromoted(int replica, Duration timeout) {
    awaitTrue(
        "node " + replica + " to be promoted",
        () ->
            withNode(replica, r -> r.info("replication")).contains("role:master")
                && IntStream.range(0, 6)
                    .filter(i -> !dead[i])
                    .allMatch(i -> withNode(i, r -> r.clusterInfo()).contains("cluster_state:ok")),
        timeout);
  }

  /** FLUSHALL on every live master. */
  public void flushAll() {
    for (int i = 0; i < 6; i++) {
      if (!dead[i] && withNode(i, r -> r.info("replication")).contains("role:master")) {
        withNode(i, r -> r.flushall());
      }
    }
  }

  /** Runs a command on one node over a plain connection. */
  public <T> T withNode(int node, java.util.function.Function<RedisCommands<String, String>, T> f) {
    RedisClient client = RedisClient.create("redis://127.0.0.1:" + nodes.get(node).port());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return f.apply(c.sync());
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }
  }

  private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
    awaitTrue(what, condition, SETUP);
  }

  private static void awaitTrue(
      String what, java.util.function.BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    @Nullable RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      RedisProcess.sleep(50);
    }
    throw new IllegalStateException("timed out waiting for " + what, last);
  }

  @Override
  public void close() {
    for (RedisProcess node : nodes) {
      node.close();
    }
  }
}
