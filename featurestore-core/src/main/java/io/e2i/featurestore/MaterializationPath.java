package io.e2i.featurestore;

import io.e2i.featurestore.spi.LineageEvents;
import io.e2i.featurestore.spi.PipelineBackend;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Runs a group's computation queries. Every computed feature's query is run over the window {@code
 * [start, end)} and its rows (entity keys, {@code event_timestamp}, {@code value}) stream through
 * the normal write path ({@link WritePath}: types, constraints, cache invalidation) in batches of
 * {@link #batchValues} values, each batch one transaction, so a run holds one batch in memory
 * however many values it writes (PostgreSQL reads the query through a cursor; DuckDB's JDBC result
 * is held by DuckDB, under its memory limit). Writes upsert on (feature, entity, event time), so
 * re-running a window changes no value. One run at a time per group, across processes: the
 * backend's group lock.
 *
 * <p>A run that fails midway (a query error, a rejected value, the database gone) keeps the batches
 * committed before the failure: every committed batch was acknowledged by the store and stays, and
 * the batch that failed wrote nothing. The run is recorded as failed with {@code rows} = the values
 * committed, and its error (also the exception's message) says how many were written. A failed run
 * does not move the watermark, so the next incremental run covers its whole window again and
 * rewrites those values unchanged. (One transaction for the whole run would write nothing on
 * failure, but would hold the embedded store's single writer, and every other write, for the whole
 * run.)
 */
final class MaterializationPath {
  /** The start of the first incremental run, when a group has no watermark yet. */
  static final Instant BEGINNING = Instant.parse("1900-01-01T00:00:00Z");

  /** Values per write by default: large enough that a write's fixed cost is noise. */
  static final int DEFAULT_BATCH_VALUES = 10_000;

  private final RegistryHolder holder;
  private final WritePath writes;
  private final @Nullable PipelineBackend backend;
  private final StoreClock clock;
  private final LineageEvents events;
  private final int batchValues;

  MaterializationPath(
      RegistryHolder holder,
      WritePath writes,
      @Nullable PipelineBackend backend,
      StoreClock clock,
      LineageEvents events,
      int batchValues) {
    if (batchValues < 1) {
      throw new IllegalArgumentException("materialization batch must hold at least one value");
    }
    this.holder = holder;
    this.writes = writes;
    this.backend = backend;
    this.clock = clock;
    this.events = events;
    this.batchValues = batchValues;
  }

  MaterializationRun materialize(
      String group, @Nullable Instant start, @Nullable Instant end, String trigger) {
    PipelineBackend pipelines = backend();
    RegistrySnapshot.GroupView view = holder.group(group);
    List<Feature> computed =
        view.latestFeatures().stream().filter(f -> f.computationQuery() != null).toList();
    if (computed.isEmpty()) {
      throw FeatureStoreException.invalid(
          "feature group '" + group + "' has no feature with a computation_query to materialize");
    }
    Instant now = clock.now();
    Instant windowEnd = end == null ? now : end.truncatedTo(ChronoUnit.MICROS);
    if (start != null && !start.isBefore(windowEnd)) {
      throw FeatureStoreException.invalid(
          "materialization window is empty: start " + start + " is not before end " + windowEnd);
    }
    try (PipelineBackend.GroupLock lock = pipelines.tryLock(group)) {
      if (lock == null) {
        throw new FeatureStoreException(
            FeatureStoreException.Code.CONFLICT,
            "a materialization of feature group '" + group + "' is already running");
      }
      MaterializationRun.Kind kind =
          start == null ? MaterializationRun.Kind.INCREMENTAL : MaterializationRun.Kind.BACKFILL;
      Instant windowStart = start == null ? watermark(pipelines, group) : start;
      if (windowStart != null && !windowStart.isBefore(windowEnd)) {
        // Nothing new since the last run: an empty run, still recorded so the history shows it.
        return record(pipelines, group, kind, trigger, windowStart, windowEnd, 0, now, null);
      }
      Batches out = new Batches();
      try {
        for (Feature feature : computed) {
          collect(
              pipelines, feature, windowStart == null ? BEGINNING : windowStart, windowEnd, out);
        }
        out.flush();
      } catch (RuntimeException e) {
        FeatureStoreException failure = failure(e, out.written);
        try {
          reported(
              view,
              computed,
              record(
                  pipelines,
                  group,
                  kind,
                  trigger,
                  windowStart,
                  windowEnd,
                  out.written,
                  now,
                  failure.getMessage()));
        } catch (RuntimeException recordFailure) {
          failure.addSuppressed(recordFailure);
        }
        throw failure;
      }
      return reported(
          view,
          computed,
          record(pipelines, group, kind, trigger, windowStart, windowEnd, out.written, now, null));
    }
  }

  /**
   * The run's failure as its caller and its record see it: the cause's message (for a bug only its
   * kind: no internals in a stored record) and what was written before it.
   */
  private static FeatureStoreException failure(RuntimeException e, long written) {
    String what =
        written == 0
            ? "nothing was written"
            : written
                + " values were written before the failure (committed; a re-run of the window"
                + " rewrites them unchanged)";
    if (e instanceof FeatureStoreException f && f.code() != FeatureStoreException.Code.INTERNAL) {
      return new FeatureStoreException(f.code(), ofTheRun(f.getMessage()) + "; " + what, f);
    }
    return FeatureStoreException.internal("materialization failed (internal error); " + what, e);
  }

  /**
   * Reports a run that read sources as a lineage run (OpenLineage): inputs the tables its queries
   * name (else the group's source_table), outputs the feature versions it wrote. Reporting never
   * fails the run.
   */
  private MaterializationRun reported(
      RegistrySnapshot.GroupView view, List<Feature> computed, MaterializationRun run) {
    java.util.Set<String> inputs = new java.util.LinkedHashSet<>();
    for (Feature f : computed) {
      List<String> tables = SqlTables.named(java.util.Objects.requireNonNull(f.computationQuery()));
      String source = view.group().sourceTable();
      if (tables.isEmpty() && source != null) {
        tables = List.of(source);
      }
      tables.forEach(t -> inputs.add(LineageGraph.NodeType.SOURCE_TABLE.id(t)));
    }
    List<String> outputs =
        computed.stream()
            .map(f -> LineageGraph.NodeType.FEATURE_VERSION.id(f.reference()))
            .toList();
    try {
      events.runFinished(
          new LineageEvents.Run(
              run.id(),
              "materialize:" + run.featureGroup(),
              run.startedAt(),
              clock.now(),
              List.copyOf(inputs),
              outputs,
              run.error()));
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(MaterializationPath.class)
          .warn("lineage event for materialize:{} not sent: {}", run.featureGroup(), e.toString());
    }
    return run;
  }

  void querySource(String sql, PipelineBackend.RowSink sink) {
    try {
      backend().query(sql, List.of(), sink);
    } catch (PipelineBackend.QueryFailure e) {
      throw FeatureStoreException.invalid("query failed: " + e.getMessage());
    }
  }

  List<MaterializationRun> runs(@Nullable String group, int limit) {
    if (group != null) {
      holder.group(group); // 404 for an unknown group
    }
    return backend().runs(group, Math.max(1, limit));
  }

  /** The end of the last incremental run that succeeded; null before the first. */
  @Nullable Instant watermark(String group) {
    return watermark(backend(), group);
  }

  private static @Nullable Instant watermark(PipelineBackend pipelines, String group) {
    // The latest 1,000 runs: a thousand failed or backfill runs since the last incremental one
    // that succeeded are not expected (and would restart the watermark, which is idempotent).
    Instant mark = null;
    for (MaterializationRun run : pipelines.runs(group, 1000)) {
      if (run.kind() == MaterializationRun.Kind.INCREMENTAL
          && run.status() == MaterializationRun.Status.SUCCEEDED
          && (mark == null || run.windowEnd().isAfter(mark))) {
        mark = run.windowEnd();
      }
    }
    return mark;
  }

  private PipelineBackend backend() {
    if (backend == null) {
      throw FeatureStoreException.invalid(
          "this offline store cannot run computation queries (materialization)");
    }
    return backend;
  }

  private static final String BATCH_WROTE_NOTHING = "; nothing was written";

  /**
   * The write path speaks of its one batch ("value #n: ...; nothing was written"): the position in
   * a batch means nothing to the run's caller, and the run says itself what was written.
   */
  private static String ofTheRun(@Nullable String message) {
    String m = String.valueOf(message).replaceFirst("^value #\\d+: ", "");
    return m.endsWith(BATCH_WROTE_NOTHING)
        ? m.substring(0, m.length() - BATCH_WROTE_NOTHING.length())
        : m;
  }

  /**
   * A run's values on their way to the write path: written {@link #batchValues} at a time, each
   * batch validated whole and committed in one transaction; {@code written} counts what committed.
   */
  private final class Batches {
    private List<FeatureWrite> pending = new ArrayList<>(Math.min(batchValues, 1024));
    private long written;

    void add(FeatureWrite w) {
      pending.add(w);
      if (pending.size() >= batchValues) {
        flush();
      }
    }

    void flush() {
      if (pending.isEmpty()) {
        return;
      }
      List<FeatureWrite> batch = pending;
      pending = new ArrayList<>(Math.min(batchValues, 1024));
      written += writes.writeBatchFeatures(batch);
    }
  }

  private static void collect(
      PipelineBackend pipelines, Feature feature, Instant start, Instant end, Batches out) {
    String query = java.util.Objects.requireNonNull(feature.computationQuery());
    Bound bound = Bound.of(query, start, end);
    // The window is also enforced outside the user's query, so a query that ignores :start/:end
    // still writes only the run's window (and stays idempotent).
    String sql =
        "SELECT * FROM ("
            + bound.sql()
            + "\n) fs_src WHERE fs_src.event_timestamp >= ? AND fs_src.event_timestamp < ?";
    List<Object> params = new ArrayList<>(bound.params());
    params.add(start);
    params.add(end);
    try {
      pipelines.query(sql, params, new Collector(feature, out));
    } catch (PipelineBackend.QueryFailure e) {
      throw FeatureStoreException.invalid(
          "computation_query of feature '"
              + feature.featureGroup()
              + ":"
              + feature.name()
              + "' failed: "
              + e.getMessage());
    }
  }

  private MaterializationRun record(
      PipelineBackend pipelines,
      String group,
      MaterializationRun.Kind kind,
      String trigger,
      @Nullable Instant windowStart,
      Instant windowEnd,
      long rows,
      Instant startedAt,
      @Nullable String error) {
    long millis = Math.max(0, ChronoUnit.MILLIS.between(startedAt, clock.now()));
    MaterializationRun run =
        new MaterializationRun(
            UUID.randomUUID(),
            group,
            error == null ? MaterializationRun.Status.SUCCEEDED : MaterializationRun.Status.FAILED,
            kind,
            trigger,
            windowStart,
            windowEnd,
            rows,
            startedAt,
            millis,
            error);
    pipelines.saveRun(run);
    return run;
  }

  /** Turns a query's rows into writes of one feature, checking its columns first. */
  private static final class Collector implements PipelineBackend.RowSink {
    private final Feature feature;
    private final Batches out;
    private int[] keyIndexes = new int[0];
    private int tsIndex = -1;
    private int valueIndex = -1;

    Collector(Feature feature, Batches out) {
      this.feature = feature;
      this.out = out;
    }

    @Override
    public void columns(List<String> names) {
      Map<String, Integer> byName = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        byName.putIfAbsent(names.get(i).toLowerCase(java.util.Locale.ROOT), i);
      }
      List<String> keys = feature.entityKeys();
      keyIndexes = new int[keys.size()];
      for (int i = 0; i < keys.size(); i++) {
        keyIndexes[i] = column(byName, keys.get(i), names);
      }
      tsIndex = column(byName, "event_timestamp", names);
      valueIndex = column(byName, "value", names);
    }

    private int column(Map<String, Integer> byName, String name, List<String> names) {
      Integer i = byName.get(name.toLowerCase(java.util.Locale.ROOT));
      if (i == null) {
        throw FeatureStoreException.invalid(
            "computation_query of feature '"
                + feature.featureGroup()
                + ":"
                + feature.name()
                + "' returns no column '"
                + name
                + "' (it returns "
                + names
                + "; it must return the entity keys, event_timestamp and value)");
      }
      return i;
    }

    @Override
    public void row(Object[] values) {
      Map<String, Object> entity = new LinkedHashMap<>();
      List<String> keys = feature.entityKeys();
      for (int i = 0; i < keyIndexes.length; i++) {
        Object key = values[keyIndexes[i]];
        if (key == null) {
          throw FeatureStoreException.invalid(
              "computation_query of feature '"
                  + feature.featureGroup()
                  + ":"
                  + feature.name()
                  + "' returned a row without entity key '"
                  + keys.get(i)
                  + "'");
        }
        entity.put(keys.get(i), key);
      }
      Object ts = values[tsIndex];
      if (!(ts instanceof Instant eventTimestamp)) {
        throw FeatureStoreException.invalid(
            "computation_query of feature '"
                + feature.featureGroup()
                + ":"
                + feature.name()
                + "' returned event_timestamp "
                + ts
                + ", not a timestamp");
      }
      out.add(
          new FeatureWrite(
              feature.name(), entity, values[valueIndex], eventTimestamp, feature.featureGroup()));
    }
  }
}
