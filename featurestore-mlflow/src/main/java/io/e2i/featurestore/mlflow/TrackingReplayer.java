package io.e2i.featurestore.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.mlflow.TrackingEntry.FeatureInfo;
import io.e2i.featurestore.mlflow.TrackingEntry.GroupInfo;
import io.e2i.featurestore.spi.Tracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one queued entry to MLflow. Every step is idempotent, because an entry may be applied
 * again after a crash or a timeout whose request did reach the server: experiments are looked up by
 * name and runs by the feature-id tag before anything is created, params are only ever logged with
 * the same values, MLflow ignores a metric point logged twice, and artifacts are overwritten.
 */
final class TrackingReplayer {
  private static final Logger LOG = LoggerFactory.getLogger(TrackingReplayer.class);

  static final String TAG_FEATURE_GROUP = "featurestore.feature_group";
  static final String TAG_FEATURE_ID = "featurestore.feature_id";
  static final String TAG_FEATURE_NAME = "featurestore.feature_name";
  static final String TAG_FEATURE_VERSION = "featurestore.feature_version";

  /** Set last, once params, tags and artifacts are in: a run without it gets them (again). */
  static final String TAG_DEFINITION_LOGGED = "featurestore.definition_logged";

  static final String TAG_STATISTICS_AT = "featurestore.statistics_computed_at";
  static final String NOTE = "mlflow.note.content";
  static final List<String> METRICS =
      List.of("count", "nulls", "distinct", "min", "max", "mean", "stddev", "p50", "p90", "p99");

  /** Below MLflow's param (6000) and tag (8000) value limits. */
  private static final int MAX_VALUE = 5000;

  private static final String ARTIFACT_SCHEME = "mlflow-artifacts:";

  private final MlflowClient client;
  private final ObjectMapper json;
  private final Tracker.Listener listener;
  private final Map<String, String> experimentIds = new ConcurrentHashMap<>(); // name -> id
  private final Map<String, MlflowClient.Run> runs = new ConcurrentHashMap<>(); // feature id -> run
  private final Map<String, String> reportedExperiments = new ConcurrentHashMap<>();
  private final Map<String, String> reportedRuns = new ConcurrentHashMap<>();
  private volatile boolean warnedNoArtifactProxy;

  TrackingReplayer(MlflowClient client, ObjectMapper json, Tracker.Listener listener) {
    this.client = client;
    this.json = json;
    this.listener = listener;
  }

  /** Drops cached ids, e.g. after MLflow rejected a call that used one (deleted meanwhile). */
  void forget() {
    experimentIds.clear();
    runs.clear();
  }

  void replay(TrackingEntry entry) {
    GroupInfo group = entry.group();
    String experimentId = ensureExperiment(group);
    if (!experimentId.equals(group.experimentId())
        && !experimentId.equals(reportedExperiments.get(group.name()))) {
      listener.experimentCreated(group.name(), experimentId);
    }
    reportedExperiments.put(group.name(), experimentId);
    if (entry.op() == TrackingEntry.Op.group) {
      return;
    }
    // Every feature and statistics entry carries its feature (TrackingEntry's factories).
    FeatureInfo feature = Objects.requireNonNull(entry.feature(), "feature");
    MlflowClient.Run run = ensureRun(experimentId, group, feature);
    if (!run.runId().equals(feature.runId())
        && !run.runId().equals(reportedRuns.get(feature.id()))) {
      listener.runCreated(UUID.fromString(feature.id()), run.runId());
    }
    reportedRuns.put(feature.id(), run.runId());
    if (entry.op() == TrackingEntry.Op.statistics) {
      logStatistics(run, Objects.requireNonNull(entry.statistics(), "statistics"));
    }
    if (entry.op() == TrackingEntry.Op.quality) {
      logQuality(run, Objects.requireNonNull(entry.statistics(), "quality"));
    }
  }

  // ------------------------------------------------------------------ experiment per group

  private String ensureExperiment(GroupInfo group) {
    String name = group.experimentName();
    String cached = experimentIds.get(name);
    if (cached != null) {
      return cached;
    }
    String id;
    var found = client.experimentByName(name);
    if (found.isPresent()) {
      JsonNode experiment = found.get();
      id = experiment.path("experiment_id").asText();
      if ("deleted".equals(experiment.path("lifecycle_stage").asText())) {
        // Its name is still taken, so a new one cannot be created: bring it back.
        LOG.info("restoring deleted MLflow experiment '{}' ({})", name, id);
        client.restoreExperiment(id);
      }
    } else {
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put(TAG_FEATURE_GROUP, group.name());
      putIfPresent(tags, NOTE, truncate(group.description()));
      putIfPresent(tags, "owner", group.owner());
      if (group.tags() != null && !group.tags().isEmpty()) {
        tags.put("tags", toJson(group.tags()));
      }
      id = client.createExperiment(name, tags);
      LOG.info("created MLflow experiment '{}' ({}) for feature group {}", name, id, group.name());
    }
    experimentIds.put(name, id);
    return id;
  }

  // ------------------------------------------------------------------ run per feature version

