package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.spi.FreshnessCounts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The latest value of every (entity, feature), in memory, so that online reads on a cache miss take
 * a hash lookup instead of a DuckDB query (a DuckDB point query over a million rows takes 2-7 ms
 * even with an ART index; this takes microseconds). DuckDB stays the source of truth: the index is
 * rebuilt from it on open and changed only after a commit (or a journal append while DuckDB
 * checkpoints), under the store's value lock.
 *
 * <p>Per entity, an immutable array of entries replaced copy-on-write, so readers never lock.
 */
final class LatestIndex {

  /** One feature's latest value for one entity. */
  record Entry(
      UUID featureId,
      String json,
      long eventMicros,
      long writtenMicros,
      long seq,
      @Nullable FreshnessStatus status) {

    /** True when this value wins over {@code other}: later event, then later write. */
    boolean supersedes(Entry other) {
      return eventMicros > other.eventMicros
          || (eventMicros == other.eventMicros && seq > other.seq);
    }

    Entry withStatus(@Nullable FreshnessStatus newStatus) {
      return new Entry(featureId, json, eventMicros, writtenMicros, seq, newStatus);
    }
  }

  private static final Entry[] NONE = new Entry[0];
  private final ConcurrentHashMap<String, Entry[]> byEntity = new ConcurrentHashMap<>();
  // Per feature, the event times of its latest values, changed with them in offer(): the freshness
  // monitor's counts (issue 15).
  private final ConcurrentHashMap<UUID, EventTimes> times = new ConcurrentHashMap<>();

  /** The entity's entry for the feature, or null. */
  @Nullable Entry get(String entity, UUID featureId) {
    Entry[] entries = byEntity.getOrDefault(entity, NONE);
    for (Entry e : entries) {
      if (e.featureId.equals(featureId)) {
        return e;
      }
    }
    return null;
  }

  /**
   * Records a committed value unless a stored one supersedes it, and its event time in the
   * feature's {@link EventTimes} in the same step (under the entity's lock), so the counts change
   * exactly when the latest value does and before the write is acknowledged.
   */
  void offer(String entity, Entry entry) {
    EventTimes featureTimes = times.computeIfAbsent(entry.featureId, id -> new EventTimes());
    byEntity.compute(
        entity,
        (k, entries) -> {
          if (entries == null) {
            featureTimes.add(entry.eventMicros);
            return new Entry[] {entry};
          }
          for (int i = 0; i < entries.length; i++) {
            if (entries[i].featureId.equals(entry.featureId)) {
              if (!entry.supersedes(entries[i])) {
                return entries;
              }
              featureTimes.replace(entries[i].eventMicros, entry.eventMicros);
              Entry[] copy = entries.clone();
              copy[i] = entry;
              return copy;
            }
          }
          featureTimes.add(entry.eventMicros);
          Entry[] copy = Arrays.copyOf(entries, entries.length + 1);
          copy[entries.length] = entry;
          return copy;
        });
  }

  /**
   * A status change of one latest value found by {@link #changes}, not yet applied; {@code first}
   * when the value had no status yet.
   */
  record Change(String entity, UUID featureId, long seq, FreshnessStatus status, boolean first) {}

  /**
   * Freshness counts of one feature's latest values as of {@code nowMicros}, from its event times:
   * expired past {@code maxAgeMicros}, else stale past {@code expectedMicros}, else fresh (as
   * {@link FreshnessStatus#of}; a null bound never triggers). Two binary searches, whatever the
   * number of values.
   */
  FreshnessCounts counts(
      UUID featureId, long nowMicros, @Nullable Long expectedMicros, @Nullable Long maxAgeMicros) {
    EventTimes t = times.get(featureId);
    if (t == null) {
      return new FreshnessCounts(featureId, 0, 0, 0, 0, null);
    }
    synchronized (t) { // one consistent view of this feature
      long total = t.size();
      // age > bound <=> event < now - bound (ages in whole microseconds, bounds truncated to them)
      long expired = maxAgeMicros == null ? 0 : t.countBefore(before(nowMicros, maxAgeMicros));
      long staleOrExpired =
          expectedMicros == null ? 0 : t.countBefore(before(nowMicros, expectedMicros));
      // Past the expected frequency but not expired; none when max age is the shorter bound.
      long stale = Math.max(0, staleOrExpired - expired);
      return new FreshnessCounts(
          featureId,
          total,
          total - expired - stale,
          stale,
          expired,
          total == 0 ? null : DuckDbDatabase.instant(t.max()));
    }
  }

  /** {@code now - bound}, saturating: a bound past the epoch's range never triggers. */
  private static long before(long nowMicros, long boundMicros) {
    try {
      return Math.subtractExact(nowMicros, boundMicros);
    } catch (ArithmeticException e) {
      return boundMicros > 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * The latest values of the given features, written with a seq up to {@code maxSeq}, whose status
   * differs from the rule's, by seq.
   */
  List<Change> changes(Map<UUID, Function<Entry, FreshnessStatus>> rules, long maxSeq) {
    List<Change> changes = new ArrayList<>();
    byEntity.forEach(
        (entity, entries) -> {
          for (Entry e : entries) {
            Function<Entry, FreshnessStatus> rule = rules.get(e.featureId);
            if (rule != null && e.seq <= maxSeq) {
              FreshnessStatus s = rule.apply(e);
              if (s != e.status) {
                changes.add(new Change(entity, e.featureId, e.seq, s, e.status == null));
              }
            }
          }
        });
    changes.sort(Comparator.comparingLong(Change::seq));
    return changes;
  }

  /**
   * Records a persisted status on the entry it was computed for; a no-op when a later write has
   * replaced that entry meanwhile (the new entry has no status yet, so the next update sets it).
   */
  void applyStatus(Change change) {
    byEntity.computeIfPresent(
        change.entity,
        (k, entries) -> {
          for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            if (e.featureId.equals(change.featureId)) {
              if (e.seq != change.seq || e.status == change.status) {
                return entries;
              }
              Entry[] copy = entries.clone();
              copy[i] = e.withStatus(change.status);
              return copy;
            }
          }
          return entries;
        });
  }

  int entities() {
    return byEntity.size();
  }
}
