package io.e2i.featurestore.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The few calls of MLflow's REST API 2.0 the tracker needs, over java.net.http. No MLflow Java
 * client: it drags in a large dependency tree for five endpoints.
 */
final class MlflowClient {
  /** A run as far as we care: its id, artifact root and tags. */
  record Run(String runId, String experimentId, String artifactUri, Map<String, String> tags) {}

  private final ObjectMapper json;
  private final HttpClient http;
  private final String base; // e.g. http://127.0.0.1:5055, no trailing slash, no user info
  private final @Nullable String authorization; // null: none
  private final Duration timeout;

  MlflowClient(
      ObjectMapper json, URI trackingUri, @Nullable String authorization, Duration timeout) {
    this.json = json;
    this.timeout = timeout;
    this.authorization = authorization;
    String port = trackingUri.getPort() < 0 ? "" : ":" + trackingUri.getPort();
    String path = trackingUri.getRawPath() == null ? "" : trackingUri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    this.base = trackingUri.getScheme() + "://" + trackingUri.getHost() + port + path;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /** Basic auth from the URI's user info, else MLflow's usual environment variables. */
  static @Nullable String authorization(URI uri, Map<String, String> env) {
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      return basic(java.net.URLDecoder.decode(userInfo, StandardCharsets.UTF_8));
    }
    String token = env.get("MLFLOW_TRACKING_TOKEN");
    if (token != null && !token.isBlank()) {
      return "Bearer " + token.trim();
    }
    String user = env.get("MLFLOW_TRACKING_USERNAME");
    if (user != null && !user.isBlank()) {
      return basic(user + ":" + env.getOrDefault("MLFLOW_TRACKING_PASSWORD", ""));
    }
    return null;
  }

  private static String basic(String userColonPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
  }

  void close() {
    http.close();
  }

  String baseUri() {
    return base;
  }

  // ------------------------------------------------------------------ health

