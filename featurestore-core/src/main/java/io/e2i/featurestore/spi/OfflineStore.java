package io.e2i.featurestore.spi;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The source of truth for feature values: time series per (feature version, entity). Storage is
 * append-only; a later write of the same (feature, entity, event time) supersedes the earlier one
 * for every read, while the earlier stays for reads {@code as of} an older ingestion time.
 *
 * <p>Every "latest" below orders by event time, then by write order (latest written wins).
 */
public interface OfflineStore extends AutoCloseable {

  /**
   * Writes all rows in one transaction, all or nothing, stamping them {@code writtenAt}. Within the
   * list, a later row for the same (feature, entity, event time) is the later write. Returns only
   * after the rows are durable.
   */
  void write(List<ValueRow> rows, Instant writtenAt);

  /**
   * For each feature id, the latest value for the entity with {@code eventTimestamp <= eventAsOf}
   * (no bound when null) among rows written at or before {@code writtenAsOf} (no bound when null).
   * Features with no such value are absent.
   */
  Map<UUID, StoredValue> latest(
      EntityKey entity,
      Collection<UUID> featureIds,
      @Nullable Instant eventAsOf,
      @Nullable Instant writtenAsOf);

  /**
   * All values of the features for the entity with {@code start <= eventTimestamp <= end}, one per
   * (feature, event time): the latest written, in any order (the caller orders them). {@link
   * StoredValue#persistedStatus()} may be null.
   */
  List<StoredValue> history(
      EntityKey entity,
      Collection<UUID> featureIds,
      @Nullable Instant start,
      @Nullable Instant end);

  /**
   * The same values as {@link #history(EntityKey, Collection, Instant, Instant)}, decoded with the
   * features' types and handed to the sink in output order: feature by feature as listed ({@code
   * featureIds} distinct, {@code types} beside them), each by event time, oldest first. A store can
   * do this without a {@link StoredValue} and a JSON string per value and without sorting what its
   * index already returns in order (PostgreSQL: a 30-day history of 10 features is 7,200 values).
   */
  default void history(
      EntityKey entity,
      List<UUID> featureIds,
      List<ValueType> types,
      @Nullable Instant start,
      @Nullable Instant end,
      HistorySink sink) {
    Map<UUID, Integer> index = new HashMap<>();
    List<List<StoredValue>> byFeature = new ArrayList<>(featureIds.size());
    for (int i = 0; i < featureIds.size(); i++) {
      index.put(featureIds.get(i), i);
      byFeature.add(new ArrayList<>());
    }
    List<StoredValue> stored = history(entity, featureIds, start, end);
    sink.expect(stored.size());
    for (StoredValue v : stored) {
      byFeature.get(Objects.requireNonNull(index.get(v.featureId()))).add(v);
    }
    for (int i = 0; i < byFeature.size(); i++) {
      List<StoredValue> values = byFeature.get(i);
      values.sort(Comparator.comparing(StoredValue::eventTimestamp));
      for (StoredValue v : values) {
        sink.value(
            i, ValueCodec.decode(types.get(i), v.valueJson()), v.eventTimestamp(), v.writtenAt());
      }
    }
  }

  /**
   * Persists the freshness status of the features' values, computed as of {@code now}: at least of
   * each entity's latest value (the one reads and the monitor look at; the embedded store persists
   * only those, so a large store never rewrites its history), possibly of every stored value
   * (PostgreSQL). Returns how many values changed status.
   */
  long updateFreshness(Collection<FreshnessRule> rules, Instant now);

  /** Freshness counts over each entity's latest value, computed as of {@code now}. */
  List<FreshnessCounts> freshness(Collection<FreshnessRule> rules, Instant now);

  /** Statistics over every stored (non-superseded) value of one feature version. */
  FeatureStatistics statistics(UUID featureId, ValueType type, Instant now);

  /**
   * Runs a point-in-time join inside the store (never by pulling all values into the JVM) and
   * streams the result to the sink.
   */
  default void pointInTimeJoin(PitQuery query, PitQuery.RowSink sink) {
    throw new UnsupportedOperationException(describe() + " does not support training data yet");
  }

  /**
   * What materialization of computation queries needs (queries over the source tables, run history,
   * per-group locks), or null when this store cannot run them.
   */
  default @Nullable PipelineBackend pipelines() {
    return null;
  }

  /**
   * The store's in-database aggregations for validation reports and drift, or null when it has none
   * (those calls then fail as unsupported).
   */
  default @Nullable QualityQueries quality() {
    return null;
  }

  /** A cheap liveness probe; never throws. */
  boolean isHealthy();

  /** Human-readable description for health output, without secrets. */
  String describe();

  @Override
  void close();
}
