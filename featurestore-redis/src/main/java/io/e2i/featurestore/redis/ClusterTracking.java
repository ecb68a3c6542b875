package io.e2i.featurestore.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The near cache's tracking in a Redis Cluster: the standalone near cache's approach, once per
 * master. Each master serving slots gets a RESP3 connection of our own with {@code CLIENT TRACKING
 * ON} (default mode: Redis remembers the keys read on it), and near-cache fills read through the
 * connection of the slot's master, so that master pushes an invalidation when any client changes,
 * deletes or evicts what we read. Broadcast mode would need no routed reads, but Redis sends its
 * pushes from the event loop's sleep hook, after replies written in the same turn, so a lease reply
 * could overtake the push it should vouch for; in default mode the push is written when the
 * invalidating command ends, before any later command's reply.
 *
 * <p>The lease (what makes serving near copies safe) needs every tracked master: a round reads, on
 * each tracking connection, the epoch key of a slot that node serves in the client's view, and the
 * lease is extended to the round's send time plus {@code near_cache_max_stale_ms} only when every
 * node answered. A node that died, was demoted to a replica by a failover (it answers MOVED) or
 * stopped serving the cluster (CLUSTERDOWN) fails the round, so its lease runs out within the bound
 * that every write waits out. A new tracking connection (a promoted replica, a node reconnected)
 * and a broken one both clear the near cache: copies whose master is not tracked would hear of no
 * invalidation.
 */
