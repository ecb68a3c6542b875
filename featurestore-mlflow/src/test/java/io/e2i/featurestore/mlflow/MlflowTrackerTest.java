package io.e2i.featurestore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.spi.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real MLflow server; everything is read back through MLflow's own REST API. */
class MlflowTrackerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static String uri;
  private static MlflowReader mlflow;

  @TempDir Path queueDir;
  private final String sfx = UUID.randomUUID().toString().substring(0, 8);
  private final StatsBackend backend = new StatsBackend();
  private FeatureStore store;
  private ToggleProxy proxy;

  @BeforeEach
  void server() {
    // Per test rather than @BeforeAll so each skipped test is reported with the reason.
    if (uri == null) {
      uri = MlflowServer.uriOrSkip();
      mlflow = new MlflowReader(uri);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    if (store != null) {
      store.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  private MlflowTracker tracker(String trackingUri, Path dir) {
    return new MlflowTracker(
        MlflowTracker.parse(trackingUri),
        new MlflowTracker.Settings(
            dir,
            Duration.ofSeconds(5),
            Duration.ofMillis(50),
            Duration.ofMillis(200),
            Duration.ofMillis(300),
            Duration.ofSeconds(60)),
        Map.of());
  }

  private FeatureStore open(MlflowTracker tracker) {
    return FeatureStores.builder()
        .registry(backend)
        .offlineStore(backend)
        .onlineCache(null)
        .tracker(tracker)
        .build();
  }

  private FeatureGroup group(String experimentName) {
    return FeatureGroup.builder("hcp_demographics_" + sfx)
        .description("Healthcare provider demographic features")
        .owner("data-team")
        .tags("demographics", "hcp")
        .expectedUpdateFrequencyHours(168)
        .maxAgeHours(720)
        .mlflowExperimentName(experimentName)
        .build();
  }

  private FeatureSpec specialty(String query) {
    return FeatureSpec.builder("hcp_demographics_" + sfx, "specialty")
        .valueType("string")
        .entityKeys("hcp_id")
        .description("Primary medical specialty")
        .owner("data-team")
        .tags("categorical", "core")
        .computationQuery(query)
        .build();
  }

  private static FeatureStatistics numeric(long count, double mean, Instant at) {
    return new FeatureStatistics(
        count,
        2,
        40,
        1.0,
        99.0,
        mean,
        3.5,
        50.0,
        90.0,
        99.0,
        List.of(),
        List.of(
            new FeatureStatistics.Bucket(1, 50, count / 2),
            new FeatureStatistics.Bucket(50, 99, count - count / 2)),
        at);
  }

  // ------------------------------------------------------------------ definitions

  @Test
  void groupGetsAnExperimentAndEachFeatureVersionARunWithParamsTagsAndArtifacts() throws Exception {
    MlflowTracker tracker = tracker(uri, queueDir);
    store = open(tracker);
    store.createFeatureGroup(group("hcp_features_" + sfx));
    Feature v1 = store.createFeature(specialty("SELECT specialty FROM hcps"));
    assertThat(tracker.awaitIdle(WAIT)).isTrue();

    JsonNode experiment = mlflow.experimentByName("hcp_features_" + sfx);
    String experimentId = experiment.path("experiment_id").asText();
    assertThat(experimentId).isNotEmpty();
    assertThat(store.getFeatureGroup("hcp_demographics_" + sfx).orElseThrow().mlflowExperimentId())
        .isEqualTo(experimentId);
    assertThat(MlflowReader.keyValues(experiment.path("tags")))
        .containsEntry("featurestore.feature_group", "hcp_demographics_" + sfx);

    List<JsonNode> runs = mlflow.runs(experimentId);
    assertThat(runs).hasSize(1);
    String runId = runs.get(0).path("info").path("run_id").asText();
    assertThat(store.getFeature("hcp_demographics_" + sfx, "specialty").orElseThrow().mlflowRunId())
        .isEqualTo(runId);

    JsonNode run = mlflow.run(runId);
    assertThat(run.path("info").path("status").asText()).isEqualTo("FINISHED");
    assertThat(run.path("info").path("run_name").asText()).isEqualTo("specialty@v1");
    assertThat(MlflowReader.params(run))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "name", "specialty",
                "value_type", "string",
                "entity_keys", "[\"hcp_id\"]",
                "version", "1",
                "group", "hcp_demographics_" + sfx));
    assertThat(MlflowReader.tags(run))
        .containsEntry("owner", "data-team")
        .containsEntry("tags", "[\"categorical\",\"core\"]")
        .containsEntry("featurestore.feature_id", v1.id().toString())
        .containsEntry("featurestore.definition_logged", "true");
    assertThat(mlflow.artifactPaths(runId))
        .containsExactly("computation_query.sql", "description.txt");
    assertThat(mlflow.artifact(runId, "description.txt")).isEqualTo("Primary medical specialty");
    assertThat(mlflow.artifact(runId, "computation_query.sql"))
        .isEqualTo("SELECT specialty FROM hcps");

    // A changed computation is a new version: a second run, the first one untouched.
    Feature v2 = store.updateFeature(specialty("SELECT lower(specialty) FROM hcps"));
    assertThat(v2.version()).isEqualTo(2);
    assertThat(tracker.awaitIdle(WAIT)).isTrue();
    assertThat(mlflow.runs(experimentId)).hasSize(2);
    String run2 =
        store.getFeature("hcp_demographics_" + sfx, "specialty").orElseThrow().mlflowRunId();
    assertThat(run2).isNotNull().isNotEqualTo(runId);
    assertThat(MlflowReader.params(mlflow.run(run2))).containsEntry("version", "2");
    assertThat(mlflow.artifact(run2, "computation_query.sql"))
        .isEqualTo("SELECT lower(specialty) FROM hcps");
    assertThat(
            store.getFeature("hcp_demographics_" + sfx, "specialty", 1).orElseThrow().mlflowRunId())
        .isEqualTo(runId);
    assertThat(store.healthCheck().tracking()).isTrue();
  }

  @Test
  void groupWithoutExperimentNameGetsTheDefaultName() throws Exception {
    MlflowTracker tracker = tracker(uri, queueDir);
    store = open(tracker);
    store.createFeatureGroup(group(null));
    assertThat(tracker.awaitIdle(WAIT)).isTrue();
    JsonNode experiment = mlflow.experimentByName("feature_group/hcp_demographics_" + sfx);
    assertThat(experiment.path("experiment_id").asText())
        .isNotEmpty()
        .isEqualTo(
            store.getFeatureGroup("hcp_demographics_" + sfx).orElseThrow().mlflowExperimentId());
  }

  @Test
  void anExperimentDeletedInMlflowIsRestoredRatherThanDuplicated() throws Exception {
    MlflowTracker tracker = tracker(uri, queueDir);
    store = open(tracker);
    store.createFeatureGroup(group("deleted_" + sfx));
    store.createFeature(specialty("SELECT 1"));
    assertThat(tracker.awaitIdle(WAIT)).isTrue();
    String experimentId = mlflow.experimentByName("deleted_" + sfx).path("experiment_id").asText();
    mlflow.deleteExperiment(experimentId);
    assertThat(mlflow.experiment(experimentId).path("lifecycle_stage").asText())
        .isEqualTo("deleted");

    store.updateFeature(specialty("SELECT 2")); // version 2 goes to the (cached) experiment
    assertThat(tracker.awaitIdle(WAIT)).isTrue();
    assertThat(mlflow.experiment(experimentId).path("lifecycle_stage").asText())
        .isEqualTo("active");
    assertThat(mlflow.runs(experimentId)).hasSize(2);
    assertThat(Files.exists(queueDir.resolve("failed.jsonl"))).isFalse();
  }

  // ------------------------------------------------------------------ statistics

  @Test
  void statisticsAreLoggedAsMetricsAtTheirComputationTime() throws Exception {
    MlflowTracker tracker = tracker(uri, queueDir);
    store = open(tracker);
    store.createFeatureGroup(group("stats_" + sfx));
    store.createFeature(
        FeatureSpec.builder("hcp_demographics_" + sfx, "patient_volume")
            .valueType("int64")
            .entityKeys("hcp_id")
            .build());
    Instant t1 = Instant.parse("2025-12-01T10:00:00.123Z");
    Instant t2 = Instant.parse("2025-12-02T10:00:00.456Z");
    backend.next = numeric(100, 42.5, t1);
    store.computeStatistics("hcp_demographics_" + sfx, "patient_volume");
    backend.next = numeric(120, 44.0, t2);
    store.computeStatistics("hcp_demographics_" + sfx, "patient_volume");
    assertThat(tracker.awaitIdle(WAIT)).isTrue();

    Feature feature = store.getFeature("hcp_demographics_" + sfx, "patient_volume").orElseThrow();
    assertThat(feature.statistics()).containsEntry("count", 120L);
    JsonNode run = mlflow.run(feature.mlflowRunId());
    assertThat(MlflowReader.metrics(run))
        .containsEntry("count", 120.0)
        .containsEntry("nulls", 2.0)
        .containsEntry("distinct", 40.0)
        .containsEntry("min", 1.0)
        .containsEntry("max", 99.0)
        .containsEntry("mean", 44.0)
        .containsEntry("stddev", 3.5)
        .containsEntry("p50", 50.0)
        .containsEntry("p90", 90.0)
        .containsEntry("p99", 99.0);
    assertThat(mlflow.metricHistory(feature.mlflowRunId(), "count"))
        .extracting(m -> m.path("value").asDouble(), m -> m.path("timestamp").asLong())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(100.0, t1.toEpochMilli()),
            org.assertj.core.groups.Tuple.tuple(120.0, t2.toEpochMilli()));
    assertThat(MlflowReader.tags(run))
        .containsEntry("featurestore.statistics_computed_at", t2.toString());
    JsonNode doc =
        new ObjectMapper().readTree(mlflow.artifact(feature.mlflowRunId(), "statistics.json"));
    assertThat(doc.path("count").asLong()).isEqualTo(120);
    assertThat(doc.path("histogram")).hasSize(2);
  }

  @Test
  void stringStatisticsLogCountsAndKeepTopValuesInTheArtifact() throws Exception {
    MlflowTracker tracker = tracker(uri, queueDir);
    store = open(tracker);
    store.createFeatureGroup(group("str_" + sfx));
    store.createFeature(specialty("SELECT specialty FROM hcps"));
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    backend.next =
        new FeatureStatistics(
            10,
            1,
            3,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(
                new FeatureStatistics.ValueCount("Oncology", 6),
                new FeatureStatistics.ValueCount("Cardiology", 3)),
            List.of(),
            at);
    store.computeStatistics("hcp_demographics_" + sfx, "specialty");
    assertThat(tracker.awaitIdle(WAIT)).isTrue();
    String runId =
        store.getFeature("hcp_demographics_" + sfx, "specialty").orElseThrow().mlflowRunId();
    assertThat(MlflowReader.metrics(mlflow.run(runId)))
        .containsOnlyKeys("count", "nulls", "distinct")
        .containsEntry("count", 10.0);
    JsonNode doc = new ObjectMapper().readTree(mlflow.artifact(runId, "statistics.json"));
    assertThat(doc.path("top_values").get(0).path("value").asText()).isEqualTo("Oncology");
    assertThat(doc.path("top_values").get(0).path("count").asLong()).isEqualTo(6);
  }

  // ------------------------------------------------------------------ MLflow down

  @Test
  void whileMlflowIsDownWritesSucceedAndTheQueueReplaysWhenItReturns() throws Exception {
    proxy = new ToggleProxy(uri); // starts down: connections refused
    MlflowTracker tracker = tracker(proxy.uri(), queueDir);
    store = open(tracker);

    long t0 = System.nanoTime();
    store.createFeatureGroup(group("down_" + sfx));
    store.createFeature(specialty("SELECT 1"));
    backend.next = numeric(7, 1.0, Instant.parse("2025-12-03T00:00:00Z"));
    store.computeStatistics("hcp_demographics_" + sfx, "specialty");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));

    eventually(() -> !store.healthCheck().tracking());
    assertThat(tracker.queued()).isEqualTo(3);
    assertThat(tracker.describe()).contains("unreachable").contains("3 queued");
    assertThat(store.getFeatureGroup("hcp_demographics_" + sfx).orElseThrow().mlflowExperimentId())
        .isNull();
    assertThat(mlflow.experimentByName("down_" + sfx).isMissingNode()).isTrue();

    proxy.up();
    assertThat(tracker.awaitIdle(WAIT)).isTrue();
    eventually(() -> store.healthCheck().tracking());

    String experimentId =
        store.getFeatureGroup("hcp_demographics_" + sfx).orElseThrow().mlflowExperimentId();
    assertThat(experimentId)
        .isEqualTo(mlflow.experimentByName("down_" + sfx).path("experiment_id").asText());
    List<JsonNode> runs = mlflow.runs(experimentId);
    assertThat(runs).hasSize(1);
    String runId =
        store.getFeature("hcp_demographics_" + sfx, "specialty").orElseThrow().mlflowRunId();
    assertThat(runs.get(0).path("info").path("run_id").asText()).isEqualTo(runId);
    assertThat(MlflowReader.metrics(mlflow.run(runId))).containsEntry("count", 7.0);

    // Down again in the middle of things, then back: still exactly one run.
    proxy.down();
    backend.next = numeric(8, 1.0, Instant.parse("2025-12-04T00:00:00Z"));
    store.computeStatistics("hcp_demographics_" + sfx, "specialty");
    eventually(() -> !tracker.isHealthy());
    proxy.up();
    assertThat(tracker.awaitIdle(WAIT)).isTrue();
    assertThat(mlflow.runs(experimentId)).hasSize(1);
    assertThat(mlflow.metricHistory(runId, "count")).hasSize(2);
  }

  @Test
  void aRestartedTrackerReplaysTheQueueOnceAndReplaysCreateNoDuplicates() throws Exception {
    proxy = new ToggleProxy(uri); // never comes up: the first process only ever queues
    MlflowTracker first = tracker(proxy.uri(), queueDir);
    store = open(first);
    store.createFeatureGroup(group("restart_" + sfx));
    Feature feature = store.createFeature(specialty("SELECT 2"));
    Instant at = Instant.parse("2025-12-05T00:00:00Z");
    backend.next = numeric(5, 1.0, at);
    store.computeStatistics("hcp_demographics_" + sfx, "specialty");
    store.close();
    store = null;
    assertThat(Files.readAllLines(queueDir.resolve("journal.jsonl"))).hasSize(3);

    // "Restart": same registry, same queue directory, MLflow reachable now.
    MlflowTracker second = tracker(uri, queueDir);
    assertThat(second.queued()).isEqualTo(3);
    store = open(second);
    assertThat(second.awaitIdle(WAIT)).isTrue();
    assertThat(Files.exists(queueDir.resolve("journal.jsonl"))).isFalse();

    FeatureGroup group = store.getFeatureGroup("hcp_demographics_" + sfx).orElseThrow();
    String experimentId = group.mlflowExperimentId();
    assertThat(experimentId)
        .isEqualTo(mlflow.experimentByName("restart_" + sfx).path("experiment_id").asText());
    Feature stored = store.getFeature("hcp_demographics_" + sfx, "specialty").orElseThrow();
    assertThat(mlflow.runs(experimentId))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.path("info").path("run_id").asText()).isEqualTo(stored.mlflowRunId()));
    assertThat(mlflow.metricHistory(stored.mlflowRunId(), "count")).hasSize(1);

    // A crash after MLflow took the entries but before they were acknowledged replays them
    // again: a fresh tracker gets the same entries and must find, not create.
    List<String> ids = new CopyOnWriteArrayList<>();
    try (MlflowTracker replay = tracker(uri, queueDir.resolve("again"))) {
      replay.start(
          new Tracker.Listener() {
            @Override
            public void experimentCreated(String featureGroup, String id) {
              ids.add(id);
            }

            @Override
            public void runCreated(UUID featureId, String runId) {
              ids.add(runId);
            }
          });
      FeatureGroup original = group.withMlflowExperimentId(null);
      Feature originalFeature = feature.withMlflowRunId(null);
      replay.trackGroup(original);
      replay.trackFeature(original, originalFeature);
      replay.trackStatistics(original, originalFeature, numeric(5, 1.0, at));
      assertThat(replay.awaitIdle(WAIT)).isTrue();
    }
    assertThat(ids).containsExactly(experimentId, stored.mlflowRunId());
    assertThat(mlflow.runs(experimentId)).hasSize(1);
    assertThat(mlflow.metricHistory(stored.mlflowRunId(), "count")).hasSize(1);
  }

  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(25);
    }
  }
}