  /** GET /health; never throws. */
  boolean ping() {
    try {
      HttpResponse<String> r = http.send(request("/health").GET().build(), bodyHandler());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ------------------------------------------------------------------ experiments

  /** The experiment of that name, deleted ones included (the caller restores them). */
  Optional<JsonNode> experimentByName(String name) {
    try {
      JsonNode r =
          get(
              "/api/2.0/mlflow/experiments/get-by-name?experiment_name="
                  + URLEncoder.encode(name, StandardCharsets.UTF_8));
      return Optional.of(r.path("experiment"));
    } catch (MlflowException e) {
      if ("RESOURCE_DOES_NOT_EXIST".equals(e.errorCode()) || e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Creates an experiment; if another writer created it meanwhile, returns that one's id, so the
   * result is the same however often this runs.
   */
  String createExperiment(String name, Map<String, String> tags) {
    ObjectNode body = json.createObjectNode().put("name", name);
    body.set("tags", keyValues(tags));
    try {
      return post("/api/2.0/mlflow/experiments/create", body).path("experiment_id").asText();
    } catch (MlflowException e) {
      if ("RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) {
        return experimentByName(name)
            .map(x -> x.path("experiment_id").asText())
            .orElseThrow(() -> e);
      }
      throw e;
    }
  }

  void restoreExperiment(String experimentId) {
    post(
        "/api/2.0/mlflow/experiments/restore",
        json.createObjectNode().put("experiment_id", experimentId));
  }

  // ------------------------------------------------------------------ runs

  /** Active runs of the experiment whose tag {@code key} equals {@code value}. */
  List<Run> searchRunsByTag(String experimentId, String key, String value) {
    ObjectNode body = json.createObjectNode();
    body.putArray("experiment_ids").add(experimentId);
    body.put("filter", "tags.`" + key + "` = '" + value.replace("'", "\\'") + "'");
    body.put("run_view_type", "ACTIVE_ONLY");
    body.put("max_results", 10);
    body.putArray("order_by").add("attributes.start_time ASC");
    List<Run> runs = new ArrayList<>();
    for (JsonNode r : post("/api/2.0/mlflow/runs/search", body).path("runs")) {
      runs.add(run(r));
    }
    return runs;
  }

  Run createRun(
      String experimentId, String runName, long startTimeMillis, Map<String, String> tags) {
    ObjectNode body = json.createObjectNode().put("experiment_id", experimentId);
    body.put("run_name", runName);
    body.put("start_time", startTimeMillis);
    body.set("tags", keyValues(tags));
    return run(post("/api/2.0/mlflow/runs/create", body).path("run"));
  }

  void finishRun(String runId, long endTimeMillis) {
    post(
        "/api/2.0/mlflow/runs/update",
        json.createObjectNode()
            .put("run_id", runId)
            .put("status", "FINISHED")
            .put("end_time", endTimeMillis));
  }

  void setTag(String runId, String key, String value) {
    post(
        "/api/2.0/mlflow/runs/set-tag",
        json.createObjectNode().put("run_id", runId).put("key", key).put("value", value));
  }

  /** One metric point (MLflow ignores an identical point logged twice). */
  record Metric(String key, double value, long timestampMillis, long step) {}

  void logBatch(
      String runId, Map<String, String> params, Map<String, String> tags, List<Metric> metrics) {
    ObjectNode body = json.createObjectNode().put("run_id", runId);
    body.set("params", keyValues(params));
    body.set("tags", keyValues(tags));
    ArrayNode m = body.putArray("metrics");
    for (Metric metric : metrics) {
      m.addObject()
          .put("key", metric.key())
          .put("value", metric.value())
          .put("timestamp", metric.timestampMillis())
          .put("step", metric.step());
    }
    post("/api/2.0/mlflow/runs/log-batch", body);
  }

  // ------------------------------------------------------------------ artifacts

  /**
   * Uploads through the server's artifact proxy (server started with --serve-artifacts).
   *
   * @param artifactPath the run's artifact root without the {@code mlflow-artifacts:} scheme, e.g.
   *     {@code 1/<run_id>/artifacts}
   */
  void putArtifact(String artifactPath, String file, byte[] content, String contentType) {
    HttpRequest request =
        request("/api/2.0/mlflow-artifacts/artifacts/" + artifactPath + "/" + file)
            .header("Content-Type", contentType)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
            .build();
    send(request, "PUT artifact " + file);
  }

  // ------------------------------------------------------------------ plumbing

  JsonNode get(String path) {
    return send(request(path).GET().build(), "GET " + path);
  }

  JsonNode post(String path, JsonNode body) {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build(),
        "POST " + path);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private static HttpResponse.BodyHandler<String> bodyHandler() {
    return HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8);
  }

  private JsonNode send(HttpRequest request, String what) {
    HttpResponse<String> response;
    try {
      response = http.send(request, bodyHandler());
    } catch (IOException e) {
      throw MlflowException.unreachable(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw MlflowException.unreachable(what, e);
    }
    int status = response.statusCode();
    JsonNode body = parse(response.body());
    if (status / 100 == 2) {
      return body;
    }
    String code = body.path("error_code").asText(null);
    String message = body.path("message").asText(response.body());
    // Only MLflow's own structured rejection of what we sent is final. Server trouble, throttling,
    // bad credentials (an operator fixes them) and answers that are not MLflow's (a proxy's error
    // page, a wrong base path) are retried, so the queue waits instead of dropping entries.
    boolean retryable =
        status >= 500
            || status == 429
            || status == 408
            || status == 401
            || status == 403
            || code == null;
    throw new MlflowException(
        what + " failed with HTTP " + status + (code == null ? "" : " " + code) + ": " + message,
        retryable,
        status,
        code,
        null);
  }

  private JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      return json.createObjectNode();
    }
    try {
      return json.readTree(text);
    } catch (IOException e) {
      return json.createObjectNode(); // e.g. an HTML error page from a proxy
    }
  }

  private ArrayNode keyValues(Map<String, String> map) {
    ArrayNode a = json.createArrayNode();
    map.forEach((k, v) -> a.addObject().put("key", k).put("value", v));
    return a;
  }

  private static Run run(JsonNode r) {
    JsonNode info = r.path("info");
    Map<String, String> tags = new java.util.HashMap<>();
    for (JsonNode t : r.path("data").path("tags")) {
      tags.put(t.path("key").asText(), t.path("value").asText());
    }
    String id = info.path("run_id").asText(info.path("run_uuid").asText());
    return new Run(
        id, info.path("experiment_id").asText(), info.path("artifact_uri").asText(""), tags);
  }
}
