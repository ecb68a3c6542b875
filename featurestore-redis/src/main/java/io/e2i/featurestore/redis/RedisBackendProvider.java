package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.spi.BackendProvider;
import io.e2i.featurestore.spi.OnlineCache;
import java.util.Locale;

/** Serves {@code redis://} and {@code rediss://} (TLS) online-cache URLs. */
public final class RedisBackendProvider implements BackendProvider {

  @Override
  public boolean supportsOnline(String url) {
    String lower = url == null ? "" : url.toLowerCase(Locale.ROOT);
    return lower.startsWith("redis://") || lower.startsWith("rediss://");
  }

  @Override
  public OnlineCache openOnline(String url, FeatureStoreConfig config) {
    return RedisOnlineCache.open(url, config);
  }
}
