package io.e2i.featurestore.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * Reads back what was logged through MLflow's own REST API, independently of the code under test.
 */
final class MlflowReader {
  private final String base;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  MlflowReader(String base) {
    this.base = base;
  }

  /** The experiment, or a missing node. */
  JsonNode experimentByName(String name) {
    return get("/api/2.0/mlflow/experiments/get-by-name?experiment_name="
            + URLEncoder.encode(name, StandardCharsets.UTF_8))
        .path("experiment");
  }

  JsonNode experiment(String id) {
    return get("/api/2.0/mlflow/experiments/get?experiment_id=" + id).path("experiment");
  }

  /** All runs (deleted ones too) of an experiment. */
  List<JsonNode> runs(String experimentId) {
    String body =
        "{\"experiment_ids\":[\""
            + experimentId
            + "\"],\"run_view_type\":\"ALL\",\"max_results\":1000}";
    JsonNode r = post("/api/2.0/mlflow/runs/search", body);
    return StreamSupport.stream(r.path("runs").spliterator(), false).toList();
  }

  void deleteExperiment(String id) {
    post("/api/2.0/mlflow/experiments/delete", "{\"experiment_id\":\"" + id + "\"}");
  }

  JsonNode run(String runId) {
    return get("/api/2.0/mlflow/runs/get?run_id=" + runId).path("run");
  }

  static Map<String, String> params(JsonNode run) {
    return keyValues(run.path("data").path("params"));
  }

  static Map<String, String> tags(JsonNode run) {
    return keyValues(run.path("data").path("tags"));
  }

  /** The latest value of each metric. */
  static Map<String, Double> metrics(JsonNode run) {
    Map<String, Double> m = new HashMap<>();
    for (JsonNode n : run.path("data").path("metrics")) {
      m.put(n.path("key").asText(), n.path("value").asDouble());
    }
    return m;
  }

  List<JsonNode> metricHistory(String runId, String key) {
    JsonNode r = get("/api/2.0/mlflow/metrics/get-history?run_id=" + runId + "&metric_key=" + key);
    return StreamSupport.stream(r.path("metrics").spliterator(), false).toList();
  }

  List<String> artifactPaths(String runId) {
    JsonNode r = get("/api/2.0/mlflow/artifacts/list?run_id=" + runId);
    return StreamSupport.stream(r.path("files").spliterator(), false)
        .map(f -> f.path("path").asText())
        .sorted()
        .toList();
  }

  String artifact(String runId, String path) {
    return send(
        HttpRequest.newBuilder(
                URI.create(base + "/get-artifact?run_uuid=" + runId + "&path=" + path))
            .build());
  }

  static Map<String, String> keyValues(JsonNode array) {
    Map<String, String> m = new HashMap<>();
    for (JsonNode n : array) {
      m.put(n.path("key").asText(), n.path("value").asText());
    }
    return m;
  }

  private JsonNode get(String path) {
    return parse(send(HttpRequest.newBuilder(URI.create(base + path)).build()));
  }

  private JsonNode post(String path, String body) {
    return parse(
        send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build()));
  }

  private String send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      throw new IllegalStateException(request.uri() + ": " + e, e);
    }
  }

  private JsonNode parse(String s) {
    try {
      return json.readTree(s);
    } catch (Exception e) {
      throw new IllegalStateException("not JSON: " + s, e);
    }
  }
}
