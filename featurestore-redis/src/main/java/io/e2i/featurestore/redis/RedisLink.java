package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection (standalone, or a Redis Cluster client) behind a circuit breaker. Every
 * command is bounded by the configured timeout; the first failure opens the circuit, after which
 * calls fail at once (no request waits on a reconnect) while a background thread probes Redis every
 * probe interval.
 *
 * <p>Invalidations that fail (or are refused while the circuit is open) make the link dirty: the
 * entries of a write committed meanwhile may be stale. Before the circuit closes again, a dirty
 * link (or a Redis that restarted, seen by its run id) advances the epoch ({@link
 * RedisOnlineCache#EPOCH_KEY}; in a cluster every slot's epoch, {@link SlotEpochs}), which makes
 * every entry cached before unservable and every generation taken before unusable. Only then do
 * calls go through again.
 *
 * <p>Any outage makes the link dirty, not only a failed invalidation of its own: when Redis stalls,
 * every instance loses it at once, and the instance whose invalidations were lost may reach Redis
 * again after another one does. Each instance that saw the outage therefore advances the epoch
 * before it serves again, so none serves an entry cached before a write acknowledged during the
 * outage. The cost is a cold cache after every outage, which is rare next to a stale read.
 *
 * <p>In a cluster, a master that fails over, restarts or changes is an outage too: the prober
 * compares the masters' node and run ids every probe interval, and a change advances every slot's
 * epoch. An invalidation is acknowledged only once {@code redis_wait_replicas} replicas have it
 * (WAIT on the master's connection that ran it), so a promoted replica holds every invalidation a
 * write returned after; one that falls short makes the link dirty like a lost invalidation. A
 * master is asked for no more replicas than it had connected at the last probe: one without any
 * (its replica was promoted, or is down) has nothing a failover could promote, and a replica that
 * joins later is seen by the next probe.
 */
final class RedisLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);

  interface Op<T> {
    T apply(RedisClusterCommands<String, String> redis);
  }

  /** An operation that needs the cluster connection itself (to reach a slot's master). */
  interface ClusterOp<T> {
    T apply(StatefulRedisClusterConnection<String, String> cluster);
  }

  /** An operation that needs the standalone connection itself (to pipeline its calls). */
  interface StandaloneOp<T> {
    T apply(StatefulRedisConnection<String, String> connection);
  }

  /** What the near cache needs to hear about the connection. */
  interface Hooks {
    /** A new connection, before any call uses it: subscribe to invalidations here. */
    void connected(StatefulRedisConnection<String, String> connection);

    /** Calls fail from now on: whatever depends on pushes from Redis must be dropped. */
    void lost();
  }

  private final RedisSettings settings;
  private final @Nullable RedisClient client; // standalone
  private final @Nullable RedisClusterClient clusterClient; // cluster
  private final Hooks hooks;
  private final ScheduledExecutorService prober;
  private final Object lock = new Object();
  private final LongAdder failures = new LongAdder();
  private final LongAdder epochBumps = new LongAdder();

  private volatile @Nullable StatefulConnection<String, String> connection;
  private volatile boolean open = true; // circuit open: calls fail fast
  private volatile boolean closed;
  private boolean dirty; // guarded by lock
  private @Nullable String runId; // guarded by lock; in a cluster, the masters' node:run ids
  // In a cluster: how many replicas each master (node id) had connected at the last probe.
  private volatile Map<String, Integer> connectedReplicas = Map.of();
  // In a cluster: the masters (node ids) seen by a probe that found no change, or after the epoch
  // bump that followed one. Reads go only to these (see slotRead).
  private volatile Set<String> confirmedMasters = Set.of();

  RedisLink(RedisSettings settings, Hooks hooks) {
    this.settings = settings;
    this.hooks = hooks;
    if (settings.cluster()) {
      this.client = null;
      RedisClusterClient cluster = RedisClusterClient.create(settings.clusterNodes());
      ClusterClientOptions.Builder options = ClusterClientOptions.builder();
      sslOptions(settings, options);
      cluster.setOptions(
          options
              // Lettuce connects and reconnects node connections itself (a cluster client cannot
              // do without); a command to a node being connected waits, bounded by the timeout,
              // and the prober's run-id check catches a node that restarted between two of ours.
              .autoReconnect(true)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.DEFAULT)
              .protocolVersion(ProtocolVersion.RESP2)
              .socketOptions(socketOptions(settings))
              .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder()
                      .enablePeriodicRefresh(Duration.ofSeconds(1))
                      .enableAllAdaptiveRefreshTriggers()
                      .adaptiveRefreshTriggersTimeout(Duration.ofMillis(200))
                      .build())
              .build());
      this.clusterClient = cluster;
    } else {
      this.clusterClient = null;
      RedisClient standalone = RedisClient.create(settings.uri());
      ClientOptions.Builder options = ClientOptions.builder();
      sslOptions(settings, options);
      standalone.setOptions(
          options
              // We reconnect ourselves, so that nothing is replayed behind our back and tracking
              // and the epoch check happen before the first call on a new connection.
              .autoReconnect(false)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .protocolVersion(settings.nearCache() ? ProtocolVersion.RESP3 : ProtocolVersion.RESP2)
              .socketOptions(socketOptions(settings))
              .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
              .build());
      this.client = standalone;
    }
    this.prober =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "featurestore-redis-probe");
              t.setDaemon(true);
              return t;
            });
    recover(); // a Redis that is down at start only opens the circuit
    long every = settings.probeInterval().toMillis();
    prober.scheduleWithFixedDelay(this::probe, every, every, TimeUnit.MILLISECONDS);
  }

  static void sslOptions(RedisSettings settings, ClientOptions.Builder options) {
    Path caFile = settings.tlsCaFile();
    if (caFile != null) {
      options.sslOptions(
          SslOptions.builder().jdkSslProvider().trustManager(caFile.toFile()).build());
    }
  }

  static SocketOptions socketOptions(RedisSettings settings) {
    return SocketOptions.builder()
        .connectTimeout(settings.connectTimeout())
        .keepAlive(true)
        .tcpNoDelay(true)
        .build();
  }

  boolean cluster() {
    return clusterClient != null;
  }

  /** Runs a command that changes nothing the cache's correctness depends on. */
  <T> T call(Op<T> op) {
    return run(c -> op.apply(commands(c)), false);
  }

  /**
   * Runs a read on the master that serves {@code slot} (cluster mode only), if that master is
   * confirmed: after a failover the client may route to the promoted replica before our prober has
   * seen the change and advanced the epochs, and that replica may hold an entry whose invalidation
   * was lost with the old master. Such a read fails instead (served by the offline store), and
   * opens the circuit, so the prober advances the epochs at once.
   */
  <T> T slotRead(int slot, Op<T> op) {
    return run(
        c -> {
          StatefulRedisClusterConnection<String, String> cluster = clusterOf(c);
          RedisClusterNode master = cluster.getPartitions().getPartitionBySlot(slot);
          if (master == null || !confirmedMaster(master.getNodeId())) {
            throw new IllegalStateException(
                "slot " + slot + " has a master the prober has not checked yet (a failover)");
          }
          return op.apply(cluster.getConnection(master.getNodeId()).sync());
        },
        false);
  }

  /** Whether {@code nodeId} was a master at the last probe that found no unhandled change. */
  boolean confirmedMaster(String nodeId) {
    return confirmedMasters.contains(nodeId);
  }

  private static Set<String> nodeIds(String masters) {
    Set<String> ids = new HashSet<>();
    for (String master : masters.split(",")) {
      int colon = master.indexOf(':');
      if (colon > 0) {
        ids.add(master.substring(0, colon));
      }
    }
    return Set.copyOf(ids);
  }

  /** Runs an invalidation: if it fails, the link is dirty until the epoch moved on. */
  <T> T invalidation(Op<T> op) {
    return run(c -> op.apply(commands(c)), true);
  }

  /** Runs an invalidation on the cluster connection (cluster mode only). */
  <T> T clusterInvalidation(ClusterOp<T> op) {
    return run(c -> op.apply(clusterOf(c)), true);
  }

  /** Runs an invalidation on the standalone connection itself, to pipeline its calls. */
  <T> T standaloneInvalidation(StandaloneOp<T> op) {
    return run(c -> op.apply(standaloneOf(c)), true);
  }

  private static StatefulRedisConnection<String, String> standaloneOf(
      StatefulConnection<String, String> c) {
    if (c instanceof StatefulRedisConnection<String, String> standalone) {
      return standalone;
    }
    throw new IllegalStateException("not a standalone Redis connection");
  }

  private static RedisClusterCommands<String, String> commands(
      StatefulConnection<String, String> c) {
    if (c instanceof StatefulRedisClusterConnection<String, String> cluster) {
      return cluster.sync();
    }
    if (c instanceof StatefulRedisConnection<String, String> standalone) {
      return standalone.sync();
    }
    throw new IllegalStateException("unexpected Redis connection " + c.getClass());
  }

  private static StatefulRedisClusterConnection<String, String> clusterOf(
      StatefulConnection<String, String> c) {
    if (c instanceof StatefulRedisClusterConnection<String, String> cluster) {
      return cluster;
    }
    throw new IllegalStateException("not a Redis Cluster connection");
  }

  private <T> T run(Function<StatefulConnection<String, String>, T> op, boolean invalidation) {
    while (open) {
      if (invalidation) {
        synchronized (lock) {
          if (!open) {
            break; // closed meanwhile: go to Redis
          }
          dirty = true;
        }
        StatefulConnection<String, String> stalled = connection;
        if (stalled != null && stalled.isOpen() && !cluster()) {
          // A stalled Redis (paused, swapping) keeps the connection: the invalidation is sent
          // anyway and runs when Redis goes on, before anything another instance sends later.
          // Writes pay the timeout while it is stalled; reads still fail fast.
          return attemptWhileOpen(stalled, op);
        }
        if (cluster() && awaitClosed()) {
          continue; // the epochs moved meanwhile: the invalidation can run after all
        }
      }
      failures.increment();
      throw new FeatureStoreException(
          FeatureStoreException.Code.UNAVAILABLE,
          "Redis " + settings.displayUrl() + " is unavailable (circuit open)");
    }
    // The circuit closes only once recover() has set a connection, and it is never unset.
    StatefulConnection<String, String> c =
        Objects.requireNonNull(connection, "connection of a closed circuit");
    try {
      return op.apply(c);
    } catch (RedisCommandExecutionException e) {
      // Redis answered with an error: it is reachable. An invalidation that did not happen still
      // has to be made up for by the epoch.
      failures.increment();
      if (invalidation) {
        trip(c, true, e);
      }
      throw FeatureStoreException.unavailable("Redis command failed: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      failures.increment();
      trip(c, invalidation, e);
      throw FeatureStoreException.unavailable(
          "Redis " + settings.displayUrl() + " failed: " + e, e);
    }
  }

  /**
   * In a cluster the circuit also opens on purpose, when the prober sees a master change (a
   * failover), while other instances still reach the cluster and read from the new master: an
   * invalidation refused then would let them read what the write replaced until our epoch bump
   * lands. So the write waits, up to the connect timeout, for the circuit to close (the bump done).
   */
  private boolean awaitClosed() {
    long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
    while (open && !closed && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return !open;
  }

  private <T> T attemptWhileOpen(
      StatefulConnection<String, String> c, Function<StatefulConnection<String, String>, T> op) {
    try {
      return op.apply(c);
    } catch (RuntimeException e) {
      failures.increment();
      throw FeatureStoreException.unavailable(
          "Redis " + settings.displayUrl() + " is unavailable (circuit open): " + e, e);
    }
  }

  private void trip(
      StatefulConnection<String, String> c, boolean invalidation, @Nullable Throwable e) {
    boolean opened = false;
    synchronized (lock) {
      if (invalidation) {
        dirty = true;
      }
      if (c == connection && !open) {
        open = true;
        opened = true;
        dirty = true; // another instance's invalidations may be lost too (see the class comment)
      }
    }
    hooks.lost();
    if (opened && !closed) {
      LOG.warn(
          "Redis {} unreachable ({}); serving from the offline store until it answers",
          settings.displayUrl(),
          e == null ? "disconnected" : e.toString());
    }
  }

  private void probe() {
    if (closed) {
      return;
    }
    if (open) {
      recover();
    } else if (cluster()) {
      checkMasters();
    }
  }

  /** A master failed over, restarted or was replaced: invalidations it held may be gone. */
  private void checkMasters() {
    StatefulConnection<String, String> c = connection;
    if (c == null) {
      return;
    }
    String masters;
    try {
      masters = refreshMasters(clusterOf(c));
    } catch (RuntimeException e) {
      trip(c, false, e);
      return;
    }
    synchronized (lock) {
      if (masters.equals(runId)) {
        return;
      }
    }
    trip(c, false, new IllegalStateException("the cluster's masters changed: " + masters));
    recover();
  }

  private void recover() {
    StatefulConnection<String, String> c = connection;
    try {
      if (c == null || !c.isOpen()) {
        if (c != null) {
          c.closeAsync();
        }
        c = connect();
        connection = c;
      }
      String id =
          c instanceof StatefulRedisClusterConnection<String, String> cluster
              ? refreshMasters(cluster)
              : runId(commands(c).info("server"));
      synchronized (lock) {
        boolean restarted = runId != null && !runId.equals(id);
        if (dirty || restarted) {
          long epoch = advanceEpoch(c);
          epochBumps.increment();
          LOG.info(
              "Redis {}: {}; cache epoch advanced to {}, entries cached before are dropped",
              settings.displayUrl(),
              dirty
                  ? "it was unreachable, so invalidations may have been lost"
                  : cluster() ? "a master changed" : "Redis restarted",
              epoch);
        }
        runId = id;
        if (cluster()) {
          confirmedMasters = nodeIds(id);
        }
        dirty = false;
        if (c == connection && c.isOpen()) {
          open = false;
        }
      }
      if (!open) {
        LOG.info("Redis {} reachable; online cache in use", settings.displayUrl());
      }
    } catch (RuntimeException e) {
      synchronized (lock) {
        dirty = true; // unreachable at start counts as an outage too
      }
      LOG.debug("Redis {} still unreachable: {}", settings.displayUrl(), e.toString());
    }
  }

  private StatefulConnection<String, String> connect() {
    RedisClusterClient cluster = clusterClient;
    if (cluster != null) {
      StatefulRedisClusterConnection<String, String> c = cluster.connect(StringCodec.UTF8);
      c.setTimeout(settings.timeout());
      return c;
    }
    StatefulRedisConnection<String, String> c =
        Objects.requireNonNull(client, "standalone client").connect(StringCodec.UTF8);
    c.setTimeout(settings.timeout());
    StatefulRedisConnection<String, String> fresh = c;
    c.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
            trip(fresh, false, null);
          }
        });
    hooks.connected(c);
    return c;
  }

  /** Advances the epoch: standalone the one key, in a cluster every slot's (needs all slots up). */
  private long advanceEpoch(StatefulConnection<String, String> c) {
    if (!(c instanceof StatefulRedisClusterConnection<String, String> cluster)) {
      long epoch = commands(c).incr(RedisOnlineCache.EPOCH_KEY);
      awaitReplicas(null, commands(c));
      return epoch;
    }
    BitSet covered = new BitSet(SlotHash.SLOT_COUNT);
    long highest = 0;
    for (RedisClusterNode node : masters(cluster)) {
      StatefulRedisConnection<String, String> nc = cluster.getConnection(node.getNodeId());
      List<RedisFuture<Long>> incrs = new ArrayList<>();
      for (int slot : node.getSlots()) {
        incrs.add(nc.async().incr(SlotEpochs.forSlot(slot)));
        covered.set(slot);
      }
      LettuceFutures.awaitAll(settings.connectTimeout(), incrs.toArray(new RedisFuture<?>[0]));
      for (RedisFuture<Long> f : incrs) {
        highest = Math.max(highest, f.toCompletableFuture().join());
      }
      awaitReplicas(node.getNodeId(), nc.sync());
    }
    if (covered.cardinality() != SlotHash.SLOT_COUNT) {
      throw new IllegalStateException(
          "the cluster serves " + covered.cardinality() + " of " + SlotHash.SLOT_COUNT + " slots");
    }
    return highest;
  }

  /**
   * WAIT for {@code redis_wait_replicas} replicas (in a cluster, at most as many as the master had
   * connected at the last probe) to have what this connection wrote.
   *
   * @param nodeId the master the connection goes to, null standalone
   */
  void awaitReplicas(@Nullable String nodeId, RedisClusterCommands<String, String> node) {
    int wanted =
        nodeId == null
            ? settings.waitReplicas()
            : Math.min(settings.waitReplicas(), connectedReplicas.getOrDefault(nodeId, 0));
    if (wanted == 0) {
      return;
    }
    long waitMillis = Math.max(1, settings.timeout().toMillis() / 2);
    long acked = node.waitForReplication(wanted, waitMillis);
    if (acked < wanted) {
      throw new IllegalStateException(
          "only "
              + acked
              + " of "
              + wanted
              + " replicas acknowledged within "
              + waitMillis
              + " ms");
    }
  }

  private static List<RedisClusterNode> masters(StatefulRedisClusterConnection<String, String> c) {
    List<RedisClusterNode> masters = new ArrayList<>();
    for (RedisClusterNode node : c.getPartitions()) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
        masters.add(node);
      }
    }
    return masters;
  }

  /**
   * The masters serving slots, as sorted {@code nodeId:runId} (any failover or restart shows); also
   * notes how many replicas each has connected.
   */
  private String refreshMasters(StatefulRedisClusterConnection<String, String> c) {
    TreeSet<String> ids = new TreeSet<>();
    Map<String, Integer> replicas = new HashMap<>();
    for (RedisClusterNode node : masters(c)) {
      RedisClusterCommands<String, String> commands = c.getConnection(node.getNodeId()).sync();
      ids.add(node.getNodeId() + ":" + runId(commands.info("server")));
      replicas.put(node.getNodeId(), connectedReplicas(commands.info("replication")));
    }
    connectedReplicas = Map.copyOf(replicas);
    return String.join(",", ids);
  }

  private static int connectedReplicas(String replicationInfo) {
    for (String line : replicationInfo.split("\r?\n")) {
      if (line.startsWith("connected_slaves:")) {
        return Integer.parseInt(line.substring("connected_slaves:".length()).trim());
      }
    }
    return 0;
  }

  private static String runId(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("run_id:")) {
        return line.substring("run_id:".length()).trim();
      }
    }
    return "";
  }

  /** The standalone connection, or null while the circuit is open (and always in a cluster). */
  @Nullable StatefulRedisConnection<String, String> connectionIfUp() {
    StatefulConnection<String, String> c = connection;
    return !open && c instanceof StatefulRedisConnection<String, String> standalone
        ? standalone
        : null;
  }

  /** Reloads the cluster client's view of slots and masters now (after a MOVED). */
  void refreshTopology() {
    RedisClusterClient cluster = clusterClient;
    if (cluster != null) {
      cluster.refreshPartitions();
    }
  }

  /** The cluster client's view of the slots and nodes, or null while the circuit is open. */
  @Nullable Partitions partitionsIfUp() {
    StatefulConnection<String, String> c = connection;
    return !open && c instanceof StatefulRedisClusterConnection<String, String> cluster
        ? cluster.getPartitions()
        : null;
  }

  boolean isOpen() {
    return open;
  }

  long failures() {
    return failures.sum();
  }

  long epochBumps() {
    return epochBumps.sum();
  }

  @Override
  public void close() {
    closed = true;
    prober.shutdownNow();
    StatefulConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    if (client != null) {
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
    if (clusterClient != null) {
      clusterClient.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }
}
