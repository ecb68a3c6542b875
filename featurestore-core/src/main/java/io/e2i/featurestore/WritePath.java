package io.e2i.featurestore;

import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.OnlineCache;
import io.e2i.featurestore.spi.ValueRow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes feature values. Every write of a batch is validated before anything is stored, so a bad
 * value rejects the batch whole; then the offline store commits it in one transaction, bracketed by
 * the cache's {@link OnlineCache#beginWrite} (before any row can be visible: the touched (entity,
 * group) entries go and nothing is cached for them while the write is in flight) and {@link
 * OnlineCache#endWrite} (after the commit or its failure). So a read that starts after the write
 * returned cannot find the old value (read-your-writes), and none finds it after any read found the
 * new one, even before the write returned (monotonic reads). A cache failure does not fail the
 * write.
 */
final class WritePath {
  // The facade's category, which log configurations already name.
  private static final Logger LOG = LoggerFactory.getLogger(DefaultFeatureStore.class);

  private static final long FAILURE_LOG_INTERVAL_NANOS = 60_000_000_000L;

  private final AtomicLong lastFailureLog =
      new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
  private final AtomicLong failuresSinceLog = new AtomicLong();
  private final RegistryHolder holder;
  private final Resolver resolver;
  private final OfflineStore offline;
  private final @Nullable OnlineCache cache;
  private final CacheCounters counters;
  private final StoreClock clock;
  private final ConstraintWarnings warnings = new ConstraintWarnings();

  WritePath(
      RegistryHolder holder,
      Resolver resolver,
      OfflineStore offline,
      @Nullable OnlineCache cache,
      CacheCounters counters,
      StoreClock clock) {
    this.holder = holder;
    this.resolver = resolver;
    this.offline = offline;
    this.cache = cache;
    this.counters = counters;
    this.clock = clock;
  }

  int writeBatchFeatures(List<FeatureWrite> writes) {
    if (writes == null || writes.isEmpty()) {
      return 0;
    }
    Instant writtenAt = clock.now();
    List<ValueRow> rows = new ArrayList<>(writes.size());
    Set<Map.Entry<EntityKey, String>> touched = new LinkedHashSet<>();
    List<Warned> warned = new ArrayList<>(0);
    for (int i = 0; i < writes.size(); i++) {
      ValueRow row = validate(writes.get(i), i, writes.size(), writtenAt, warned);
      rows.add(row);
      touched.add(Map.entry(row.entity(), featureGroupOf(row)));
    }
    boolean marked = beginWrite(touched);
    try {
      commit(rows, writtenAt);
    } finally {
      endWrite(touched, marked);
    }
    // Counted once committed: a failed write accepted nothing.
    for (Warned w : warned) {
      warnings.add(w.feature(), w.constraint(), 1);
    }
    return rows.size();
  }

  /** Values written in warn mode although they break a constraint, per feature and constraint. */
  List<ConstraintWarning> constraintWarnings() {
    return warnings.snapshot();
  }

  /** A value written although it breaks a constraint of its feature (warn mode). */
  private record Warned(Feature feature, String constraint) {}

  private void commit(List<ValueRow> rows, Instant writtenAt) {
    try {
      offline.write(rows, writtenAt);
    } catch (FeatureStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      FeatureStoreException failure = FeatureStoreException.fromBackend("offline store write", e);
      throw new FeatureStoreException(
          failure.code(), failure.getMessage() + "; nothing was written", e);
    }
  }

  private String featureGroupOf(ValueRow row) {
    return holder.snapshot().byId(row.featureId()).orElseThrow().featureGroup();
  }

  /** In a batch, errors name the value's position, so a client can find it among thousands. */
  private ValueRow validate(
      FeatureWrite w, int index, int total, Instant writtenAt, List<Warned> warned) {
    String where = total > 1 ? "value #" + (index + 1) + ": " : "";
    if (w == null) {
      throw FeatureStoreException.invalid(where + "null write");
    }
    try {
      return toRow(w, writtenAt, warned);
    } catch (FeatureStoreException e) {
      if (where.isEmpty()) {
        throw e;
      }
      throw new FeatureStoreException(
          e.code(), where + e.getMessage() + "; nothing was written", e);
    }
  }

  private ValueRow toRow(FeatureWrite w, Instant writtenAt, List<Warned> warned) {
    EntityKey entity = EntityKey.of(w.entityValues());
    if (w.featureName() == null || w.featureName().isBlank()) {
      throw FeatureStoreException.invalid("feature_name is required");
    }
    Feature feature =
        resolver.resolve(new FeatureRef(w.featureGroup(), w.featureName(), null), entity);
    Object value = normalize(feature, entity, w.value());
    checkConstraints(feature, entity, value, warned);
    Instant eventTimestamp =
        w.eventTimestamp() == null ? writtenAt : eventTimestamp(w.eventTimestamp());
    return new ValueRow(feature.id(), entity, value, eventTimestamp);
  }

  private static @Nullable Object normalize(
      Feature feature, EntityKey entity, @Nullable Object value) {
    try {
      return feature.valueType().normalize(value);
    } catch (IllegalArgumentException e) {
      throw FeatureStoreException.typeMismatch(
          "feature '"
              + feature.featureGroup()
              + ":"
              + feature.name()
              + "' ("
              + feature.valueType().wireName()
              + ") for entity "
              + entity
              + " rejects value "
              + describe(value)
              + ": "
              + e.getMessage());
    }
  }

  /**
   * Reject mode fails the call naming feature, entity, value and constraint; warn mode notes the
   * value, which is written and counted.
   */
  private void checkConstraints(
      Feature feature, EntityKey entity, @Nullable Object value, List<Warned> warned) {
    ConstraintCheck check = holder.snapshot().check(feature);
    String violation = check.violation(value);
    if (violation == null) {
      return;
    }
    if (check.mode() == ValidationMode.WARN) {
      warned.add(new Warned(feature, ConstraintCheck.ruleName(violation)));
      return;
    }
    throw FeatureStoreException.invalid(
        "feature '"
            + feature.featureGroup()
            + ":"
            + feature.name()
            + "' for entity "
            + entity
            + " rejects value "
            + describe(value)
            + ": it breaks the constraint "
            + violation);
  }

  /** A Java caller's event time past what the stores hold is its mistake, as over HTTP. */
  private static Instant eventTimestamp(Instant t) {
    try {
      return ValueType.inRange(t, t).truncatedTo(ChronoUnit.MICROS);
    } catch (IllegalArgumentException e) {
      throw FeatureStoreException.invalid("event_timestamp: " + e.getMessage());
    }
  }

  private static String describe(@Nullable Object value) {
    return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
  }

  /**
   * Before the commit: whether the scopes are marked in flight. A cache that fails here does not
   * fail the write (the store is the truth and the cache recovers by itself, see OnlineCache).
   */
  private boolean beginWrite(Set<Map.Entry<EntityKey, String>> scopes) {
    if (cache == null) {
      return false;
    }
    try {
      cache.beginWrite(scopes);
      return true;
    } catch (RuntimeException e) {
      counters.error();
      logCacheFailure(scopes.size(), e);
      return false;
    }
  }

  /**
   * After the commit or its failure. Unmarks what {@link #beginWrite} marked; when that failed,
   * invalidates instead (an unmark without its mark could unmark another write's scope).
   */
  private void endWrite(Set<Map.Entry<EntityKey, String>> scopes, boolean marked) {
    if (cache == null) {
      return;
    }
    try {
      if (marked) {
        cache.endWrite(scopes);
      } else {
        cache.invalidateAll(scopes);
      }
      counters.invalidated(scopes.size());
    } catch (RuntimeException e) {
      // The write may be committed; the cache must recover by itself (see OnlineCache).
      counters.error();
      logCacheFailure(scopes.size(), e);
    }
  }

  /**
   * During a cache outage every write fails to invalidate: one warning a minute, with how many
   * failed since the last one, instead of one per write (the counter is in cacheStats()).
   */
  private void logCacheFailure(int scopes, RuntimeException e) {
    long now = System.nanoTime();
    long last = lastFailureLog.get();
    long failedSince = failuresSinceLog.incrementAndGet();
    if (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLog.compareAndSet(last, now)) {
      failuresSinceLog.addAndGet(-failedSince);
      LOG.warn(
          "online cache invalidation failed ({} writes since the last warning; this one: {}"
              + " entities): {}; the cache recovers by itself (epochs)",
          failedSince,
          scopes,
          e.toString());
    }
  }
}
