package io.e2i.featurestore;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the feature store keeps its data. Read from the environment ({@code FS_*}) or built in
 * code; the server also reads it from YAML. Secrets inside URLs never appear in {@link
 * #toString()}.
 *
 * @param offlineUrl {@code embedded:./data} (default), or a {@code postgresql://} or {@code
 *     jdbc:postgresql:} URL
 * @param onlineUrl {@code memory} (default), {@code none}, or a {@code redis://} URL
 * @param trackingUri null or {@code none} for no tracking, or an MLflow {@code http://} URL
 * @param cacheTtl how long an online read stays cached
 * @param nearCache whether a remote online cache gets an in-process near cache in front
 * @param options backend-specific settings (e.g. {@code prepare_threshold}), from {@code FS_OPT_*}
 */
public record FeatureStoreConfig(
    String offlineUrl,
    String onlineUrl,
    @Nullable String trackingUri,
    Duration cacheTtl,
    boolean nearCache,
    Map<String, String> options) {

  public static final String DEFAULT_OFFLINE_URL = "embedded:./data";
  public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(3600);

  public FeatureStoreConfig {
    // Null checks stay for callers outside null-checked code (Java users, tests).
    offlineUrl =
        offlineUrl == null || offlineUrl.isBlank() ? DEFAULT_OFFLINE_URL : offlineUrl.trim();
    onlineUrl = onlineUrl == null || onlineUrl.isBlank() ? "memory" : onlineUrl.trim();
    trackingUri = blankToNull(trackingUri);
    if (trackingUri != null && trackingUri.equalsIgnoreCase("none")) {
      trackingUri = null;
    }
    cacheTtl = Objects.requireNonNullElse(cacheTtl, DEFAULT_CACHE_TTL);
    if (cacheTtl.isNegative() || cacheTtl.isZero()) {
      throw FeatureStoreException.invalid("cache TTL must be positive, got " + cacheTtl);
    }
    options = Map.copyOf(options == null ? Map.of() : options);
  }

  /** The embedded default: DuckDB under {@code dataDir}, in-process cache, no tracking. */
  public static FeatureStoreConfig embedded(String dataDir) {
    return new FeatureStoreConfig(
        "embedded:" + dataDir, "memory", null, DEFAULT_CACHE_TTL, false, Map.of());
  }

  public static FeatureStoreConfig defaults() {
    return fromEnvironment(Map.of());
  }

  /**
   * Reads {@code FS_OFFLINE_URL}, {@code FS_ONLINE_URL}, {@code FS_TRACKING_URI}, {@code
   * FS_CACHE_TTL_SECONDS}, {@code FS_NEAR_CACHE}, {@code FS_OPENLINEAGE_URL}, {@code
   * FS_OFFLINE_READ_URL} and {@code FS_OPT_<NAME>} options.
   */
  public static FeatureStoreConfig fromEnvironment(Map<String, String> env) {
    Map<String, String> options = new HashMap<>();
    env.forEach(
        (k, v) -> {
          if (k.startsWith("FS_OPT_")) {
            options.put(k.substring("FS_OPT_".length()).toLowerCase(java.util.Locale.ROOT), v);
          }
        });
    // Where lineage events go: an option like any other, named by its own variable.
    if (env.get("FS_OPENLINEAGE_URL") != null) {
      options.put("openlineage_url", env.get("FS_OPENLINEAGE_URL"));
    }
    // A PostgreSQL read replica for history, training data and statistics (issue 15).
    if (env.get("FS_OFFLINE_READ_URL") != null) {
      options.put("offline_read_url", env.get("FS_OFFLINE_READ_URL"));
    }
    return new FeatureStoreConfig(
        env.getOrDefault("FS_OFFLINE_URL", ""),
        env.getOrDefault("FS_ONLINE_URL", ""),
        env.get("FS_TRACKING_URI"),
        parseTtl(env.get("FS_CACHE_TTL_SECONDS")),
        Boolean.parseBoolean(env.getOrDefault("FS_NEAR_CACHE", "false")),
        options);
  }

  public FeatureStoreConfig withOfflineUrl(String url) {
    return new FeatureStoreConfig(url, onlineUrl, trackingUri, cacheTtl, nearCache, options);
  }

  public FeatureStoreConfig withOnlineUrl(String url) {
    return new FeatureStoreConfig(offlineUrl, url, trackingUri, cacheTtl, nearCache, options);
  }

  public FeatureStoreConfig withTrackingUri(@Nullable String uri) {
    return new FeatureStoreConfig(offlineUrl, onlineUrl, uri, cacheTtl, nearCache, options);
  }

  public FeatureStoreConfig withCacheTtl(Duration ttl) {
    return new FeatureStoreConfig(offlineUrl, onlineUrl, trackingUri, ttl, nearCache, options);
  }

  public FeatureStoreConfig withNearCache(boolean enabled) {
    return new FeatureStoreConfig(offlineUrl, onlineUrl, trackingUri, cacheTtl, enabled, options);
  }

  private static Duration parseTtl(@Nullable String seconds) {
    if (seconds == null || seconds.isBlank()) {
      return DEFAULT_CACHE_TTL;
    }
    try {
      return Duration.ofSeconds(Long.parseLong(seconds.trim()));
    } catch (NumberFormatException e) {
      throw FeatureStoreException.invalid(
          "FS_CACHE_TTL_SECONDS must be a whole number of seconds, got '" + seconds + "'");
    }
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** Removes a password from {@code scheme://user:password@host} and from {@code password=}. */
  public static @Nullable String redact(@Nullable String url) {
    if (url == null) {
      return null;
    }
    return url.replaceAll("(//[^:/@]*):[^@/]*@", "$1:***@")
        .replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  @Override
  public String toString() {
    return "FeatureStoreConfig[offline="
        + redact(offlineUrl)
        + ", online="
        + redact(onlineUrl)
        + ", tracking="
        + redact(trackingUri)
        + ", cacheTtl="
        + cacheTtl
        + ", nearCache="
        + nearCache
        + "]";
  }
}
