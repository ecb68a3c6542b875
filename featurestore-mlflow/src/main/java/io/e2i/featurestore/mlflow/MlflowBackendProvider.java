package io.e2i.featurestore.mlflow;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.spi.BackendProvider;
import io.e2i.featurestore.spi.Tracker;
import java.util.Locale;

/** Serves {@code http://} and {@code https://} tracking URIs with an {@link MlflowTracker}. */
public final class MlflowBackendProvider implements BackendProvider {

  @Override
  public boolean supportsTracking(String uri) {
    if (uri == null) {
      return false;
    }
    String u = uri.trim().toLowerCase(Locale.ROOT);
    return u.startsWith("http://") || u.startsWith("https://");
  }

  @Override
  public Tracker openTracker(String uri, FeatureStoreConfig config) {
    return MlflowTracker.open(uri, config);
  }
}
