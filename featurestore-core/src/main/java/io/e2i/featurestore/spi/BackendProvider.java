package io.e2i.featurestore.spi;

import io.e2i.featurestore.FeatureStoreConfig;

/**
 * Opens backends for configuration URLs. Backend modules register one with {@link
 * java.util.ServiceLoader}; {@code FeatureStores.open} asks each in turn.
 */
public interface BackendProvider {

  /** A registry and offline store kept together in one database. */
  record OfflineBackend(Registry registry, OfflineStore store) {}

  default boolean supportsOffline(String url) {
    return false;
  }

  default OfflineBackend openOffline(String url, FeatureStoreConfig config) {
    throw new UnsupportedOperationException(url);
  }

  default boolean supportsOnline(String url) {
    return false;
  }

  default OnlineCache openOnline(String url, FeatureStoreConfig config) {
    throw new UnsupportedOperationException(url);
  }

  default boolean supportsTracking(String uri) {
    return false;
  }

  default Tracker openTracker(String uri, FeatureStoreConfig config) {
    throw new UnsupportedOperationException(uri);
  }

  default boolean supportsLineage(String url) {
    return false;
  }

  /** Opens the sender of lineage run events (OpenLineage) to an http(s) or file URL. */
  default LineageEvents openLineage(String url, FeatureStoreConfig config) {
    throw new UnsupportedOperationException(url);
  }
}
