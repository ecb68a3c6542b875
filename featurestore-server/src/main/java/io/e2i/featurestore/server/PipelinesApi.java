package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.MaterializationRun;
import io.javalin.http.Context;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Materialization over HTTP (issue 13): {@code POST /api/v1/feature-groups/{group}/materialize
 * {start?, end?}} runs the group's computation queries (200 with the run; 400 naming the failing
 * feature and the database's message, nothing written; 409 while another run holds the group) and
 * {@code GET /api/v1/materializations?group=&limit=} lists runs, newest first. The latest run of
 * each group is also in /metrics ({@link #metricsText}).
 */
final class PipelinesApi {
  static final String MATERIALIZE = "/api/v1/feature-groups/{group}/materialize";
  static final String RUNS = "/api/v1/materializations";
  static final List<String> MATERIALIZE_FIELDS = List.of("start", "end");
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final FeatureStore store;
  private final Api api;

  PipelinesApi(FeatureStore store, Api api) {
    this.store = store;
    this.api = api;
  }

  List<Endpoint> endpoints() {
    return List.of(
        new Endpoint(
            "POST",
            MATERIALIZE,
            "materialize",
            "Run the computation_query of each feature of the group over [start, end) through"
                + " the write path, in one transaction: without start from the group's watermark"
                + " (incremental), without end to now; re-running a window changes nothing. 400"
                + " for a group without a computation_query, a window with start >= end, or a"
                + " failing feature (named, with the database's message; nothing written); 409"
                + " while another run of the group is going on",
            "MaterializeRequest",
            200,
            "MaterializationRun",
            List.of(400, 404, 409),
            this::materialize),
        new Endpoint(
            "GET",
            RUNS,
            "list_materializations",
            "Materialization runs (status, rows, duration, error), newest first; of one group"
                + " with ?group=",
            null,
            200,
            "MaterializationRunList",
            List.of(400, 404),
            this::runs));
  }

  private Object materialize(Context ctx) throws java.io.IOException {
    String group = Wire.name("feature group name", ctx.pathParam("group"));
    ObjectNode b;
    try (InputStream in = api.body(ctx)) {
      b = Wire.readObject(in);
    }
    Wire.knownFields(b, "materialize request", MATERIALIZE_FIELDS);
    Instant start = Wire.optionalInstant(b, "start");
    Instant end = Wire.optionalInstant(b, "end");
    return run(store.materialize(group, start, end));
  }

  private Object runs(Context ctx) {
    String group = ctx.queryParam("group");
    if (group != null) {
      group = Wire.name("group", group);
    }
    int limit = QueryNumbers.between("limit", ctx.queryParam("limit"), 1, MAX_LIMIT, DEFAULT_LIMIT);
    List<Map<String, Object>> runs = new ArrayList<>();
    for (MaterializationRun r : store.materializations(group, limit)) {
      runs.add(run(r));
    }
    return Map.of("materializations", runs);
  }

  static Map<String, Object> run(MaterializationRun r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id().toString());
    m.put("feature_group", r.featureGroup());
    m.put("status", r.status().wireName());
    m.put("kind", r.kind().wireName());
    m.put("trigger", r.trigger());
    m.put("window_start", r.windowStart() == null ? null : String.valueOf(r.windowStart()));
    m.put("window_end", r.windowEnd().toString());
    m.put("rows", r.rows());
    m.put("started_at", r.startedAt().toString());
    m.put("duration_ms", r.durationMillis());
    m.put("error", r.error());
    return m;
  }

  /**
   * The latest run of each group as Prometheus gauges, read from the run history at scrape time
   * (runs happen in any server sharing the database, and in the CLI).
   */
  static String metricsText(FeatureStore store) {
    List<MaterializationRun> runs;
    try {
      runs = store.materializations(null, MAX_LIMIT);
    } catch (RuntimeException e) {
      return ""; // a store without materialization, or one that is down: no pipeline metrics
    }
    Map<String, MaterializationRun> latest = new LinkedHashMap<>();
    Map<String, MaterializationRun> lastSuccess = new LinkedHashMap<>();
    for (MaterializationRun r : runs) {
      latest.putIfAbsent(r.featureGroup(), r);
      if (r.status() == MaterializationRun.Status.SUCCEEDED) {
        lastSuccess.putIfAbsent(r.featureGroup(), r);
      }
    }
    StringBuilder out = new StringBuilder();
    gauge(
        out,
        "fs_materialization_last_run_rows",
        "values written by the latest run",
        latest,
        r -> r.rows());
    gauge(
        out,
        "fs_materialization_last_run_seconds",
        "duration of the latest run",
        latest,
        r -> r.durationMillis() / 1000.0);
    gauge(
        out,
        "fs_materialization_last_run_success",
        "1 when the latest run succeeded",
        latest,
        r -> r.status() == MaterializationRun.Status.SUCCEEDED ? 1 : 0);
    gauge(
        out,
        "fs_materialization_last_success_timestamp_seconds",
        "when the latest successful run started",
        lastSuccess,
        r -> r.startedAt().toEpochMilli() / 1000.0);
    return out.toString();
  }

  private static void gauge(
      StringBuilder out,
      String name,
      String help,
      Map<String, MaterializationRun> runs,
      java.util.function.ToDoubleFunction<MaterializationRun> value) {
    if (runs.isEmpty()) {
      return;
    }
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    for (Map.Entry<String, MaterializationRun> e : runs.entrySet()) {
      out.append(name)
          .append("{feature_group=\"")
          .append(e.getKey()) // group names are [A-Za-z0-9_.-]: nothing to escape
          .append("\"} ")
          .append(String.format(Locale.ROOT, "%s", value.applyAsDouble(e.getValue())))
          .append('\n');
    }
  }
}
