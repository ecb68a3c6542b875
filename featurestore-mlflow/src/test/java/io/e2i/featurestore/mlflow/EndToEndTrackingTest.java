package io.e2i.featurestore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path as a user configures it: FeatureStores.open finds the tracker for an http:// URI
 * through ServiceLoader, the embedded store computes real statistics, MLflow receives them.
 */
class EndToEndTrackingTest {
  @TempDir Path dir;

  @Test
  void statisticsComputedByARealStoreReachMlflowAndARestartCreatesNothingNew() throws Exception {
    String uri = MlflowServer.uriOrSkip();
    MlflowReader mlflow = new MlflowReader(uri);
    String group = "e2e_" + UUID.randomUUID().toString().substring(0, 8);
    FeatureStoreConfig config =
        new FeatureStoreConfig(
            "embedded:" + dir.resolve("data"),
            "memory",
            uri,
            null,
            false,
            Map.of(
                "tracking_queue_dir", dir.resolve("queue").toString(),
                "tracking_retry_initial_ms", "50",
                "tracking_probe_seconds", "1"));

    FeatureStatistics stats;
    String experimentId;
    String runId;
    try (FeatureStore store = FeatureStores.open(config)) {
      store.createFeatureGroup(FeatureGroup.builder(group).owner("data-team").build());
      store.createFeature(
          FeatureSpec.builder(group, "patient_volume")
              .valueType("float64")
              .entityKeys("hcp_id")
              .computationQuery("SELECT count(*) FROM visits GROUP BY hcp_id")
              .build());
      List<FeatureWrite> writes = new ArrayList<>();
      Instant t = Instant.parse("2025-12-01T00:00:00Z");
      for (int i = 1; i <= 100; i++) {
        writes.add(
            new FeatureWrite("patient_volume", Map.of("hcp_id", "HCP" + i), (double) i, t, group));
      }
      store.writeBatchFeatures(writes);
      stats = store.computeStatistics(group, "patient_volume");

      Feature feature =
          eventually(
              () -> {
                Feature f = store.getFeature(group, "patient_volume").orElseThrow();
                return f.mlflowRunId() != null
                        && MlflowReader.metrics(mlflow.run(f.mlflowRunId())).containsKey("p99")
                    ? f
                    : null;
              });
      runId = feature.mlflowRunId();
      experimentId = store.getFeatureGroup(group).orElseThrow().mlflowExperimentId();
      assertThat(experimentId)
          .isEqualTo(
              mlflow.experimentByName("feature_group/" + group).path("experiment_id").asText());
      assertThat(store.healthCheck().tracking()).isTrue();
      assertThat(store.healthCheck().details().get("tracking")).startsWith("mlflow " + uri);
    }

    JsonNode run = mlflow.run(runId);
    assertThat(MlflowReader.metrics(run))
        .containsEntry("count", 100.0)
        .containsEntry("min", 1.0)
        .containsEntry("max", 100.0)
        .containsEntry("mean", stats.mean())
        .containsEntry("p50", stats.p50())
        .containsEntry("p90", stats.p90())
        .containsEntry("p99", stats.p99());
    assertThat(mlflow.metricHistory(runId, "count"))
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.path("timestamp").asLong())
                    .isEqualTo(stats.computedAt().toEpochMilli()));

    // Restart on the same data and queue: the ids stay, MLflow gets nothing new.
    try (FeatureStore store = FeatureStores.open(config)) {
      assertThat(store.getFeature(group, "patient_volume").orElseThrow().mlflowRunId())
          .isEqualTo(runId);
      store.createFeatureGroup(FeatureGroup.builder(group).owner("data-team").build());
      eventually(() -> store.healthCheck().tracking() ? true : null);
    }
    assertThat(mlflow.runs(experimentId)).hasSize(1);
  }

  private static <T> T eventually(Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 60 s");
      }
      Thread.sleep(50);
    }
  }
}
