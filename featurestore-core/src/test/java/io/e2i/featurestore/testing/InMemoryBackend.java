package io.e2i.featurestore.testing;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A deliberately simple in-memory registry and offline store: linear scans over a list, written to
 * be obviously correct rather than fast. It is the reference the contract suite and the
 * point-in-time oracle compare real backends with, and a backend for tests of other layers.
 */
public class InMemoryBackend implements Registry, OfflineStore {

  /** One stored row; {@code seq} orders writes. */
  public record Row(
      long seq,
      UUID featureId,
      EntityKey entity,
      String json,
      Instant eventTimestamp,
      Instant writtenAt,
      FreshnessStatus status) {}

  private final Map<String, FeatureGroup> groups = new TreeMap<>();
  private final Map<UUID, Feature> features = new LinkedHashMap<>();
  private final List<Row> rows = new ArrayList<>();
  private long seq;
  private final AtomicBoolean failWrites = new AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicReference<RuntimeException> writeBug =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** Makes every following write throw as on an outage, to test that failures reach the caller. */
  public void failWrites(boolean fail) {
    failWrites.set(fail);
  }

  /** Makes every following write throw {@code bug} (null: stop), as a store with a bug would. */
  public void failWritesWith(RuntimeException bug) {
    writeBug.set(bug);
  }

  public synchronized List<Row> rows() {
    return List.copyOf(rows);
  }

  // ---------------------------------------------------------------- Registry

  @Override
  public synchronized List<FeatureGroup> loadGroups() {
    return List.copyOf(groups.values());
  }

  @Override
  public synchronized List<Feature> loadFeatures() {
    return List.copyOf(features.values());
  }

  @Override
  public synchronized boolean insertGroup(FeatureGroup group) {
    return groups.putIfAbsent(group.name(), group) == null;
  }

  @Override
  public synchronized void updateGroup(FeatureGroup group) {
    groups.put(group.name(), group);
  }

  @Override
  public synchronized boolean insertFeature(Feature feature) {
    boolean exists =
        features.values().stream()
            .anyMatch(
                f ->
                    f.featureGroup().equals(feature.featureGroup())
                        && f.name().equals(feature.name())
                        && f.version() == feature.version());
    if (exists) {
      return false;
    }
    features.put(feature.id(), feature);
    return true;
  }

  @Override
  public synchronized void updateFeature(Feature feature) {
    features.put(feature.id(), feature);
  }

  private final Map<String, String> trainingSets = new TreeMap<>();

  @Override
  public synchronized void saveTrainingSet(String name, String definitionJson) {
    trainingSets.put(name, definitionJson);
  }

  @Override
  public synchronized Map<String, String> loadTrainingSets() {
    return Map.copyOf(trainingSets);
  }

  private final java.util.Set<io.e2i.featurestore.LineageGraph.Edge> lineage =
      new java.util.LinkedHashSet<>();

  @Override
  public synchronized void replaceLineageInto(
      String node, List<io.e2i.featurestore.LineageGraph.Edge> edges) {
    lineage.removeIf(e -> e.to().equals(node));
    lineage.addAll(edges);
  }

  @Override
  public synchronized void addLineageEdge(io.e2i.featurestore.LineageGraph.Edge edge) {
    lineage.add(edge);
  }

  @Override
  public synchronized List<io.e2i.featurestore.LineageGraph.Edge> lineageEdges(
      java.util.Collection<String> nodes, boolean downstream) {
    return lineage.stream().filter(e -> nodes.contains(downstream ? e.from() : e.to())).toList();
  }

  // ---------------------------------------------------------------- OfflineStore

  @Override
  public synchronized void write(List<ValueRow> batch, Instant writtenAt) {
    RuntimeException bug = writeBug.get();
    if (bug != null) {
      throw bug;
    }
    if (failWrites.get()) {
      // An outage, as a driver reports a lost connection.
      throw new java.io.UncheckedIOException(
          new java.net.ConnectException("injected write failure"));
    }
    for (ValueRow r : batch) {
      rows.add(
          new Row(++seq, r.featureId(), r.entity(), r.json(), r.eventTimestamp(), writtenAt, null));
    }
  }

