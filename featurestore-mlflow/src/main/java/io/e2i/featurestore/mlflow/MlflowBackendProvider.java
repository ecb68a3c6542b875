package io.e2i.featurestore.mlflow;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.spi.BackendProvider;
import io.e2i.featurestore.spi.LineageEvents;
import io.e2i.featurestore.spi.Tracker;
import java.util.Locale;

/**
 * Serves {@code http://} and {@code https://} tracking URIs with an {@link MlflowTracker}, and
 * lineage URLs with {@link OpenLineageEvents}.
 */
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

  /** Lineage events: http(s):// (an OpenLineage endpoint such as Marquez) or file: (JSON lines). */
  @Override
  public boolean supportsLineage(String url) {
    return OpenLineageEvents.supports(url);
  }

  @Override
  public LineageEvents openLineage(String url, FeatureStoreConfig config) {
    return OpenLineageEvents.open(url, config.options());
  }
}
