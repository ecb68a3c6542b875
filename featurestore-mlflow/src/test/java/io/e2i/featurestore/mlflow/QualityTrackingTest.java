package io.e2i.featurestore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.ValidationMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data quality in MLflow (issue 12), against the real tracking server: a constraints change (in
 * place, no new version) updates the run's tags, and drift results become metrics on the run.
 */
class QualityTrackingTest {
  @TempDir Path dir;

  @Test
  void constraintChangesAreTagsAndDriftResultsAreMetricsOnTheFeaturesRun() throws Exception {
    String uri = MlflowServer.uriOrSkip();
    MlflowReader mlflow = new MlflowReader(uri);
    String group = "quality_" + UUID.randomUUID().toString().substring(0, 8);
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
    try (FeatureStore store = FeatureStores.open(config)) {
      store.createFeatureGroup(FeatureGroup.builder(group).build());
      FeatureSpec.Builder spec =
          FeatureSpec.builder(group, "visits").valueType("int64").entityKeys("hcp_id");
      store.createFeature(spec.constraints(Constraints.fromMap(Map.of("max", 100))).build());
      Feature tracked =
          eventually(
              () -> {
                Feature f = store.getFeature(group, "visits").orElseThrow();
                return f.mlflowRunId() != null
                        && tags(mlflow.run(f.mlflowRunId())).containsKey("constraints")
                    ? f
                    : null;
              });
      String runId = tracked.mlflowRunId();
      assertThat(tags(mlflow.run(runId)).get("constraints")).isEqualTo("{\"max\":100.0}");

      Feature updated =
          store.updateFeature(
              spec.constraints(Constraints.fromMap(Map.of("min", 0, "max", 50)))
                  .validation(ValidationMode.WARN)
                  .build());
      assertThat(updated.version()).isEqualTo(1);
      store.trackQuality(
          group,
          "visits",
          Map.of("drift_status", "warn"),
          Map.of("drift_psi", 0.17, "drift_ks", 0.08),
          Instant.parse("2025-06-01T00:00:00Z"));
      eventually(
          () ->
              "{\"min\":0.0,\"max\":50.0}".equals(tags(mlflow.run(runId)).get("constraints"))
                      && MlflowReader.metrics(mlflow.run(runId)).containsKey("drift_psi")
                  ? true
                  : null);
      JsonNode run = mlflow.run(runId);
      assertThat(tags(run))
          .containsEntry("validation", "warn")
          .containsEntry("drift_status", "warn")
          .containsEntry("drift_thresholds", "{\"psi_warn\":0.1,\"psi_drift\":0.25}");
      assertThat(MlflowReader.metrics(run))
          .containsEntry("drift_psi", 0.17)
          .containsEntry("drift_ks", 0.08);
      assertThat(store.listFeatureVersions(group, "visits")).hasSize(1);
    }
  }

  private static Map<String, String> tags(JsonNode run) {
    Map<String, String> out = new java.util.HashMap<>();
    for (JsonNode t : run.path("data").path("tags")) {
      out.put(t.path("key").asText(), t.path("value").asText());
    }
    return out;
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