  private static final Comparator<Row> LATEST_FIRST =
      Comparator.comparing(Row::eventTimestamp).thenComparingLong(Row::seq).reversed();

  @Override
  public synchronized Map<UUID, StoredValue> latest(
      EntityKey entity, Collection<UUID> featureIds, Instant eventAsOf, Instant writtenAsOf) {
    Map<UUID, StoredValue> out = new HashMap<>();
    for (UUID id : featureIds) {
      rows.stream()
          .filter(r -> r.featureId().equals(id) && r.entity().equals(entity))
          .filter(r -> eventAsOf == null || !r.eventTimestamp().isAfter(eventAsOf))
          .filter(r -> writtenAsOf == null || !r.writtenAt().isAfter(writtenAsOf))
          .min(LATEST_FIRST)
          .ifPresent(r -> out.put(id, stored(r)));
    }
    return out;
  }

  private static StoredValue stored(Row r) {
    return new StoredValue(
        r.featureId(), r.entity(), r.json(), r.eventTimestamp(), r.writtenAt(), r.status());
  }

  @Override
  public synchronized List<StoredValue> history(
      EntityKey entity, Collection<UUID> featureIds, Instant start, Instant end) {
    // One row per (feature, event time): the latest written.
    Map<List<Object>, Row> winners = new LinkedHashMap<>();
    for (Row r : rows) {
      if (!featureIds.contains(r.featureId()) || !r.entity().equals(entity)) {
        continue;
      }
      if ((start != null && r.eventTimestamp().isBefore(start))
          || (end != null && r.eventTimestamp().isAfter(end))) {
        continue;
      }
      winners.merge(
          List.of(r.featureId(), r.eventTimestamp()), r, (a, b) -> a.seq() > b.seq() ? a : b);
    }
    return winners.values().stream()
        .sorted(
            Comparator.comparing((Row r) -> r.featureId().toString())
                .thenComparing(Row::eventTimestamp))
        .map(InMemoryBackend::stored)
        .toList();
  }

