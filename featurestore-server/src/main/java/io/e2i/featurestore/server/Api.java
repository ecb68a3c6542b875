package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.DriftThresholds;
import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureRef;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureValue;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.FreshnessReport;
import io.e2i.featurestore.HealthStatus;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.StatisticsMaps;
import io.e2i.featurestore.ValidationMode;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The REST API: one method per seed call, named after it, mapping snake_case JSON to the {@link
 * FeatureStore} facade. Validation of names, types and entities stays in the facade; this layer
 * only checks the JSON shape.
 */
final class Api {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final List<Integer> BAD = List.of(400);
  private static final List<Integer> BAD_404 = List.of(400, 404);
  private static final List<Integer> BAD_404_409 = List.of(400, 404, 409);
  private static final List<Integer> TRAINING_DATA_ERRORS = List.of(400, 403, 404, 409);

  // The fields each request body may hold; any other is a 400 naming it (Wire.knownFields).
  static final List<String> GROUP_FIELDS =
      List.of(
          "name",
          "description",
          "owner",
          "tags",
          "source_table",
          "expected_update_frequency_hours",
          "max_age_hours",
          "validation",
          "schedule",
          "retention_days",
          "mlflow_experiment_name");
  static final List<String> FEATURE_FIELDS =
      List.of(
          "name",
          "value_type",
          "entity_keys",
          "description",
          "owner",
          "tags",
          "computation_query",
          "expression",
          "constraints",
          "validation",
          "drift_thresholds");
  // PUT bodies carry the definition only: the path names the group or feature (a body repeating
  // it could disagree, and no schema can say "equal to the path").
  static final List<String> GROUP_UPDATE_FIELDS = GROUP_FIELDS.subList(1, GROUP_FIELDS.size());
  static final List<String> FEATURE_UPDATE_FIELDS =
      FEATURE_FIELDS.subList(1, FEATURE_FIELDS.size());
  static final List<String> WRITE_FIELDS =
      List.of("feature_name", "entity_values", "value", "event_timestamp", "feature_group");
  static final List<String> ONLINE_FIELDS =
      List.of(
          "entity_values",
          "feature_group",
          "feature_names",
          "use_cache",
          "as_of",
          "request_values");
  static final List<String> HISTORICAL_FIELDS =
      List.of("entity_values", "feature_names", "start_time", "end_time", "feature_group");
  static final List<String> INVALIDATE_FIELDS = List.of("entity_values", "feature_group");

  private final FeatureStore store;
  private final ServerOptions options;
  private final ServerMetrics metrics;
  private final FeastApi feast;
  private final TrainingDataApi training;
  private volatile byte @Nullable [] openApi;

  Api(FeatureStore store, ServerOptions options, ServerMetrics metrics) {
    this.store = store;
    this.options = options;
    this.metrics = metrics;
    this.feast = new FeastApi(store, this);
    this.training = new TrainingDataApi(store, this, options);
  }

