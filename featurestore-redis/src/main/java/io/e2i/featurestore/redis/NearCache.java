package io.e2i.featurestore.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.e2i.featurestore.MemoryOnly;
import io.e2i.featurestore.spi.CacheKey;
import io.e2i.featurestore.spi.CachedFeatures;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The in-process copy of Redis entries this instance read. It holds only what Redis will tell us
 * about: every entry comes from a read on the tracking connection, so Redis pushes an invalidation
 * when the entry is deleted, expires or is evicted. Pushes name rendered Redis keys, whose hashes
 * cannot be turned back into a {@link CacheKey}; entries are therefore also indexed by their
 * (entity, group) prefix, and a push drops every entry of that prefix.
 *
 * <p>A read that raced with a push must not cache what it read: {@link #stamp} is taken before the
 * Redis read, every drop advances it, and {@link #putIfUnchanged} undoes its put if it moved. Until
 * that undo, a put of a read that began before a drop of its prefix is not served either: each
 * entry keeps the stamp its read began at, each drop notes its stamp per prefix (and a clear
 * globally), and {@link #get} refuses an entry older than the last drop (a reader descheduled
 * between its put and its check, on a loaded machine, would otherwise expose an old value to reads
 * that began after the write was acknowledged).
 */
final class NearCache {
  private record Entry(String prefix, CachedFeatures value, long readStamp) {}

  private final Cache<CacheKey, Entry> entries;
  private final ConcurrentHashMap<String, Set<CacheKey>> byPrefix = new ConcurrentHashMap<>();
  private final AtomicLong stamp = new AtomicLong();
  // prefix -> stamp of its last drop; kept far longer than any read takes
  private final Cache<String, Long> drops =
      Caffeine.newBuilder()
          .expireAfterWrite(Duration.ofSeconds(30))
          .maximumSize(200_000)
          .executor(Runnable::run)
          .build();
  private volatile long clearedAt; // stamp of the last clear
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder dropCount = new LongAdder();
  final LongAdder leaseLapsed = new LongAdder();
  private final Runnable countHit = hits::increment;

  NearCache(Duration ttl, long maxEntries) {
    this.entries =
        Caffeine.newBuilder()
            .expireAfterWrite(ttl)
            .maximumSize(maxEntries)
            .executor(Runnable::run)
            .<CacheKey, Entry>evictionListener(
                (key, entry, cause) -> {
                  if (key != null && entry != null) {
                    unindex(entry.prefix(), key);
                  }
                })
            .build();
  }

  @Nullable CachedFeatures get(CacheKey key) {
    CachedFeatures hit = getIfHit(key);
    if (hit == null) {
      misses.increment();
    }
    return hit;
  }

  /**
   * Like {@link #get} but counts only a hit, and in a {@link MemoryOnly} scope only when it answers
   * (a miss is counted by the read that follows it).
   */
  @Nullable CachedFeatures getIfHit(CacheKey key) {
    Entry e = entries.getIfPresent(key);
    if (e != null && droppedSince(e)) {
      entries.asMap().remove(key, e);
      e = null;
    }
    if (e == null) {
      return null;
    }
    MemoryOnly.count(countHit);
    return e.value();
  }

  long stamp() {
    return stamp.get();
  }

  private boolean droppedSince(Entry e) {
    if (clearedAt > e.readStamp()) {
      return true;
    }
    Long dropped = drops.getIfPresent(e.prefix());
    return dropped != null && dropped > e.readStamp();
  }

  void putIfUnchanged(CacheKey key, String rendered, CachedFeatures value, long before) {
    String prefix = prefixOf(rendered);
    if (prefix == null) {
      return;
    }
    entries.put(key, new Entry(prefix, value, before));
    byPrefix.compute(
        prefix,
        (p, set) -> {
          Set<CacheKey> s = set == null ? new HashSet<>() : set;
          s.add(key);
          return s;
        });
    if (stamp.get() != before) {
      entries.invalidate(key); // a drop happened while we read: what we read may be gone
    }
  }

  /**
   * Feeds Redis's invalidation pushes (RESP3 client tracking) of one connection into this cache: a
   * push names the keys changed, or none (FLUSHALL, or Redis dropped its tracking table).
   */
  PushListener pushListener() {
    return push -> {
      if (!"invalidate".equals(push.getType())) {
        return;
      }
      List<Object> content = push.getContent(StringCodec.UTF8::decodeKey);
      Object keys = content.size() > 1 ? content.get(1) : null;
      if (keys instanceof Collection<?> c) {
        List<String> names = new ArrayList<>(c.size());
        c.forEach(k -> names.add(String.valueOf(k)));
        invalidated(names);
      } else {
        invalidated(null);
      }
    };
  }

  /** Redis reports these keys changed (null: everything). */
  void invalidated(@Nullable Collection<String> keys) {
    if (keys == null) {
      clear();
      return;
    }
    for (String key : keys) {
      if (isEpoch(key)) {
        clear(); // an epoch moved: entries of older epochs are refused by Redis reads
        return;
      }
      String prefix = prefixOf(key);
      if (prefix != null) {
        dropPrefix(prefix);
      }
    }
  }

  void dropPrefix(String prefix) {
    drops.put(prefix, stamp.incrementAndGet());
    dropCount.increment();
    Set<CacheKey> set = byPrefix.remove(prefix);
    if (set != null) {
      entries.invalidateAll(set);
    }
  }

  void clear() {
    clearedAt = stamp.incrementAndGet();
    entries.invalidateAll();
    byPrefix.clear();
  }

  long size() {
    return entries.estimatedSize();
  }

  private void unindex(String prefix, CacheKey key) {
    byPrefix.computeIfPresent(
        prefix,
        (p, set) -> {
          set.remove(key);
          return set.isEmpty() ? null : set;
        });
  }

  /**
   * The standalone epoch key, or one slot's in a cluster ({@link SlotEpochs}: {@code
   * fs:{t}:epoch}).
   */
  private static boolean isEpoch(String key) {
    return key.equals(RedisOnlineCache.EPOCH_KEY) || key.endsWith("}:epoch");
  }

  /** {@code fs:<entity>:fg:<group>} of an entry key, null for other keys (generations, indexes). */
  static @Nullable String prefixOf(String renderedKey) {
    int i = renderedKey.lastIndexOf(":fn:");
    return i < 0 ? null : renderedKey.substring(0, i);
  }
}
