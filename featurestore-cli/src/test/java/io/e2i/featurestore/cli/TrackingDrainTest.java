package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 7: a short-lived command's tracking reaches MLflow before the command returns.
 * Against the real MLflow server of {@code .ci/mlflow.sh} ({@code MLFLOW_TRACKING_URI}; the tests
 * that need it skip without it, except under {@code CI=true}), read back through MLflow's own REST
 * API after the command returned, with no other process left to send anything.
 */
class TrackingDrainTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  CliRunner cli;
  Path queueDir;
  String sfx;

  @BeforeEach
  void setUp() {
    cli = new CliRunner(dir);
    queueDir = dir.resolve("tracking-queue");
    cli.env.put("FS_OPT_TRACKING_QUEUE_DIR", queueDir.toString());
    // Quick retries so a test with MLflow down retries a few times within its bound.
    cli.env.put("FS_OPT_TRACKING_RETRY_INITIAL_MS", "100");
    cli.env.put("FS_OPT_TRACKING_RETRY_MAX_MS", "500");
    sfx = UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void demoAndStatsAreInMlflowWhenTheyReturn() throws Exception {
    String mlflow = mlflowOrSkip();
    cli.env.put("FS_TRACKING_URI", mlflow);

    CliRunner.Run demo = cli.run("demo");

    assertThat(demo.code()).as(demo.err()).isZero();
    // The demo's tracking is sent while it runs; what is still queued when it ends is waited for
    // (and said), so nothing is left queued either way.
    if (demo.err().contains("waiting for MLflow: ")) {
      assertThat(demo.err()).contains("tracked in MLflow: ");
    }
    assertThat(queued()).isZero();
    List<FeatureGroup> groups = groups();
    assertThat(groups)
        .extracting(FeatureGroup::name)
        .contains("hcp_demographics", "hcp_targeting", "brand_performance");
    for (FeatureGroup g : groups) {
      assertThat(g.mlflowExperimentId()).as(g.name()).isNotNull();
      JsonNode experiment =
          get(mlflow, "/api/2.0/mlflow/experiments/get?experiment_id=" + g.mlflowExperimentId())
              .path("experiment");
      assertThat(experiment.path("lifecycle_stage").asText()).isEqualTo("active");
      for (Feature f : features(g.name())) {
        assertThat(f.mlflowRunId()).as(f.name()).isNotNull();
        JsonNode run = run(mlflow, f.mlflowRunId());
        assertThat(run.path("info").path("experiment_id").asText())
            .isEqualTo(g.mlflowExperimentId());
        assertThat(tags(run))
            .containsEntry("featurestore.feature_id", f.id().toString())
            .containsEntry("featurestore.definition_logged", "true");
      }
    }

    CliRunner.Run stats = cli.run("stats", "hcp_demographics", "years_in_practice", "--json");

    assertThat(stats.code()).as(stats.err()).isZero();
    assertThat(stats.err()).contains("tracked in MLflow: 1 entry");
    assertThat(JSON.readTree(stats.out()).path("count").asInt()).isEqualTo(3);
    String runId =
        features("hcp_demographics").stream()
            .filter(f -> f.name().equals("years_in_practice"))
            .findFirst()
            .orElseThrow()
            .mlflowRunId();
    JsonNode metrics = run(mlflow, runId).path("data").path("metrics");
    assertThat(metrics.findValuesAsText("key")).contains("count", "mean", "max");
  }

  @Test
  void withMlflowUnreachableTheCommandSucceedsWithinTheBoundAndSaysWhatStaysQueued()
      throws Exception {
    cli.env.put("FS_TRACKING_URI", "http://127.0.0.1:" + closedPort());
    cli.env.put("FS_TRACKING_DRAIN_SECONDS", "3");

    long t0 = System.nanoTime();
    CliRunner.Run r = cli.run("apply", groupFile().toString());
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("2 created");
    assertThat(took)
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3))
        .isLessThan(Duration.ofSeconds(15));
    assertThat(r.err())
        .contains("waiting for MLflow: 2 entries queued...")
        .contains("MLflow did not take them in 3 s; 2 entries stay queued")
        .contains("will be sent by the next command or by serve")
        .contains("unreachable")
        .contains(queueDir.toAbsolutePath().normalize().toString());
    assertThat(queued()).isEqualTo(2);
    assertThat(groups().get(0).mlflowExperimentId()).isNull();
  }

  @Test
  void whatOneCommandLeftQueuedTheNextOneSends() throws Exception {
    String mlflow = mlflowOrSkip();
    cli.env.put("FS_TRACKING_URI", "http://127.0.0.1:" + closedPort());
    CliRunner.Run down = cli.run("apply", groupFile().toString(), "--tracking-drain-seconds", "0");
    assertThat(down.code()).as(down.err()).isZero();
    assertThat(down.err()).contains("not waiting for MLflow").contains("2 entries stay queued");
    assertThat(queued()).isEqualTo(2);

    cli.env.put("FS_TRACKING_URI", mlflow);
    CliRunner.Run up = cli.run("apply", groupFile().toString());

    assertThat(up.code()).as(up.err()).isZero();
    assertThat(up.out()).contains("2 unchanged");
    assertThat(up.err()).contains("tracked in MLflow: 2 entries");
    assertThat(queued()).isZero();
    FeatureGroup g = groups().get(0);
    JsonNode experiment =
        get(
                mlflow,
                "/api/2.0/mlflow/experiments/get-by-name?experiment_name="
                    + URLEncoder.encode("feature_group/drain_" + sfx, StandardCharsets.UTF_8))
            .path("experiment");
    assertThat(experiment.path("experiment_id").asText()).isEqualTo(g.mlflowExperimentId());
    Feature f = features(g.name()).get(0);
    assertThat(tags(run(mlflow, f.mlflowRunId())))
        .containsEntry("featurestore.feature_id", f.id().toString());
  }

  @Test
  void nothingQueuedMeansNoWaitAndNoOutput() {
    CliRunner.Run r = cli.run("apply", groupFile().toString()); // no tracking configured

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
  }

  @Test
  void aBadBoundIsAUsageErrorBeforeAnythingChanges() throws Exception {
    cli.env.put("FS_TRACKING_URI", "http://127.0.0.1:" + closedPort());
    cli.env.put("FS_TRACKING_DRAIN_SECONDS", "soon");

    CliRunner.Run r = cli.run("apply", groupFile().toString());

    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("FS_TRACKING_DRAIN_SECONDS must be a whole number of seconds");
    assertThat(groups()).isEmpty();
    assertThat(queued()).isZero();
  }

  // ------------------------------------------------------------------ helpers

  /** One group with one feature: two tracking entries. */
  private Path groupFile() {
    Path file = dir.resolve("group.yaml");
    try {
      Files.writeString(
          file,
          """
          groups:
            - name: drain_%s
              description: tracking drain test
              features:
                - name: score
                  value_type: float64
                  entity_keys: [hcp_id]
          """
              .formatted(sfx));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return file;
  }

  /** Entries still in the journal: one JSON line each above the acknowledged sequence number. */
  private long queued() throws IOException {
    Path journal = queueDir.resolve("journal.jsonl");
    if (!Files.exists(journal)) {
      return 0;
    }
    Path ackFile = queueDir.resolve("acked");
    long acked = Files.exists(ackFile) ? Long.parseLong(Files.readString(ackFile).trim()) : 0;
    try (var lines = Files.lines(journal)) {
      return lines.filter(l -> !l.isBlank()).filter(l -> readSeq(l) > acked).count();
    }
  }

  private static long readSeq(String line) {
    try {
      return JSON.readTree(line).path("seq").asLong();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Read with a store of its own, without tracking, after the command closed its store. */
  private List<FeatureGroup> groups() {
    try (FeatureStore fs = openStore()) {
      return fs.listFeatureGroups();
    }
  }

  private List<Feature> features(String group) {
    try (FeatureStore fs = openStore()) {
      return fs.listFeatures(group);
    }
  }

  private FeatureStore openStore() {
    return FeatureStores.open(FeatureStoreConfig.embedded(cli.dataDir.toString()));
  }

  private static int closedPort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort(); // closed on return: connections are refused
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode run(String mlflow, String runId) throws Exception {
    return get(mlflow, "/api/2.0/mlflow/runs/get?run_id=" + runId).path("run");
  }

  private static Map<String, String> tags(JsonNode run) {
    Map<String, String> tags = new HashMap<>();
    for (JsonNode t : run.path("data").path("tags")) {
      tags.put(t.path("key").asText(), t.path("value").asText());
    }
    return tags;
  }

  private static JsonNode get(String mlflow, String path) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(mlflow + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** The server of .ci/mlflow.sh; skip without one, except in CI, where that is a failure. */
  private static String mlflowOrSkip() {
    String uri = System.getProperty("mlflow.tracking.uri", System.getenv("MLFLOW_TRACKING_URI"));
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    String problem = null;
    if (uri == null || uri.isBlank()) {
      problem = "MLFLOW_TRACKING_URI is not set (start a server with `source .ci/mlflow.sh`)";
    } else {
      uri = uri.trim().replaceAll("/+$", "");
      try {
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(uri + "/health"))
                    .timeout(Duration.ofSeconds(3))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) {
          problem = "MLflow at " + uri + " answers GET /health with " + r.statusCode();
        }
      } catch (Exception e) {
        problem = "MLflow at " + uri + " does not answer GET /health: " + e;
      }
    }
    if (problem != null) {
      if (ci) {
        fail("CI=true but " + problem);
      }
      assumeTrue(false, "skipping: " + problem);
    }
    return uri;
  }
}
