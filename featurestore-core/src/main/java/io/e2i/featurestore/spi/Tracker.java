package io.e2i.featurestore.spi;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStatistics;
import java.time.Duration;
import java.util.UUID;

/**
 * Experiment tracking of feature definitions and statistics (MLflow). Calls must not block on the
 * tracking server nor fail the registry write that caused them: an implementation queues durably
 * and reports the ids it obtains through the {@link Listener}.
 */
public interface Tracker extends AutoCloseable {

  /** Receives the tracking ids to store on groups and features. */
  interface Listener {
    void experimentCreated(String featureGroup, String experimentId);

    void runCreated(UUID featureId, String runId);
  }

  /** Called once before any other method. */
  void start(Listener listener);

  void trackGroup(FeatureGroup group);

  void trackFeature(FeatureGroup group, Feature feature);

  void trackStatistics(
      FeatureGroup group, Feature feature, io.e2i.featurestore.FeatureStatistics stats);

  /**
   * Data-quality facts on the feature's run: tags (e.g. its constraints after a change, the drift
   * status) and metrics (e.g. the drift monitor's PSI) stamped {@code at}. None by default.
   */
  default void trackQuality(
      FeatureGroup group,
      Feature feature,
      java.util.Map<String, String> tags,
      java.util.Map<String, Double> metrics,
      java.time.Instant at) {}

  boolean isHealthy();

  /**
   * Waits up to {@code timeout} for every queued call to reach the tracking server: a short-lived
   * process (a CLI command) calls it before it closes the store, so its tracking does not wait for
   * a later process. Never throws; what is still queued stays queued for the next process.
   *
   * @return how many calls are still queued: 0 when all arrived, and always for a tracker that does
   *     not queue
   */
  default int drain(Duration timeout) {
    return 0;
  }

  String describe();

  @Override
  void close();

  /** No tracking at all: the embedded default. */
  Tracker NONE =
      new Tracker() {
        @Override
        public void start(Listener listener) {}

        @Override
        public void trackGroup(FeatureGroup group) {}

        @Override
        public void trackFeature(FeatureGroup group, Feature feature) {}

        @Override
        public void trackStatistics(FeatureGroup group, Feature feature, FeatureStatistics stats) {}

        @Override
        public boolean isHealthy() {
          return true;
        }

        @Override
        public String describe() {
          return "none";
        }

        @Override
        public void close() {}
      };
}