  private MlflowClient.Run ensureRun(String experimentId, GroupInfo group, FeatureInfo feature) {
    MlflowClient.Run cached = runs.get(feature.id());
    if (cached != null) {
      return cached;
    }
    List<MlflowClient.Run> existing =
        client.searchRunsByTag(experimentId, TAG_FEATURE_ID, feature.id());
    MlflowClient.Run run;
    if (existing.isEmpty()) {
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put(TAG_FEATURE_ID, feature.id());
      tags.put(TAG_FEATURE_GROUP, group.name());
      tags.put(TAG_FEATURE_NAME, feature.name());
      tags.put(TAG_FEATURE_VERSION, Integer.toString(feature.version()));
      long start =
          feature.createdAt() == null
              ? System.currentTimeMillis()
              : Instant.parse(feature.createdAt()).toEpochMilli();
      run = client.createRun(experimentId, feature.name() + "@v" + feature.version(), start, tags);
    } else {
      run = existing.get(0);
    }
    if (!"true".equals(run.tags().get(TAG_DEFINITION_LOGGED))) {
      logDefinition(run, group, feature);
    }
    runs.put(feature.id(), run);
    return run;
  }

  private void logDefinition(MlflowClient.Run run, GroupInfo group, FeatureInfo feature) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("name", feature.name());
    params.put("value_type", feature.valueType());
    params.put("entity_keys", toJson(feature.entityKeys()));
    params.put("version", Integer.toString(feature.version()));
    params.put("group", group.name());
    Map<String, String> tags = new LinkedHashMap<>();
    putIfPresent(tags, "owner", feature.owner());
    tags.put("tags", toJson(feature.tags() == null ? List.of() : feature.tags()));
    putIfPresent(tags, NOTE, feature.description());
    params.replaceAll((k, v) -> truncate(v));
    tags.replaceAll((k, v) -> truncate(v));
    client.logBatch(run.runId(), params, tags, List.of());
    uploadText(run, "description.txt", feature.description(), "text/plain; charset=utf-8");
    uploadText(
        run, "computation_query.sql", feature.computationQuery(), "text/plain; charset=utf-8");
    client.finishRun(run.runId(), System.currentTimeMillis());
    client.setTag(run.runId(), TAG_DEFINITION_LOGGED, "true");
  }

  // ------------------------------------------------------------------ statistics

  private void logStatistics(MlflowClient.Run run, Map<String, Object> stats) {
    long at = Instant.parse(String.valueOf(stats.get("computed_at"))).toEpochMilli();
    List<MlflowClient.Metric> metrics = new ArrayList<>();
    for (String key : METRICS) {
      if (stats.get(key) instanceof Number n && Double.isFinite(n.doubleValue())) {
        // step 0 throughout: MLflow then reports the point with the latest timestamp as latest.
        metrics.add(new MlflowClient.Metric(key, n.doubleValue(), at, 0));
      }
    }
    client.logBatch(
        run.runId(),
        Map.of(),
        Map.of(TAG_STATISTICS_AT, String.valueOf(stats.get("computed_at"))),
        metrics);
    // Top values and the histogram are not scalars: the whole document goes in as an artifact.
    uploadText(run, "statistics.json", toJson(stats), "application/json");
  }

  // ------------------------------------------------------------------ data quality

  /** Constraints (as tags: they change in place) and drift results (metrics) on the run. */
  private void logQuality(MlflowClient.Run run, Map<String, Object> payload) {
    long at = Instant.parse(String.valueOf(payload.get("computed_at"))).toEpochMilli();
    Map<String, String> tags = new LinkedHashMap<>();
    if (payload.get("tags") instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) ->
              tags.put(
                  String.valueOf(k), Objects.requireNonNullElse(truncate(String.valueOf(v)), "")));
    }
    List<MlflowClient.Metric> metrics = new ArrayList<>();
    if (payload.get("metrics") instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
              metrics.add(new MlflowClient.Metric(String.valueOf(k), n.doubleValue(), at, 0));
            }
          });
    }
    client.logBatch(run.runId(), Map.of(), tags, metrics);
  }

  // ------------------------------------------------------------------ helpers

  private void uploadText(
      MlflowClient.Run run, String file, @Nullable String text, String contentType) {
    if (text == null) {
      return;
    }
    String uri = run.artifactUri();
    if (!uri.startsWith(ARTIFACT_SCHEME)) {
      if (!warnedNoArtifactProxy) {
        warnedNoArtifactProxy = true;
        LOG.warn(
            "MLflow run artifact root is '{}', not {}: the server does not proxy artifacts, so"
                + " description.txt / computation_query.sql are not uploaded. Start it with"
                + " --serve-artifacts.",
            uri,
            ARTIFACT_SCHEME);
      }
      return;
    }
    client.putArtifact(artifactPath(uri), file, text.getBytes(StandardCharsets.UTF_8), contentType);
  }

  /** {@code mlflow-artifacts:/1/abc/artifacts} or {@code mlflow-artifacts://host:port/1/...}. */
  static String artifactPath(String uri) {
    String rest = uri.substring(ARTIFACT_SCHEME.length());
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      rest = slash < 0 ? "" : rest.substring(slash);
    }
    while (rest.startsWith("/")) {
      rest = rest.substring(1);
    }
    return rest;
  }

  private String toJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static @Nullable String truncate(@Nullable String s) {
    return s == null || s.length() <= MAX_VALUE ? s : s.substring(0, MAX_VALUE - 3) + "...";
  }

  private static void putIfPresent(Map<String, String> map, String key, @Nullable String value) {
    if (value != null && !value.isEmpty()) {
      map.put(key, value);
    }
  }
}