final class ClusterTracking implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTracking.class);

  /** One master's tracking connection, and the slot whose epoch key its lease round reads. */
  private record Tracked(
      String nodeId,
      String host,
      int port,
      StatefulRedisConnection<String, String> connection,
      int probeSlot) {}

  private final RedisSettings settings;
  private final NearCache near;
  private final Supplier<@Nullable Partitions> view; // null while the link's circuit is open
  private final Predicate<String> confirmed; // masters the link's prober has checked
  private final RedisClient client;
  private final ConcurrentHashMap<String, Tracked> byNode = new ConcurrentHashMap<>();
  private final Map<String, Long> retryAt = new HashMap<>(); // leaser thread only
  private final AtomicLong version = new AtomicLong(); // advances whenever the tracked set changes
  private final AtomicLong validUntil = new AtomicLong(System.nanoTime()); // the lease, nanoTime
  private volatile boolean closed;

  ClusterTracking(
      RedisSettings settings,
      NearCache near,
      Supplier<@Nullable Partitions> view,
      Predicate<String> confirmed) {
    this.settings = settings;
    this.near = near;
    this.view = view;
    this.confirmed = confirmed;
    this.client = RedisClient.create();
    ClientOptions.Builder options = ClientOptions.builder();
    RedisLink.sslOptions(settings, options);
    client.setOptions(
        options
            // A tracking connection that drops is replaced by the next round (and the near cache
            // cleared), never silently reconnected without its tracking.
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .protocolVersion(ProtocolVersion.RESP3)
            .socketOptions(RedisLink.socketOptions(settings))
            .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
            .build());
  }

  boolean leaseHeld() {
    return System.nanoTime() - validUntil.get() < 0;
  }

  /** Near copies may not be served from now until a round started later succeeds. */
  void revokeLease() {
    version.incrementAndGet(); // a round in flight must not extend the lease afterwards
    validUntil.set(System.nanoTime());
  }

  /**
   * The tracking connection of the master serving {@code slot} in the client's view, null if there
   * is none yet (the read then goes through the cluster connection and is not kept near).
   */
  @Nullable StatefulRedisConnection<String, String> forSlot(int slot) {
    Partitions partitions = view.get();
    if (partitions == null) {
      return null;
    }
    RedisClusterNode master = partitions.getPartitionBySlot(slot);
    if (master == null || !confirmed.test(master.getNodeId())) {
      return null; // see RedisLink.slotRead: a new master is read only after the epoch bump
    }
    Tracked t = byNode.get(master.getNodeId());
    return t == null || !t.connection().isOpen() ? null : t.connection();
  }

  /** A read on {@code connection} failed (MOVED after a topology change, timeout, closed). */
  void failed(StatefulRedisConnection<String, String> connection) {
    for (Tracked t : byNode.values()) {
      if (t.connection() == connection) {
        drop(t, "a read on it failed");
      }
    }
  }

  /**
   * One lease round, on the leaser thread: brings the tracked set in line with the masters in the
   * client's view, then reads each node's probe key and extends the lease if all answered.
   */
  void renew() {
    if (closed) {
      return;
    }
    Partitions partitions = view.get();
    if (partitions == null) {
      revokeLease();
      return;
    }
    Set<String> masters = new HashSet<>();
    boolean added = false;
    for (RedisClusterNode node : partitions) {
      if (!node.is(RedisClusterNode.NodeFlag.UPSTREAM) || node.hasNoSlots()) {
        continue;
      }
      masters.add(node.getNodeId());
      Tracked t = byNode.get(node.getNodeId());
      if (t != null && (!t.connection().isOpen() || !sameNode(t, node))) {
        drop(t, "its address or slots changed");
        t = null;
      }
      if (t == null && track(node)) {
        added = true;
      }
    }
    for (Tracked t : List.copyOf(byNode.values())) {
      if (!masters.contains(t.nodeId())) {
        drop(t, "it no longer serves slots");
      }
    }
    if (added) {
      // Copies read before the new node was tracked may hide a write it took meanwhile.
      version.incrementAndGet();
      near.clear();
    }
    probe();
  }

  private boolean sameNode(Tracked t, RedisClusterNode node) {
    RedisURI uri = node.getUri();
    return uri.getHost().equals(t.host())
        && uri.getPort() == t.port()
        && node.hasSlot(t.probeSlot());
  }

  /** Reads every tracked node's probe key; all answers extend the lease from the send time. */
  private void probe() {
    List<Tracked> round = List.copyOf(byNode.values());
    if (round.isEmpty()) {
      return;
    }
    long v = version.get();
    long sent = System.nanoTime();
    long until = sent + settings.nearMaxStale().toNanos();
    List<CompletableFuture<String>> replies = new ArrayList<>(round.size());
    for (Tracked t : round) {
      RedisFuture<String> reply = t.connection().async().get(SlotEpochs.forSlot(t.probeSlot()));
      replies.add(
          reply
              .toCompletableFuture()
              .whenComplete(
                  (value, error) -> {
                    if (error != null) {
                      drop(t, error.toString());
                    }
                  }));
    }
    CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              if (version.get() == v && !closed && view.get() != null) {
                validUntil.accumulateAndGet(until, (a, b) -> b - a > 0 ? b : a);
              }
            });
  }

  /** Opens a tracking connection to {@code node}; false if it failed (retried later). */
  private boolean track(RedisClusterNode node) {
    long now = System.nanoTime();
    Long retry = retryAt.get(node.getNodeId());
    if (retry != null && now - retry < 0) {
      return false;
    }
    RedisURI address = node.getUri();
    RedisURI uri =
        RedisURI.builder(settings.uri())
            .withHost(address.getHost())
            .withPort(address.getPort())
            .build();
    StatefulRedisConnection<String, String> c = null;
    try {
      c = client.connect(StringCodec.UTF8, uri);
      c.setTimeout(settings.timeout());
      c.addListener(near.pushListener());
      c.sync().clientTracking(TrackingArgs.Builder.enabled());
      int probeSlot = node.getSlots().get(0);
      Tracked t = new Tracked(node.getNodeId(), address.getHost(), address.getPort(), c, probeSlot);
      c.addListener(
          new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
              drop(t, "disconnected");
            }
          });
      byNode.put(node.getNodeId(), t);
      retryAt.remove(node.getNodeId());
      if (closed) {
        c.closeAsync();
      }
      return true;
    } catch (RuntimeException e) {
      if (c != null) {
        c.closeAsync();
      }
      retryAt.put(node.getNodeId(), now + settings.probeInterval().toNanos());
      LOG.debug("near cache: no tracking connection to {} yet: {}", address, e.toString());
      return false;
    }
  }

  /**
   * Stops tracking a node: no copy may be served until the next full round, and every copy goes,
   * since those read from this node would hear of no further invalidation.
   */
  private void drop(Tracked t, String why) {
    if (!byNode.remove(t.nodeId(), t)) {
      return;
    }
    version.incrementAndGet();
    revokeLease();
    near.clear();
    t.connection().closeAsync();
    if (!closed) {
      LOG.debug("near cache: stopped tracking {}:{} ({})", t.host(), t.port(), why);
    }
  }

  /** For tests: how many masters are tracked. */
  int trackedNodes() {
    return byNode.size();
  }

  @Override
  public void close() {
    closed = true;
    revokeLease();
    for (Tracked t : List.copyOf(byNode.values())) {
      byNode.remove(t.nodeId(), t);
      t.connection().closeAsync();
    }
    client.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