  @Override
  public synchronized long updateFreshness(Collection<FreshnessRule> rules, Instant now) {
    long changed = 0;
    for (FreshnessRule rule : rules) {
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        if (!r.featureId().equals(rule.featureId())) {
          continue;
        }
        FreshnessStatus s =
            FreshnessStatus.of(
                Duration.between(r.eventTimestamp(), now), rule.expected(), rule.maxAge());
        if (s != r.status()) {
          rows.set(
              i,
              new Row(
                  r.seq(),
                  r.featureId(),
                  r.entity(),
                  r.json(),
                  r.eventTimestamp(),
                  r.writtenAt(),
                  s));
          changed++;
        }
      }
    }
    return changed;
  }

  @Override
  public synchronized List<FreshnessCounts> freshness(
      Collection<FreshnessRule> rules, Instant now) {
    List<FreshnessCounts> out = new ArrayList<>();
    for (FreshnessRule rule : rules) {
      Map<EntityKey, Row> latest = new HashMap<>();
      for (Row r : rows) {
        if (r.featureId().equals(rule.featureId())) {
          latest.merge(r.entity(), r, (a, b) -> LATEST_FIRST.compare(a, b) <= 0 ? a : b);
        }
      }
      long fresh = 0;
      long stale = 0;
      long expired = 0;
      Instant last = null;
      for (Row r : latest.values()) {
        switch (FreshnessStatus.of(
            Duration.between(r.eventTimestamp(), now), rule.expected(), rule.maxAge())) {
          case FRESH -> fresh++;
          case STALE -> stale++;
          case EXPIRED -> expired++;
        }
        if (last == null || r.eventTimestamp().isAfter(last)) {
          last = r.eventTimestamp();
        }
      }
      out.add(new FreshnessCounts(rule.featureId(), latest.size(), fresh, stale, expired, last));
    }
    return out;
  }

  @Override
  public synchronized FeatureStatistics statistics(UUID featureId, ValueType type, Instant now) {
    List<Row> current = currentRows(featureId);
    long nulls = current.stream().filter(r -> r.json() == null).count();
    long distinct = current.stream().map(Row::json).filter(j -> j != null).distinct().count();
    List<Double> numbers = new ArrayList<>();
    if (type.isNumeric()) {
      for (Row r : current) {
        if (r.json() != null) {
          numbers.add(((Number) ValueCodec.decode(type, r.json())).doubleValue());
        }
      }
    }
    numbers.sort(null);
    Double mean =
        numbers.isEmpty() ? null : numbers.stream().mapToDouble(d -> d).average().orElseThrow();
    Double stddev = null;
    if (numbers.size() > 1) {
      double m = mean;
      double ss = numbers.stream().mapToDouble(d -> (d - m) * (d - m)).sum();
      stddev = Math.sqrt(ss / (numbers.size() - 1));
    }
    return new FeatureStatistics(
        current.size(),
        nulls,
        distinct,
        numbers.isEmpty() ? null : numbers.getFirst(),
        numbers.isEmpty() ? null : numbers.getLast(),
        mean,
        stddev,
        percentile(numbers, 0.5),
        percentile(numbers, 0.9),
        percentile(numbers, 0.99),
        List.of(),
        List.of(),
        now);
  }

  /** Linear interpolation between closest ranks, as PostgreSQL's percentile_cont. */
  public static Double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return null;
    }
    double rank = p * (sorted.size() - 1);
    int lo = (int) Math.floor(rank);
    int hi = (int) Math.ceil(rank);
    return sorted.get(lo) + (sorted.get(hi) - sorted.get(lo)) * (rank - lo);
  }

  /** Rows not superseded by a later write of the same (feature, entity, event time). */
  private List<Row> currentRows(UUID featureId) {
    Map<List<Object>, Row> winners = new LinkedHashMap<>();
    for (Row r : rows) {
      if (r.featureId().equals(featureId)) {
        winners.merge(
            List.of(r.entity(), r.eventTimestamp()), r, (a, b) -> a.seq() > b.seq() ? a : b);
      }
    }
    return List.copyOf(winners.values());
  }

  /** The brute-force point-in-time join: the oracle real stores are compared with. */
  @Override
  public synchronized void pointInTimeJoin(PitQuery query, PitQuery.RowSink sink) {
    if (!(query.spine() instanceof PitQuery.Spine.Rows spine)) {
      throw new UnsupportedOperationException("the in-memory backend joins in-memory spines only");
    }
    List<String> columns = new ArrayList<>(spine.columns());
    query.features().forEach(f -> columns.add(f.column()));
    sink.columns(columns);
    int tsIndex = spine.columns().indexOf(spine.timestampColumn());
    for (Object[] spineRow : spine.rows()) {
      Object[] out = new Object[columns.size()];
      System.arraycopy(spineRow, 0, out, 0, spineRow.length);
      Instant t = ValueType.toInstant(spineRow[tsIndex]);
      for (int i = 0; i < query.features().size(); i++) {
        PitQuery.PitFeature f = query.features().get(i);
        Map<String, Object> keys = new LinkedHashMap<>();
        for (String k : f.entityKeys()) {
          keys.put(k, spineRow[spine.columns().indexOf(k)]);
        }
        EntityKey entity = EntityKey.of(keys);
        Optional<Row> best =
            rows.stream()
                .filter(r -> r.featureId().equals(f.featureId()) && r.entity().equals(entity))
                .filter(r -> !r.eventTimestamp().isAfter(t))
                .filter(r -> query.asOf() == null || !r.writtenAt().isAfter(query.asOf()))
                .min(LATEST_FIRST);
        if (best.isPresent()
            && (f.maxAge() == null
                || Duration.between(best.get().eventTimestamp(), t).compareTo(f.maxAge()) <= 0)) {
          out[spineRow.length + i] = ValueCodec.decode(f.type(), best.get().json());
        }
      }
      sink.row(out);
    }
  }

  @Override
  public boolean isHealthy() {
    return true;
  }

  @Override
  public String describe() {
    return "in-memory reference backend";
  }

  @Override
  public void close() {}

  private final InMemorySecurityStore security = new InMemorySecurityStore();

  @Override
  public io.e2i.featurestore.spi.SecurityStore securityStore() {
    return security;
  }
}