  List<Endpoint> endpoints() {
    List<Endpoint> e = new ArrayList<>();
    e.add(
        ep(
            "GET",
            "/health",
            "health_check",
            "Each backend's state",
            null,
            200,
            "Health",
            List.of(503),
            this::health));
    e.add(
        ep(
            "GET",
            "/metrics",
            "metrics",
            "Prometheus metrics",
            null,
            200,
            null,
            List.of(),
            this::metrics));
    e.add(
        ep(
            "GET",
            "/openapi.json",
            "openapi",
            "This document",
            null,
            200,
            null,
            List.of(),
            this::openApi));
    e.add(
        ep(
            "GET",
            "/api/v1/feature-groups",
            "list_feature_groups",
            "List feature groups",
            null,
            200,
            "FeatureGroupList",
            List.of(),
            this::listGroups));
    e.add(
        ep(
                "POST",
                "/api/v1/feature-groups",
                "create_feature_group",
                "Create a feature group: 201 when new, 200 when the same definition is stored"
                    + " already (nothing changes), 409 naming the differing fields when another"
                    + " definition is (change it with PUT)",
                "FeatureGroupCreate",
                201,
                "FeatureGroup",
                List.of(400, 409),
                this::createGroup)
            .alsoAnswering(200));
    e.add(
        ep(
            "GET",
            "/api/v1/feature-groups/{group}",
            "get_feature_group",
            "Get a feature group",
            null,
            200,
            "FeatureGroup",
            BAD_404,
            this::getGroup));
    e.add(
        ep(
            "PUT",
            "/api/v1/feature-groups/{group}",
            "update_feature_group",
            "Replace a feature group's definition (the whole definition: an absent field becomes"
                + " unset; the name is the path's)",
            "FeatureGroupUpdate",
            200,
            "FeatureGroup",
            BAD_404,
            this::updateGroup));
    e.add(
        ep(
            "GET",
            "/api/v1/feature-groups/{group}/features",
            "list_features",
            "Latest version of each feature of a group",
            null,
            200,
            "FeatureList",
            BAD_404,
            this::listFeatures));
    e.add(
        ep(
                "POST",
                "/api/v1/feature-groups/{group}/features",
                "create_feature",
                "Create a feature: 201 when new, 200 when its latest version has the same"
                    + " definition (nothing changes), 409 naming the differing fields otherwise"
                    + " (change it with PUT)",
                "FeatureCreate",
                201,
                "Feature",
                BAD_404_409,
                this::createFeature)
            .alsoAnswering(200));
    e.add(
        ep(
            "GET",
            "/api/v1/feature-groups/{group}/features/{name}",
            "get_feature",
            "Get a feature (latest version, or ?version=N)",
            null,
            200,
            "Feature",
            BAD_404,
            this::getFeature));
    e.add(
        ep(
            "PUT",
            "/api/v1/feature-groups/{group}/features/{name}",
            "update_feature",
            "Change a feature (the whole definition): a new value_type, entity_keys or"
                + " computation_query creates the next version (older versions stay readable);"
                + " description, owner or tags update the latest version in place (group and name"
                + " are the path's)",
            "FeatureUpdate",
            200,
            "Feature",
            BAD_404,
            this::updateFeature));
    e.add(
        ep(
            "GET",
            "/api/v1/feature-groups/{group}/features/{name}/versions",
            "list_feature_versions",
            "Every version of a feature, oldest first",
            null,
            200,
            "FeatureVersions",
            BAD_404,
            this::versions));
    e.add(
        ep(
            "POST",
            "/api/v1/feature-groups/{group}/features/{name}/statistics",
            "compute_statistics",
            "Compute, store and track statistics of the latest version",
            null,
            200,
            "FeatureStatistics",
            BAD_404,
            this::statistics));
    e.add(
        ep(
            "POST",
            "/api/v1/feature-values",
            "write_feature_value",
            "Write one feature value",
            "FeatureValueWrite",
            201,
            "Written",
            BAD_404_409,
            this::writeValue));
    e.add(
        ep(
            "POST",
            "/api/v1/feature-values/batch",
            "write_batch_features",
            "Write many values in one transaction (streamed)",
            "FeatureValueBatch",
            201,
            "Written",
            List.of(400, 404, 409, 413),
            this::writeBatch));
    e.add(
        ep(
            "POST",
            "/api/v1/online-features",
            "get_entity_features",
            "Latest values of a group's features for one entity",
            "OnlineFeaturesRequest",
            200,
            "EntityFeatures",
            BAD_404_409,
            this::online));
    e.add(
        ep(
            "POST",
            "/api/v1/historical-features",
            "get_historical_features",
            "All values of features for one entity in a time range",
            "HistoricalFeaturesRequest",
            200,
            "HistoricalFeatures",
            BAD_404_409,
            this::historical));
    e.add(
        ep(
            "POST",
            "/api/v1/training-data",
            "get_training_data",
            "Point-in-time correct training data, streamed as JSON, CSV or Parquet ('format' or"
                + " the Accept header); headers X-Training-Set-As-Of and X-Training-Set-Features"
                + " carry the pinned as-of time and feature versions",
            "TrainingDataRequest",
            200,
            "TrainingData",
            TRAINING_DATA_ERRORS,
            training::trainingData));
    e.add(
        ep(
            "GET",
            "/api/v1/training-sets",
            "list_training_sets",
            "Saved training set definitions (features with versions, spine, as-of)",
            null,
            200,
            "TrainingSetList",
            List.of(400), // limit or offset out of range
            training::listTrainingSets));
    e.add(
        ep(
            "POST",
            "/api/v1/training-sets/{name}/run",
            "rerun_training_set",
            "Re-run a saved training set: same spine, versions and as-of, same rows (optional body"
                + " {\"format\": ...}, or ?format=, or the Accept header)",
            null,
            200,
            "TrainingData",
            BAD_404,
            training::rerun));
    e.add(
        ep(
            "GET",
            "/api/v1/freshness",
            "freshness_monitor",
            "Fresh/stale/expired counts per feature",
            null,
            200,
            "FreshnessMonitor",
            List.of(),
            this::freshness));
    e.add(
        ep(
            "POST",
            "/api/v1/freshness/update",
            "update_freshness_status",
            "Persist the freshness status of every value",
            null,
            200,
            "FreshnessUpdated",
            BAD, // a body with a field
            this::updateFreshness));
    e.add(
        ep(
            "POST",
            "/api/v1/cache/invalidate",
            "invalidate_cache",
            "Drop cached reads of an entity",
            "CacheInvalidate",
            200,
            "Invalidated",
            BAD_404,
            this::invalidate));
    e.add(
        ep(
            "POST",
            "/get-online-features",
            "feast_get_online_features",
            "Feast feature server compatible online read",
            "FeastRequest",
            200,
            "FeastResponse",
            BAD_404_409,
            feast::getOnlineFeatures));
    e.addAll(new FeastWriteApi(store, this, options, metrics).endpoints());
    e.addAll(new PipelinesApi(store, this).endpoints());
    e.addAll(new FeastMaterializeApi(store, this).endpoints());
    return e;
  }

