package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection behind a circuit breaker. Every command is bounded by the configured
 * timeout; the first failure opens the circuit, after which calls fail at once (no request waits on
 * a reconnect) while a background thread probes Redis every probe interval.
 *
 * <p>Invalidations that fail (or are refused while the circuit is open) make the link dirty: the
 * entries of a write committed meanwhile may be stale. Before the circuit closes again, a dirty
 * link (or a Redis that restarted, seen by its run id) advances the global epoch {@link
 * RedisOnlineCache#EPOCH_KEY}, which makes every entry cached before unservable and every
 * generation taken before unusable. Only then do calls go through again.
 *
 * <p>Any outage makes the link dirty, not only a failed invalidation of its own: when Redis stalls,
 * every instance loses it at once, and the instance whose invalidations were lost may reach Redis
 * again after another one does. Each instance that saw the outage therefore advances the epoch
 * before it serves again, so none serves an entry cached before a write acknowledged during the
 * outage. The cost is a cold cache after every outage, which is rare next to a stale read.
 */
final class RedisLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);

  interface Op<T> {
    T apply(RedisCommands<String, String> redis);
  }

  /** What the near cache needs to hear about the connection. */
  interface Hooks {
    /** A new connection, before any call uses it: subscribe to invalidations here. */
    void connected(StatefulRedisConnection<String, String> connection);

    /** Calls fail from now on: whatever depends on pushes from Redis must be dropped. */
    void lost();
  }

  private final RedisSettings settings;
  private final RedisClient client;
  private final Hooks hooks;
  private final ScheduledExecutorService prober;
  private final Object lock = new Object();
  private final LongAdder failures = new LongAdder();
  private final LongAdder epochBumps = new LongAdder();

  private volatile @Nullable StatefulRedisConnection<String, String> connection;
  private volatile boolean open = true; // circuit open: calls fail fast
  private volatile boolean closed;
  private boolean dirty; // guarded by lock
  private @Nullable String runId; // guarded by lock

  RedisLink(RedisSettings settings, Hooks hooks) {
    this.settings = settings;
    this.hooks = hooks;
    this.client = RedisClient.create(settings.uri());
    ClientOptions.Builder options = ClientOptions.builder();
    Path caFile = settings.tlsCaFile();
    if (caFile != null) {
      options.sslOptions(
          SslOptions.builder().jdkSslProvider().trustManager(caFile.toFile()).build());
    }
    client.setOptions(
        options
            // We reconnect ourselves, so that nothing is replayed behind our back and tracking
            // and the epoch check happen before the first call on a new connection.
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .protocolVersion(settings.nearCache() ? ProtocolVersion.RESP3 : ProtocolVersion.RESP2)
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(settings.connectTimeout())
                    .keepAlive(true)
                    .tcpNoDelay(true)
                    .build())
            .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
            .build());
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

  /** Runs a command that changes nothing the cache's correctness depends on. */
  <T> T call(Op<T> op) {
    return run(op, false);
  }

  /** Runs an invalidation: if it fails, the link is dirty until the epoch moved on. */
  <T> T invalidation(Op<T> op) {
    return run(op, true);
  }

  private <T> T run(Op<T> op, boolean invalidation) {
    while (open) {
      if (invalidation) {
        synchronized (lock) {
          if (!open) {
            break; // closed meanwhile: go to Redis
          }
          dirty = true;
        }
        StatefulRedisConnection<String, String> stalled = connection;
        if (stalled != null && stalled.isOpen()) {
          // A stalled Redis (paused, swapping) keeps the connection: the invalidation is sent
          // anyway and runs when Redis goes on, before anything another instance sends later.
          // Writes pay the timeout while it is stalled; reads still fail fast.
          return attemptWhileOpen(stalled, op);
        }
      }
      failures.increment();
      throw new FeatureStoreException(
          FeatureStoreException.Code.UNAVAILABLE,
          "Redis " + settings.displayUrl() + " is unavailable (circuit open)");
    }
    // The circuit closes only once recover() has set a connection, and it is never unset.
    StatefulRedisConnection<String, String> c =
        Objects.requireNonNull(connection, "connection of a closed circuit");
    try {
      return op.apply(c.sync());
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

  private <T> T attemptWhileOpen(StatefulRedisConnection<String, String> c, Op<T> op) {
    try {
      return op.apply(c.sync());
    } catch (RuntimeException e) {
      failures.increment();
      throw FeatureStoreException.unavailable(
          "Redis " + settings.displayUrl() + " is unavailable (circuit open): " + e, e);
    }
  }

  private void trip(
      StatefulRedisConnection<String, String> c, boolean invalidation, @Nullable Throwable e) {
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
    if (open && !closed) {
      recover();
    }
  }

  private void recover() {
    StatefulRedisConnection<String, String> c = connection;
    try {
      if (c == null || !c.isOpen()) {
        if (c != null) {
          c.closeAsync();
        }
        c = client.connect(StringCodec.UTF8);
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
        connection = c;
      }
      String id = runId(c.sync().info("server"));
      synchronized (lock) {
        boolean restarted = runId != null && !runId.equals(id);
        if (dirty || restarted) {
          long epoch = c.sync().incr(RedisOnlineCache.EPOCH_KEY);
          epochBumps.increment();
          LOG.info(
              "Redis {}: {}; cache epoch advanced to {}, entries cached before are dropped",
              settings.displayUrl(),
              dirty ? "it was unreachable, so invalidations may have been lost" : "Redis restarted",
              epoch);
        }
        runId = id;
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

  private static String runId(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("run_id:")) {
        return line.substring("run_id:".length()).trim();
      }
    }
    return "";
  }

  /** The connection, or null while the circuit is open. */
  @Nullable StatefulRedisConnection<String, String> connectionIfUp() {
    StatefulRedisConnection<String, String> c = connection;
    return open ? null : c;
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
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
