package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.spi.BackendProvider;
import io.e2i.featurestore.spi.OnlineCache;
import java.util.Locale;

/**
 * Serves {@code redis://} and {@code rediss://} (TLS) online-cache URLs, and Redis Cluster as
 * {@code redis-cluster://h1:p1,h2:p2} ({@code rediss-cluster://} with TLS).
 */
public final class RedisBackendProvider implements BackendProvider {

  @Override
  public boolean supportsOnline(String url) {
    String lower = url == null ? "" : url.toLowerCase(Locale.ROOT);
    return lower.startsWith("redis://")
        || lower.startsWith("rediss://")
        || RedisSettings.isCluster(lower);
  }

  @Override
  public OnlineCache openOnline(String url, FeatureStoreConfig config) {
    return RedisOnlineCache.open(url, config);
  }
}