  private static Endpoint ep(
      String method,
      String path,
      String operationId,
      String summary,
      @Nullable String requestSchema,
      int ok,
      @Nullable String responseSchema,
      List<Integer> errors,
      Endpoint.Action action) {
    return new Endpoint(
        method, path, operationId, summary, requestSchema, ok, responseSchema, errors, action);
  }

  /** The online reads, by path, for {@link HotRoutes}: the same code as their Javalin routes. */
  java.util.Map<String, HotRoutes.Action> hotActions() {
    return java.util.Map.of(
        "/api/v1/online-features", this::online, "/get-online-features", feast::getOnlineFeatures);
  }

  void setOpenApi(byte[] document) {
    this.openApi = document;
  }

  // ---------------------------------------------------------------- bodies

  InputStream body(Context ctx, long limit) throws java.io.IOException {
    return body(ctx.req(), limit);
  }

  InputStream body(HttpServletRequest req, long limit) throws java.io.IOException {
    long length = req.getContentLengthLong();
    if (length > limit) {
      throw ApiException.tooLarge(
          "request body of " + length + " bytes exceeds the limit of " + limit + " bytes");
    }
    InputStream in =
        req.getAttribute(KEPT_BODY) instanceof byte[] kept
            ? new java.io.ByteArrayInputStream(kept)
            : req.getInputStream();
    return new LimitedInputStream(in, limit);
  }

  /** A body read ahead in Jetty's selector thread ({@link FeatureServer}, inline reads). */
  static final String KEPT_BODY = "fs.body";

  InputStream body(Context ctx) throws java.io.IOException {
    return body(ctx, options.maxBodyBytes());
  }

  InputStream body(HttpServletRequest req) throws java.io.IOException {
    return body(req, options.maxBodyBytes());
  }

  private ObjectNode json(Context ctx) throws java.io.IOException {
    return Wire.readObject(body(ctx));
  }

  // ---------------------------------------------------------------- operations

