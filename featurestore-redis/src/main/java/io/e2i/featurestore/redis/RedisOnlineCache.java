package io.e2i.featurestore.redis;

import io.e2i.featurestore.CacheStats;
import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.OnlineCache;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The online cache in Redis.
 *
 * <p>Layout, for an entity hash {@code E} and a group {@code G} (the braces are real: {@code {E}}
 * is the Redis Cluster hash tag, so every key of one entity lives in one slot):
 *
 * <ul>
 *   <li>{@code fs:{E}:fg:G:fn:N} (the seed's key): {@code <epoch>|<CachedFeatures JSON>}, TTL the
 *       cache TTL
 *   <li>{@code fs:{E}:fg:G:gen}: the generation of (E, G), advanced by every invalidation
 *   <li>{@code fs:{E}:fg:G:keys}: the set of entry keys cached for (E, G), so an invalidation
 *       deletes them all without a scan
 *   <li>{@code fs:{E}:fg:G:writing}: how many writes of (E, G) are in flight, per epoch (a hash;
 *       absent: none); while one is in the current epoch, nothing is cached for (E, G) ({@link
 *       #beginWrite})
 *   <li>{@code fs:{E}:groups}: the groups E has entries in, for {@link #invalidateEntity}
 *   <li>the epoch, advanced when invalidations may have been lost: standalone the one key {@code
 *       fs:epoch}; in a cluster one key per slot ({@link SlotEpochs}), so each script reads the
 *       epoch of its own slot, and a bump advances all 16,384
 * </ul>
 *
 * <p>Read-your-writes: {@link #putIfCurrent} stores only if neither the generation nor the epoch
 * moved since {@link #generation} (one Lua script), and {@link #invalidate} advances the generation
 * and deletes the entries in one script. A read accepts an entry only if it was cached in the
 * current epoch, so once an invalidation may have been lost (Redis unreachable during a write), the
 * epoch bump on recovery retires every older entry at once. A write runs {@link #beginWrite} before
 * its rows can be visible (the invalidation, and a mark that keeps fills out while it is in flight)
 * and {@link #endWrite} after, so reads are monotonic also during the write. Standalone, a batch's
 * scripts run in chunks of 256 scopes, a few in flight at once ({@link ScriptPipeline}); each step
 * returns only once every chunk ran, so begin, commit and end are ordered per write, not per chunk.
 *
 * <p>The optional near cache is fed only by reads on a RESP3 connection with client tracking on, so
 * Redis pushes an invalidation for each entry this instance holds when another instance deletes it.
 * The push leaves Redis in the same event-loop turn as the invalidating instance's reply, but it is
 * asynchronous: another instance may serve its near copy for the short time (sub-millisecond on a
 * LAN) until its I/O thread has read the push. The invalidating instance drops its own copies
 * before its write returns.
 *
 * <p>Redis Cluster ({@code redis-cluster://h1:p1,h2:p2}): every script touches the keys of one
 * entity and that slot's epoch only, so none crosses slots; a batch's invalidations run one script
 * per slot, pipelined per master and followed by WAIT (see {@link SlotInvalidation}). The near
 * cache works the same way once per master ({@link ClusterTracking}): a tracking connection per
 * master, near-cache fills read through the slot's master's one, and a lease that needs every
 * tracked master to answer.
 */
public final class RedisOnlineCache implements OnlineCache {
  static final String EPOCH_KEY = "fs:epoch";
  private static final int GEN_BITS = 40;
  private static final long GEN_MASK = (1L << GEN_BITS) - 1;
  private static final long EPOCH_MASK = (1L << (63 - GEN_BITS)) - 1;
  private static final int BATCH = 256;

  private final RedisSettings settings;
  private final @Nullable NearCache near; // null: none
  private final RedisLink link;
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final AtomicLong nearValidUntil = new AtomicLong(System.nanoTime()); // lease, nanoTime
  private final @Nullable ScheduledExecutorService leaser; // null without near cache
  private final @Nullable ClusterTracking tracking; // near cache on a cluster only

  private RedisOnlineCache(RedisSettings settings) {
    this.settings = settings;
    this.near =
        settings.nearCache() ? new NearCache(settings.ttl(), settings.nearMaxEntries()) : null;
    this.link = new RedisLink(settings, new Hooks());
    this.tracking =
        near != null && settings.cluster()
            ? new ClusterTracking(settings, near, link::partitionsIfUp, link::confirmedMaster)
            : null;
    if (near == null) {
      this.leaser = null;
    } else {
      ScheduledExecutorService leaser =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "featurestore-redis-near-lease");
                t.setDaemon(true);
                return t;
              });
      this.leaser = leaser;
      long every = Math.max(1000, settings.nearMaxStale().toNanos() / 4 / 1000);
      ClusterTracking tracking = this.tracking;
      Runnable round = tracking == null ? this::renewLease : tracking::renew;
      leaser.scheduleWithFixedDelay(round, 0, every, TimeUnit.MICROSECONDS);
    }
  }

  /**
   * Extends the near-cache lease once Redis answers a PING: its reply comes after every push Redis
   * queued for us before it ran the PING, so no invalidation acknowledged before {@code sent} is
   * still unread.
   */
  private void renewLease() {
    StatefulRedisConnection<String, String> c = link.connectionIfUp();
    if (c == null) {
      return;
    }
    long sent = System.nanoTime();
    long until = sent + settings.nearMaxStale().toNanos();
    c.async()
        .ping()
        .thenRun(
            () -> {
              if (link.connectionIfUp() == c) {
                nearValidUntil.accumulateAndGet(until, (a, b) -> b - a > 0 ? b : a);
              }
            });
  }

  /** Whether near copies may be served now (a PING came back within the lease). For tests. */
  boolean nearLeaseHeld() {
    if (near == null) {
      return false;
    }
    return tracking != null ? tracking.leaseHeld() : System.nanoTime() - nearValidUntil.get() < 0;
  }

  /** For tests: the masters a cluster near cache tracks. */
  int trackedNodes() {
    return tracking == null ? 0 : tracking.trackedNodes();
  }

  /**
   * Connects to {@code redis://}, {@code rediss://} or a cluster ({@code redis-cluster://}, {@code
   * rediss-cluster://}); a Redis that is down only degrades.
   */
  public static RedisOnlineCache open(String url, FeatureStoreConfig config) {
    return new RedisOnlineCache(RedisSettings.of(url, config));
  }

  private final class Hooks implements RedisLink.Hooks {
    @Override
    public void connected(StatefulRedisConnection<String, String> connection) {
      NearCache near = RedisOnlineCache.this.near;
      if (near == null) {
        return;
      }
      connection.addListener(near.pushListener());
      // NOLOOP: our own writes (puts, and the reads Lua scripts make) push nothing back to us; our
      // own invalidations drop our near copies themselves, before they return.
      connection.sync().clientTracking(TrackingArgs.Builder.enabled().noloop());
    }

    @Override
    public void lost() {
      if (near != null) {
        nearValidUntil.set(System.nanoTime());
        if (tracking != null) {
          tracking.revokeLease();
        }
        near.clear();
      }
    }
  }

  /**
   * A valid near copy only (the lease held, nothing dropped since it was read); counts its hit. A
   * miss is not counted here: the caller then reads with {@link #get}, which counts it.
   */
  @Override
  public @Nullable CachedFeatures getInMemory(CacheKey key) {
    NearCache near = this.near;
    if (near == null || !nearLeaseHeld()) {
      return null;
    }
    return near.getIfHit(key);
  }

  @Override
  public @Nullable CachedFeatures get(CacheKey key) {
    long stamp = 0;
    if (near != null) {
      if (nearLeaseHeld()) {
        CachedFeatures hit = near.get(key);
        if (hit != null) {
          return hit;
        }
      } else {
        near.leaseLapsed.increment();
      }
      stamp = near.stamp();
    }
    String rendered = key.render();
    String epochKey = epochKey(key.entity());
    ClusterTracking tracking = this.tracking;
    int slot = SlotInvalidation.slotOf(key.entity().hash());
    @Nullable StatefulRedisConnection<String, String> tracked =
        tracking == null || link.isOpen() ? null : tracking.forSlot(slot);
    @Nullable List<KeyValue<String, String>> values = null;
    if (tracked != null && tracking != null) {
      try {
        values = tracked.sync().mget(rendered, epochKey); // the slot's master tracks what we read
      } catch (RuntimeException e) {
        tracking.failed(tracked); // moved, or gone: read through the cluster connection instead
      }
    }
    boolean keepNear = tracking == null || values != null;
    if (values == null) {
      values =
          settings.cluster()
              ? link.slotRead(slot, r -> r.mget(rendered, epochKey))
              : link.call(r -> r.mget(rendered, epochKey));
    }
    String raw = values.get(0).getValueOrElse(null);
    if (raw == null) {
      return null;
    }
    String epoch = values.get(1).getValueOrElse("0");
    int bar = raw.indexOf('|');
    if (bar != epoch.length() || !raw.startsWith(epoch)) {
      dropped.increment(); // cached before the epoch moved: may predate a lost invalidation
      return null;
    }
    CachedFeatures features = CachedFeatures.fromJson(raw.substring(bar + 1));
    if (near != null && keepNear) {
      near.putIfUnchanged(key, rendered, features, stamp);
    }
    return features;
  }

  @Override
  public long generation(EntityKey entity, String featureGroup) {
    String prefix = CacheKey.prefix(entity, featureGroup);
    String epochKey = epochKey(entity);
    List<KeyValue<String, String>> values = link.call(r -> r.mget(prefix + ":gen", epochKey));
    long gen = Long.parseLong(values.get(0).getValueOrElse("0"));
    long epoch = Long.parseLong(values.get(1).getValueOrElse("0"));
    // Values past the masks (never in practice) make putIfCurrent drop, never accept wrongly.
    return ((epoch & EPOCH_MASK) << GEN_BITS) | (gen & GEN_MASK);
  }

  @Override
  public void putIfCurrent(CacheKey key, CachedFeatures value, long generation) {
    String prefix = CacheKey.prefix(key.entity(), key.featureGroup());
    String[] keys = {
      key.render(),
      prefix + ":gen",
      prefix + ":keys",
      epochKey(key.entity()),
      groupsKey(key.entity()),
      prefix + ":writing"
    };
    String json = value.toJson();
    Long stored =
        link.call(
            r ->
                Script.PUT_IF_CURRENT.run(
                    r,
                    ScriptOutputType.INTEGER,
                    keys,
                    json,
                    Long.toString(settings.ttlSeconds()),
                    Long.toString(generation & GEN_MASK),
                    Long.toString(generation >>> GEN_BITS),
                    key.featureGroup()));
    if (stored == null || stored == 0) {
      dropped.increment();
    }
  }

  @Override
  public void invalidate(EntityKey entity, String featureGroup) {
    invalidateAll(List.of(Map.entry(entity, featureGroup)));
  }

  /**
   * Invalidates many (entity, group) pairs with one script call per {@value #BATCH} pairs (a few in
   * flight at once), for batch writes.
   */
  @Override
  public void invalidateAll(Collection<? extends Map.Entry<EntityKey, String>> scopes) {
    run(Script.INVALIDATE, scopes);
    invalidations.add(scopes.size());
    outwaitNearLeases();
  }

  /**
   * Invalidates and marks the scopes written before the write's rows can be visible, then waits out
   * the near-cache leases: so by the time any instance can read the new rows, no instance serves a
   * near copy of an older entry, and no entry is cached for the scopes until {@link #endWrite}.
   */
  @Override
  public void beginWrite(Collection<? extends Map.Entry<EntityKey, String>> scopes) {
    run(Script.WRITE_BEGIN, scopes);
    invalidations.add(scopes.size());
    outwaitNearLeases();
  }

  /**
   * Unmarks the scopes and advances their generations. No wait: nothing was cached for them since
   * {@link #beginWrite} (fills were refused), so no near copy of an older value can exist anywhere.
   */
  @Override
  public void endWrite(Collection<? extends Map.Entry<EntityKey, String>> scopes) {
    run(Script.WRITE_END, scopes);
  }

  /**
   * Runs an invalidation script over the scopes: per slot in a cluster, else in chunks of {@value
   * #BATCH} scopes, pipelined ({@link ScriptPipeline}); returns once Redis ran every chunk and the
   * replicas asked for have them.
   */
  private void run(Script script, Collection<? extends Map.Entry<EntityKey, String>> scopes) {
    boolean marks = script != Script.INVALIDATE;
    if (settings.cluster()) {
      invalidateInCluster(script, marks, scopes);
      return;
    }
    List<String> prefixes = new ArrayList<>(scopes.size());
    link.standaloneInvalidation(
        c -> {
          prefixes.clear();
          ScriptPipeline pipeline =
              new ScriptPipeline(c, script, settings.timeout(), genTtlSeconds());
          List<String> keys = new ArrayList<>(3 * Math.min(scopes.size(), BATCH) + 1);
          for (Map.Entry<EntityKey, String> scope : scopes) {
            String prefix = CacheKey.prefix(scope.getKey(), scope.getValue());
            prefixes.add(prefix);
            addKeys(keys, prefix, marks);
            if (prefixes.size() % BATCH == 0) {
              pipeline.send(chunk(keys, marks));
            }
          }
          if (!keys.isEmpty()) {
            pipeline.send(chunk(keys, marks));
          }
          pipeline.finish();
          link.awaitReplicas(null, c.sync());
          return true;
        });
    NearCache near = this.near;
    if (near != null) {
      // Our own copies go now: the push for our own deletes may come after the reply.
      prefixes.forEach(near::dropPrefix);
    }
  }

  /** One chunk's KEYS (with marks, the epoch last: a mark counts in it); empties {@code keys}. */
  private static String[] chunk(List<String> keys, boolean marks) {
    if (marks) {
      keys.add(EPOCH_KEY);
    }
    String[] chunk = keys.toArray(String[]::new);
    keys.clear();
    return chunk;
  }

  /** A scope's keys for the scripts: gen and index, and with marks its writes in flight. */
  private static void addKeys(List<String> keys, String prefix, boolean marks) {
    keys.add(prefix + ":gen");
    keys.add(prefix + ":keys");
    if (marks) {
      keys.add(prefix + ":writing");
    }
  }

  /**
   * With near caches, the invalidation returns only once every other instance's near copies of what
   * it deleted are unservable. An instance serves near copies only under a lease renewed by a PING
   * it sent at most {@code near_cache_max_stale_ms} earlier; a PING sent after Redis ran our
   * invalidation is answered after the invalidation push. So waiting one lease length after our
   * reply leaves every other instance either without a lease or with the push processed: no
   * instance serves an older value once a write is acknowledged. Writes pay the wait, reads don't.
   */
  private void outwaitNearLeases() {
    if (near == null) {
      return;
    }
    try {
      Thread.sleep(settings.nearMaxStale());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting out near-cache leases", e);
    }
  }

  /** One script call per slot (a script may touch one slot), pipelined per master, then WAIT. */
  private void invalidateInCluster(
      Script script, boolean marks, Collection<? extends Map.Entry<EntityKey, String>> scopes) {
    Map<Integer, List<String>> keysBySlot = new HashMap<>();
    for (Map.Entry<EntityKey, String> scope : scopes) {
      String prefix = CacheKey.prefix(scope.getKey(), scope.getValue());
      List<String> keys =
          keysBySlot.computeIfAbsent(
              SlotInvalidation.slotOf(scope.getKey().hash()), slot -> new ArrayList<>());
      addKeys(keys, prefix, marks);
    }
    if (marks) { // a mark counts in its slot's epoch
      keysBySlot.forEach((slot, keys) -> keys.add(SlotEpochs.forSlot(slot)));
    }
    String ttl = genTtlSeconds();
    link.clusterInvalidation(
        c -> SlotInvalidation.run(c, link, settings.connectTimeout(), script, keysBySlot, ttl));
    NearCache near = this.near;
    if (near != null) {
      // Our own copies go now: a tracking push for our own deletes may come after the reply.
      for (Map.Entry<EntityKey, String> scope : scopes) {
        near.dropPrefix(CacheKey.prefix(scope.getKey(), scope.getValue()));
      }
    }
  }

  @Override
  public void invalidateEntity(EntityKey entity) {
    String entityPrefix = entityTag(entity) + ":fg:";
    String groups = groupsKey(entity);
    String ttl = genTtlSeconds();
    List<Object> deleted =
        settings.cluster()
            ? link.clusterInvalidation(
                c ->
                    SlotInvalidation.run(
                        c,
                        link,
                        settings.connectTimeout(),
                        Script.INVALIDATE_ENTITY,
                        Map.of(SlotInvalidation.slotOf(entity.hash()), List.of(groups)),
                        entityPrefix,
                        ttl))
            : link.invalidation(
                r -> {
                  List<Object> keys =
                      Script.INVALIDATE_ENTITY.run(
                          r, ScriptOutputType.MULTI, new String[] {groups}, entityPrefix, ttl);
                  link.awaitReplicas(null, r);
                  return keys;
                });
    if (near != null) {
      List<String> names = new ArrayList<>();
      deleted.forEach(k -> names.add(String.valueOf(k)));
      near.invalidated(names);
    }
    invalidations.increment();
    outwaitNearLeases();
  }

  private static String groupsKey(EntityKey entity) {
    return entityTag(entity) + ":groups";
  }

  /** {@code fs:{<entity hash>}}: the start of every key of the entity, its hash tag included. */
  private static String entityTag(EntityKey entity) {
    return "fs:{" + entity.hash() + "}";
  }

  /** The epoch an entity's entries are checked against: in a cluster, its slot's. */
  private String epochKey(EntityKey entity) {
    return settings.cluster() ? SlotEpochs.forEntity(entity.hash()) : EPOCH_KEY;
  }

  /**
   * A generation must outlive every read that took it, and those last far less than an entry; so it
   * is kept the TTL plus five minutes after its last advance (a write's end keeps the expiry its
   * begin set, see {@link Script#WRITE_END}).
   */
  private String genTtlSeconds() {
    return Long.toString(settings.ttlSeconds() + 300);
  }

  /**
   * Near-cache hits and misses (zero without a near cache), invalidations issued by this instance,
   * and Redis errors including calls refused while the circuit was open.
   */
  @Override
  public CacheStats stats() {
    return new CacheStats(
        near == null ? 0 : near.hits.sum(),
        near == null ? 0 : near.misses.sum(),
        invalidations.sum(),
        link.failures());
  }

  /** Puts dropped by a moved generation or epoch, and entries refused for an old epoch. */
  long droppedCount() {
    return dropped.sum();
  }

  long epochBumps() {
    return link.epochBumps();
  }

  @Override
  public boolean isHealthy() {
    if (link.isOpen()) {
      return false;
    }
    try {
      link.call(r -> r.ping());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public String describe() {
    return "redis "
        + settings.displayUrl()
        + (near == null ? "" : " + near cache (" + near.size() + " entries)")
        + (link.isOpen() ? " [unreachable: serving from the offline store]" : "");
  }

  @Override
  public void close() {
    if (leaser != null) {
      leaser.shutdownNow();
    }
    if (tracking != null) {
      tracking.close();
    }
    link.close();
    if (near != null) {
      near.clear();
    }
  }
}
