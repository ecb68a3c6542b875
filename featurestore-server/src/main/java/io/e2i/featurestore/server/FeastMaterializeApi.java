package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Feast's {@code POST /materialize} and {@code POST /materialize-incremental} with the JSON of
 * Feast's Python feature server (MaterializeRequest, MaterializeIncrementalRequest): what Feast's
 * SDK sends for {@code store.materialize(...)} and {@code store.materialize_incremental(...)} when
 * its online store is {@code remote}. Feature views are feature groups; each named group (all
 * groups with a feature that has a computation_query when {@code feature_views} is absent) is
 * materialized by the store, one run per group, in the order given:
 *
 * <ul>
 *   <li>{@code /materialize}: the window {@code [start_ts, end_ts)} (a backfill; both required
 *       unless {@code disable_event_timestamp}, which means from the epoch to now);
 *   <li>{@code /materialize-incremental}: from each group's watermark to {@code end_ts}.
 * </ul>
 *
 * Timestamps are ISO-8601; naive means UTC, as in Feast. Feature view versions ({@code version}) do
 * not exist here: a 400. The runs are synchronous; {@code ?async=true} (Feast's {@code run_async})
 * is answered the same way, after the runs, with 200 (Feast's client takes any 2xx).
 */
final class FeastMaterializeApi {
  static final List<String> MATERIALIZE_FIELDS =
      List.of(
          "start_ts",
          "end_ts",
          "feature_views",
          "disable_event_timestamp",
          "full_feature_names",
          "version");
  static final List<String> INCREMENTAL_FIELDS =
      List.of("end_ts", "feature_views", "full_feature_names", "version");

  private final FeatureStore store;
  private final Api api;

  FeastMaterializeApi(FeatureStore store, Api api) {
    this.store = store;
    this.api = api;
  }

  List<Endpoint> endpoints() {
    List<Integer> errors = List.of(400, 403, 404, 409);
    return List.of(
        new Endpoint(
            "POST",
            "/materialize",
            "feast_materialize",
            "Feast feature server compatible materialization of feature views (feature groups)"
                + " over [start_ts, end_ts): each group's computation queries, written through"
                + " the normal write path",
            "FeastMaterializeRequest",
            200,
            "FeastMaterialized",
            errors,
            this::materialize),
        new Endpoint(
            "POST",
            "/materialize-incremental",
            "feast_materialize_incremental",
            "Feast feature server compatible incremental materialization: each group from its"
                + " watermark to end_ts",
            "FeastMaterializeIncrementalRequest",
            200,
            "FeastMaterialized",
            errors,
            this::materializeIncremental));
  }

  private Object materialize(Context ctx) throws Exception {
    ObjectNode b = Wire.readObject(api.body(ctx));
    Wire.knownFields(b, "Feast materialize request", MATERIALIZE_FIELDS);
    common(ctx, b);
    Instant start;
    Instant end;
    if (Wire.optionalBool(b, "disable_event_timestamp", false)) {
      start = Instant.EPOCH;
      end = Instant.now();
    } else {
      JsonNode s = b.get("start_ts");
      JsonNode e = b.get("end_ts");
      if (s == null || s.isNull() || e == null || e.isNull()) {
        throw ApiException.badRequest(
            "start_ts and end_ts are required when disable_event_timestamp is false");
      }
      start = timestamp(b, "start_ts");
      end = timestamp(b, "end_ts");
      if (!start.isBefore(end)) {
        throw ApiException.badRequest(
            "start_ts (" + start + ") must be before end_ts (" + end + ")");
      }
    }
    return runs(groups(b), start, end);
  }

  private Object materializeIncremental(Context ctx) throws Exception {
    ObjectNode b = Wire.readObject(api.body(ctx));
    Wire.knownFields(b, "Feast materialize-incremental request", INCREMENTAL_FIELDS);
    common(ctx, b);
    JsonNode e = b.get("end_ts");
    if (e == null || e.isNull()) {
      throw ApiException.badRequest("'end_ts' is required");
    }
    return runs(groups(b), null, timestamp(b, "end_ts"));
  }

  /** What both requests share: flags, no versions, Feast's query parameters. */
  private static void common(Context ctx, JsonNode b) {
    Wire.optionalBool(b, "full_feature_names", false);
    if (Wire.optionalText(b, "version") != null) {
      throw ApiException.badRequest(
          "'version': feature view versions do not exist here (a feature group has none;"
              + " its features are versioned); omit it");
    }
    for (String param : List.of("async", "force")) {
      String v = ctx.queryParam(param);
      if (v != null && !v.equals("true") && !v.equals("false")) {
        throw ApiException.badRequest("?" + param + " must be true or false, got '" + v + "'");
      }
    }
  }

  private static Instant timestamp(JsonNode b, String field) {
    JsonNode node = b.get(field);
    if (node == null || !node.isTextual()) {
      throw ApiException.badRequest("'" + field + "' must be an ISO-8601 timestamp string");
    }
    Instant t = FeastWriteApi.timestamp(node);
    if (t == null) {
      throw ApiException.badRequest(
          "'"
              + field
              + "': '"
              + node.textValue()
              + "' is no timestamp (expected ISO-8601; naive is UTC, as in Feast)");
    }
    return t;
  }

  /** The named groups (each must exist), or every group with a computation_query. */
  private List<String> groups(JsonNode b) {
    List<String> named = Wire.optionalStrings(b, "feature_views");
    if (named != null) {
      if (named.isEmpty()) {
        throw ApiException.badRequest("'feature_views' names no feature view; omit it for all");
      }
      for (String g : named) {
        Wire.name("feature_views", g);
        if (store.getFeatureGroup(g).isEmpty()) {
          throw FeatureStoreException.notFound(
              "feature view '" + g + "' not found (feature views are feature groups)");
        }
      }
      return named.stream().distinct().toList();
    }
    List<String> all = new ArrayList<>();
    for (FeatureGroup g : store.listFeatureGroups()) {
      if (store.listFeatures(g.name()).stream().anyMatch(f -> f.computationQuery() != null)) {
        all.add(g.name());
      }
    }
    if (all.isEmpty()) {
      throw ApiException.badRequest(
          "no feature group has a feature with a computation_query to materialize");
    }
    return all;
  }

  private Object runs(List<String> groups, @Nullable Instant start, Instant end) {
    List<Map<String, Object>> runs = new ArrayList<>();
    for (String g : groups) {
      // Each run as our own materialization API shows it.
      runs.add(PipelinesApi.run(store.materialize(g, start, end)));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "completed");
    m.put("feature_views", groups);
    m.put("runs", runs);
    return m;
  }
}