  /**
   * An operation that takes no fields reads no body, {} or null (what clients send); a field is a
   * 400 naming it, as on every other operation, rather than silently ignored.
   */
  void noFields(Context ctx, String what) throws java.io.IOException {
    byte[] bytes;
    try (InputStream in = body(ctx)) {
      bytes = in.readAllBytes();
    }
    if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      return;
    }
    com.fasterxml.jackson.databind.JsonNode node;
    try {
      node = Wire.MAPPER.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw Wire.malformed(e);
    }
    if (node == null || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      throw ApiException.badRequest(
          "the request body must be a JSON object, got " + node.getNodeType().name().toLowerCase());
    }
    java.util.Iterator<String> fields = node.fieldNames();
    if (fields.hasNext()) {
      throw ApiException.badRequest(
          "unknown field '"
              + Wire.abbreviate(fields.next())
              + "' in "
              + what
              + "; it takes no fields (send no body, or {})");
    }
  }

  private Object health(Context ctx) {
    HealthStatus h = store.healthCheck();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("healthy", h.healthy());
    m.put("offline", h.offline());
    m.put("online", h.online());
    m.put("tracking", h.tracking());
    // The seed's keys, so health_check() reads the same over HTTP.
    m.put("supabase", h.offline());
    m.put("redis", h.online());
    m.put("mlflow", h.tracking());
    m.put("details", h.details());
    return new Endpoint.Raw(h.healthy() ? 200 : 503, null, Wire.bytes(m));
  }

  private Object metrics(Context ctx) {
    return new Endpoint.Raw(
        200,
        PROMETHEUS_TEXT,
        (metrics.scrape() + PipelinesApi.metricsText(store)).getBytes(StandardCharsets.UTF_8));
  }

  private Object openApi(Context ctx) {
    return new Endpoint.Raw(200, null, Objects.requireNonNull(openApi, "openApi"));
  }

  // ---------------------------------------------------------------- registry

  private Object listGroups(Context ctx) {
    return Map.of("feature_groups", store.listFeatureGroups().stream().map(Wire::group).toList());
  }

  /**
   * 201 when this call created the group, 200 when the same definition was stored already. Two
   * clients creating the same new group at once may both be told 201: both definitions are stored.
   */
  private Object createGroup(Context ctx) throws Exception {
    ObjectNode b = json(ctx);
    Wire.knownFields(b, "feature group definition", GROUP_FIELDS);
    FeatureGroup group = groupDefinition(b, Wire.requiredText(b, "name"));
    boolean existed = store.getFeatureGroup(group.name()).isPresent();
    FeatureGroup stored = store.createFeatureGroup(group);
    return new Endpoint.Raw(existed ? 200 : 201, null, Wire.bytes(Wire.group(stored)));
  }

  private Object updateGroup(Context ctx) throws Exception {
    String name = ctx.pathParam("group");
    ObjectNode b = json(ctx);
    Wire.knownFields(b, "feature group update (the name is the path's)", GROUP_UPDATE_FIELDS);
    FeatureGroup group = groupDefinition(b, name);
    requireGroup(name);
    return Wire.group(store.updateFeatureGroup(group));
  }

  private static FeatureGroup groupDefinition(ObjectNode b, String name) {
    return FeatureGroup.builder(name)
        .description(Wire.optionalText(b, "description"))
        .owner(Wire.optionalText(b, "owner"))
        .tags(tags(b))
        .sourceTable(Wire.optionalText(b, "source_table"))
        .expectedUpdateFrequencyHours(Wire.optionalInt(b, "expected_update_frequency_hours"))
        .maxAgeHours(Wire.optionalInt(b, "max_age_hours"))
        .validation(validation(b))
        .schedule(Wire.optionalText(b, "schedule"))
        .retentionDays(Wire.optionalInt(b, "retention_days"))
        .mlflowExperimentName(Wire.optionalText(b, "mlflow_experiment_name"))
        .build();
  }

  private static @Nullable String optionalName(JsonNode b, String field) {
    String name = Wire.optionalText(b, field);
    return name == null ? null : Wire.name(field, name);
  }

  private static List<String> tags(JsonNode b) {
    List<String> tags = Wire.optionalStrings(b, "tags");
    if (tags == null) {
      return List.of();
    }
    for (int i = 0; i < tags.size(); i++) {
      // A blank tag finds nothing and shows as nothing ("tags (stored [], given [])").
      if (tags.get(i).isBlank()) {
        throw ApiException.badRequest("'tags' item #" + (i + 1) + " is blank; a tag must be text");
      }
    }
    return tags;
  }

  private FeatureGroup requireGroup(String name) {
    return store
        .getFeatureGroup(name)
        .orElseThrow(
            () -> FeatureStoreException.notFound("feature group '" + name + "' not found"));
  }

  private Object getGroup(Context ctx) {
    return Wire.group(requireGroup(ctx.pathParam("group")));
  }

  private Object listFeatures(Context ctx) {
    String group = ctx.pathParam("group");
    requireGroup(group);
    return Map.of("features", store.listFeatures(group).stream().map(Wire::feature).toList());
  }

  /** 201 when this call created the feature, 200 when its latest version was the same. */
  private Object createFeature(Context ctx) throws Exception {
    String group = ctx.pathParam("group");
    ObjectNode b = json(ctx);
    Wire.knownFields(b, "feature definition (the group is the path's)", FEATURE_FIELDS);
    FeatureSpec spec = featureDefinition(b, group, Wire.requiredText(b, "name"));
    requireGroup(group);
    boolean existed = store.getFeature(group, spec.name()).isPresent();
    Feature stored = store.createFeature(spec);
    return new Endpoint.Raw(existed ? 200 : 201, null, Wire.bytes(Wire.feature(stored)));
  }

  private Object updateFeature(Context ctx) throws Exception {
    String group = ctx.pathParam("group");
    String name = ctx.pathParam("name");
    ObjectNode b = json(ctx);
    Wire.knownFields(b, "feature update (group and name are the path's)", FEATURE_UPDATE_FIELDS);
    FeatureSpec spec = featureDefinition(b, group, name);
    requireGroup(group);
    if (store.getFeature(group, name).isEmpty()) {
      throw missingFeature(group, name);
    }
    return Wire.feature(store.updateFeature(spec));
  }

  private static FeatureSpec featureDefinition(ObjectNode b, String group, String name) {
    List<String> keys = Wire.optionalStrings(b, "entity_keys");
    if (keys != null) {
      for (int i = 0; i < keys.size(); i++) {
        if (keys.get(i).isBlank()) {
          // The core says only "entity key is required"; say where.
          Wire.nameAt("'entity_keys' item #" + (i + 1), keys.get(i));
        }
      }
    }
    String query = Wire.optionalText(b, "computation_query");
    if (query != null && query.isBlank()) {
      throw ApiException.badRequest(
          "'computation_query' is blank; leave it out (or null) for a feature without one");
    }
    Map<String, Object> constraints = Wire.optionalObject(b, "constraints");
    Map<String, Object> thresholds = Wire.optionalObject(b, "drift_thresholds");
    return FeatureSpec.builder(group, name)
        .valueType(Wire.valueType(b, "value_type"))
        .entityKeys(keys == null ? List.of() : keys)
        .description(Wire.optionalText(b, "description"))
        .owner(Wire.optionalText(b, "owner"))
        .tags(tags(b))
        .computationQuery(query)
        .expression(Wire.optionalText(b, "expression"))
        .constraints(constraints == null ? null : Constraints.fromMap(constraints))
        .validation(validation(b))
        .driftThresholds(thresholds == null ? null : DriftThresholds.fromMap(thresholds))
        .build();
  }

  private static @Nullable ValidationMode validation(JsonNode b) {
    String mode = Wire.optionalText(b, "validation");
    return mode == null ? null : ValidationMode.parse(mode);
  }

  private Object getFeature(Context ctx) {
    String group = ctx.pathParam("group");
    String name = ctx.pathParam("name");
    requireGroup(group);
    String v = ctx.queryParam("version");
    if (v == null || v.isBlank()) {
      return Wire.feature(
          store.getFeature(group, name).orElseThrow(() -> missingFeature(group, name)));
    }
    int version;
    try {
      version = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("'version' must be a whole number, got '" + v + "'");
    }
    return Wire.feature(
        store
            .getFeature(group, name, version)
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature '" + group + ":" + name + "@" + version + "' not found")));
  }

  private static FeatureStoreException missingFeature(String group, String name) {
    return FeatureStoreException.notFound(
        "feature '" + name + "' not found in group '" + group + "'");
  }

  private Object versions(Context ctx) {
    String group = ctx.pathParam("group");
    List<Feature> versions = store.listFeatureVersions(group, ctx.pathParam("name"));
    return Map.of("versions", versions.stream().map(Wire::feature).toList());
  }

  private Object statistics(Context ctx) throws java.io.IOException {
    noFields(ctx, "statistics request");
    String group = ctx.pathParam("group");
    String name = ctx.pathParam("name");
    requireGroup(group);
    if (store.getFeature(group, name).isEmpty()) {
      throw missingFeature(group, name);
    }
    FeatureStatistics stats = store.computeStatistics(group, name);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("feature_group", group);
    m.put("feature_name", name);
    m.put("statistics", StatisticsMaps.toMap(stats));
    return m;
  }

  // ---------------------------------------------------------------- writes

  private Object writeValue(Context ctx) throws Exception {
    ObjectNode b = json(ctx);
    Wire.knownFields(b, "feature value", WRITE_FIELDS);
    String featureName = Wire.requiredText(b, "feature_name");
    Map<String, Object> entity = Wire.requiredEntityValues(b, "entity_values");
    if (!b.has("value")) {
      throw ApiException.badRequest("'value' is required (null is a missing value)");
    }
    FeatureWrite write =
        new FeatureWrite(
            featureName,
            entity,
            Wire.plainValue(b.get("value")),
            Wire.optionalInstant(b, "event_timestamp"),
            optionalName(b, "feature_group"));
    store.writeFeatureValue(write);
    metrics.written("/api/v1/feature-values", 1);
    return Map.of("written", 1);
  }

  private Object writeBatch(Context ctx) throws Exception {
    List<FeatureWrite> writes;
    try (InputStream in = body(ctx, options.maxBatchBodyBytes())) {
      writes = new BatchReader(options.maxBatchValues()).read(in);
    }
    int written = store.writeBatchFeatures(writes);
    metrics.written("/api/v1/feature-values/batch", written);
    return Map.of("written", written);
  }

  // ---------------------------------------------------------------- reads

  private Object online(Context ctx) throws Exception {
    return online(ctx.req());
  }

  /** The online read, given the servlet request: {@link HotRoutes} serves it without Javalin. */
  private Object online(HttpServletRequest req) throws Exception {
    ObjectNode b = Wire.readObject(body(req));
    Wire.knownFields(b, "online features request", ONLINE_FIELDS);
    // Read in this order so a body with several faults reports the same one as before.
    Map<String, Object> entity = Wire.requiredEntityValues(b, "entity_values");
    String group = Wire.requiredText(b, "feature_group");
    List<String> featureNames = Wire.optionalReferences(b, "feature_names");
    OnlineRequest request =
        new OnlineRequest(
            entity,
            group,
            featureNames == null ? List.of() : featureNames,
            Wire.optionalBool(b, "use_cache", true),
            Wire.optionalInstant(b, "as_of"));
    Map<String, Object> requestValues = Wire.optionalObject(b, "request_values");
    if (requestValues != null) {
      request = request.withRequestValues(requestValues); // inputs of on-demand features
    }
    EntityFeatures features = store.getEntityFeatures(request);
    return new Endpoint.Raw(200, null, Wire.entityFeatures(features));
  }

  private Object historical(Context ctx) throws Exception {
    ObjectNode b = json(ctx);
    Wire.knownFields(b, "historical features request", HISTORICAL_FIELDS);
    Map<String, Object> entity = Wire.requiredEntityValues(b, "entity_values");
    List<String> names = Wire.optionalReferences(b, "feature_names");
    if (names == null || names.isEmpty()) {
      throw ApiException.badRequest("'feature_names' must name at least one feature");
    }
    Instant start = Wire.optionalInstant(b, "start_time");
    Instant end = Wire.optionalInstant(b, "end_time");
    String group = optionalName(b, "feature_group");
    List<String> refs = group == null ? names : inGroup(group, names);
    List<FeatureValue> values = store.getHistoricalFeatures(entity, refs, start, end);
    return Map.of("records", values.stream().map(Wire::featureValue).toList());
  }

  /**
   * Bare names resolved within {@code group}, which disambiguates a name several groups use;
   * references that name their group already keep it.
   */
  private static List<String> inGroup(String group, List<String> names) {
    List<String> refs = new ArrayList<>(names.size());
    for (String name : names) {
      FeatureRef ref = FeatureRef.parse(name);
      refs.add(
          ref.featureGroup() != null
              ? name
              : new FeatureRef(group, ref.name(), ref.version()).toString());
    }
    return refs;
  }

  // ---------------------------------------------------------------- operations

  private Object freshness(Context ctx) {
    List<FreshnessReport> reports = store.freshnessMonitor();
    return Map.of("data", reports.stream().map(Wire::freshness).toList());
  }

  private Object updateFreshness(Context ctx) throws java.io.IOException {
    noFields(ctx, "freshness update request");
    long updated = store.updateFreshnessStatus();
    metrics.freshnessChanged();
    return Map.of("updated", updated);
  }

  private Object invalidate(Context ctx) throws Exception {
    ObjectNode b = json(ctx);
    Wire.knownFields(b, "cache invalidation request", INVALIDATE_FIELDS);
    Map<String, Object> entity = Wire.requiredEntityValues(b, "entity_values");
    String group = optionalName(b, "feature_group");
    store.invalidateCache(entity, group);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("invalidated", true);
    m.put("entity_values", entity);
    m.put("feature_group", group);
    return m;
  }
}
