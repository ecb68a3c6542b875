package io.e2i.featurestore.spi;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStatistics;
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

  boolean isHealthy();

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
