package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.quality.DriftMonitor;
import io.e2i.featurestore.quality.DriftResult;
import io.e2i.featurestore.quality.DriftWindow;
import io.e2i.featurestore.quality.QualityJson;
import io.e2i.featurestore.quality.QualityService;
import io.javalin.http.Context;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Data quality over HTTP (issue 12): validation reports, drift between two windows, the drift
 * monitors' latest results and an explicit monitor run. Reads run through the guarded store (read
 * scope on the group); the scheduled monitors run on the store itself, as the server.
 */
final class QualityApi implements AutoCloseable {
  static final String VALIDATE = "/api/v1/feature-groups/{group}/validate";
  static final String DRIFT = "/api/v1/feature-groups/{group}/features/{name}/drift";
  static final String DRIFT_RUN = "/api/v1/feature-groups/{group}/drift/run";
  static final String DRIFT_LATEST = "/api/v1/drift";
  static final List<String> WINDOW_FIELDS = List.of("start", "end");
  static final List<String> TRAINING_SET_FIELDS = List.of("training_set");
  static final List<String> DRIFT_FIELDS = List.of("reference", "current");

  private final FeatureStore guarded;
  private final Api api;
  private final QualityService service;
  private final DriftMonitor monitor;

  /**
   * @param guarded the guarded store (the caller's scopes)
   * @param store the store itself, for the scheduled monitors
   */
  QualityApi(FeatureStore guarded, FeatureStore store, Api api, DriftMonitor.Settings settings) {
    this.guarded = guarded;
    this.api = api;
    this.service = new QualityService(guarded, Clock.systemUTC());
    this.monitor = new DriftMonitor(store, settings, Clock.systemUTC());
  }

  /**
   * The API with its monitors configured from the environment ({@code FS_DRIFT_INTERVAL_MINUTES},
   * {@code FS_DRIFT_WINDOW_HOURS}, {@code FS_DRIFT_WEBHOOK_URL}) and its meters in {@code metrics}.
   */
  static QualityApi start(
      FeatureStore guarded, FeatureStore store, Api api, ServerMetrics metrics) {
    QualityApi quality =
        new QualityApi(guarded, store, api, DriftMonitor.Settings.fromEnvironment(System.getenv()));
    metrics.beforeScrape(
        new QualityMetrics(metrics.meterRegistry(), store, quality.monitor())::refresh);
    return quality;
  }

  DriftMonitor monitor() {
    return monitor;
  }

  List<Endpoint> endpoints() {
    return List.of(
        new Endpoint(
            "POST",
            VALIDATE,
            "validate_feature_group",
            "Check the group's stored values (latest feature versions, event times in [start,"
                + " end]) against their constraints: per feature, values checked, violations per"
                + " constraint and a few example entities",
            "ValidationRequest",
            200,
            "ValidationReport",
            List.of(400, 404),
            this::validate),
        new Endpoint(
            "POST",
            DRIFT,
            "feature_drift",
            "Drift of a feature: current window against a reference window or the values a saved"
                + " training set used (PSI, KS and its p-value, JS distance, null rates, mean and"
                + " stddev shift, status by the feature's drift_thresholds)",
            "DriftRequest",
            200,
            "DriftResult",
            List.of(400, 404),
            this::drift),
        new Endpoint(
            "POST",
            DRIFT_RUN,
            "run_drift_monitors",
            "Run the group's drift monitors now (the last FS_DRIFT_WINDOW_HOURS against the 7"
                + " windows before): results are kept and a status change is posted to the webhook",
            null,
            200,
            "DriftResults",
            List.of(400, 404),
            this::run),
        new Endpoint(
            "GET",
            DRIFT_LATEST,
            "list_drift",
            "The latest drift monitor result of every feature the caller may read",
            null,
            200,
            "DriftResults",
            List.of(),
            this::latest));
  }

  private ObjectNode body(Context ctx) throws java.io.IOException {
    try (InputStream in = api.body(ctx)) {
      return Wire.readObject(in);
    }
  }

  private Object validate(Context ctx) throws java.io.IOException {
    String group = Wire.name("feature group", ctx.pathParam("group"));
    ObjectNode b = body(ctx);
    Wire.knownFields(b, "validation request", WINDOW_FIELDS);
    return QualityJson.report(
        service.validate(group, Wire.optionalInstant(b, "start"), Wire.optionalInstant(b, "end")));
  }

  private Object drift(Context ctx) throws java.io.IOException {
    String group = Wire.name("feature group", ctx.pathParam("group"));
    String name = Wire.name("feature name", ctx.pathParam("name"));
    ObjectNode b = body(ctx);
    Wire.knownFields(b, "drift request", DRIFT_FIELDS);
    DriftWindow reference = side(b, "reference");
    DriftWindow current = side(b, "current");
    return QualityJson.drift(service.drift(group, name, reference, current));
  }

  private static DriftWindow side(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest(
          "'"
              + field
              + "' is required: {\"start\": ..., \"end\": ...} or {\"training_set\": name}");
    }
    if (node.has("training_set")) {
      Wire.knownFields(node, field, TRAINING_SET_FIELDS);
      return new DriftWindow.TrainingSet(
          Wire.name(field + ".training_set", Wire.requiredText(node, "training_set")));
    }
    Wire.knownFields(node, field, WINDOW_FIELDS);
    return new DriftWindow.Range(instant(node, field, "start"), instant(node, field, "end"));
  }

  private static @Nullable Instant instant(JsonNode node, String side, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.badRequest(
          "'" + side + "." + field + "' must be an ISO-8601 timestamp string, got " + v);
    }
    return Wire.instant(side + "." + field, v.textValue());
  }

  private Object run(Context ctx) throws java.io.IOException {
    api.noFields(ctx, "drift run request");
    String group = Wire.name("feature group", ctx.pathParam("group"));
    // The caller must read the group; the monitor then runs as the server.
    if (guarded.getFeatureGroup(group).isEmpty()) {
      throw FeatureStoreException.notFound("feature group '" + group + "' not found");
    }
    List<Map<String, Object>> results = new ArrayList<>();
    for (DriftResult r : monitor.runGroup(group)) {
      results.add(QualityJson.drift(r));
    }
    return Map.of("results", results);
  }

  private Object latest(Context ctx) {
    List<Map<String, Object>> visible = new ArrayList<>();
    for (Map<String, Object> r : monitor.latestStored()) {
      if (readable(String.valueOf(r.get("feature_group")))) {
        visible.add(r);
      }
    }
    return Map.of("results", visible);
  }

  private boolean readable(String group) {
    try {
      return guarded.getFeatureGroup(group).isPresent();
    } catch (ApiException | FeatureStoreException e) {
      return false;
    }
  }

  @Override
  public void close() {
    monitor.close();
  }
}
