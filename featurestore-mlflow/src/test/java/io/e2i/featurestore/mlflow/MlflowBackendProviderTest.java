package io.e2i.featurestore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.BackendProvider;
import io.e2i.featurestore.spi.Tracker;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider wiring and configuration errors; no MLflow needed. */
class MlflowBackendProviderTest {
  @TempDir Path dir;

  private FeatureStoreConfig config(Map<String, String> options) {
    return new FeatureStoreConfig(null, null, "http://127.0.0.1:1", null, false, options);
  }

  @Test
  void isFoundThroughServiceLoaderForHttpUris() {
    BackendProvider provider =
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p instanceof MlflowBackendProvider)
            .findFirst()
            .orElseThrow();
    assertThat(provider.supportsTracking("http://localhost:5000")).isTrue();
    assertThat(provider.supportsTracking("HTTPS://mlflow.example.com")).isTrue();
    assertThat(provider.supportsTracking("file:./mlruns")).isFalse();
    assertThat(provider.supportsTracking("databricks")).isFalse();
    assertThat(provider.supportsOffline("http://x")).isFalse();
  }

  @Test
  void opensATrackerUsingTheConfiguredQueueDirectory() {
    try (Tracker t =
        new MlflowBackendProvider()
            .openTracker(
                "http://127.0.0.1:1",
                config(Map.of("tracking_queue_dir", dir.resolve("q").toString())))) {
      assertThat(t.describe()).startsWith("mlflow http://127.0.0.1:1");
    }
    assertThat(dir.resolve("q")).isDirectory();
  }

  @Test
  void badOptionsAndUrisAreRejectedByName() {
    assertThatThrownBy(
            () ->
                MlflowTracker.open(
                    "http://127.0.0.1:1",
                    config(
                        Map.of(
                            "tracking_queue_dir",
                            dir.toString(),
                            "tracking_retry_max_ms",
                            "soon"))))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("tracking_retry_max_ms")
        .hasMessageContaining("soon");
    assertThatThrownBy(() -> MlflowTracker.open("http://", config(Map.of())))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("tracking URI");
  }

  @Test
  void describeNeverShowsCredentials() {
    try (Tracker t =
        MlflowTracker.open(
            "http://alice:s3cret@127.0.0.1:1",
            config(Map.of("tracking_queue_dir", dir.toString())))) {
      assertThat(t.describe()).doesNotContain("s3cret").contains("127.0.0.1:1");
    }
  }

  @Test
  void anUnreachableServerMakesTrackingUnhealthyButCallsStillReturn() throws Exception {
    try (MlflowTracker t =
        MlflowTracker.open(
            "http://127.0.0.1:1", config(Map.of("tracking_queue_dir", dir.toString())))) {
      t.start(
          new Tracker.Listener() {
            @Override
            public void experimentCreated(String featureGroup, String experimentId) {}

            @Override
            public void runCreated(java.util.UUID featureId, String runId) {}
          });
      t.trackGroup(io.e2i.featurestore.FeatureGroup.builder("g").build());
      Thread.sleep(300);
      assertThat(t.isHealthy()).isFalse();
      assertThat(t.queued()).isEqualTo(1);
      assertThat(t.describe()).contains("unreachable");
    }
  }
}
