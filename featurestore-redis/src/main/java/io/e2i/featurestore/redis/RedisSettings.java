package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the Redis cache needs from the configuration: the URL plus a few {@code options}:
 *
 * <ul>
 *   <li>{@code redis_timeout_ms} (100): every command's bound; past it the call fails and the core
 *       serves from the offline store
 *   <li>{@code redis_probe_interval_ms} (250): how often an open circuit tries Redis again
 *   <li>{@code redis_connect_timeout_ms} (1000): bound of one connection attempt (background)
 *   <li>{@code near_cache_max_entries} (100000): size of the in-process near cache
 *   <li>{@code near_cache_max_stale_ms} (20): the near-cache lease: an instance serves near copies
 *       only while a PING it sent at most this long ago has come back, and a write waits this long
 *       after its invalidation, so no instance serves an older value once a write is acknowledged
 *   <li>{@code redis_tls_ca_file} (none): with {@code rediss://}, a PEM file of the certificates to
 *       trust instead of the JVM's default trust store (a private CA, a self-signed server)
 * </ul>
 *
 * <p>The password ({@code redis://:password@host} or {@code redis://user:password@host}, Redis 6
 * ACLs) is sent with AUTH on every new connection and never appears in logs or health output.
 */
record RedisSettings(
    RedisURI uri,
    String displayUrl,
    Duration timeout,
    Duration probeInterval,
    Duration connectTimeout,
    Duration ttl,
    boolean nearCache,
    long nearMaxEntries,
    Duration nearMaxStale,
    @Nullable Path tlsCaFile) {

  static RedisSettings of(String url, FeatureStoreConfig config) {
    RedisURI uri;
    try {
      uri = RedisURI.create(url);
    } catch (RuntimeException e) {
      throw FeatureStoreException.invalid(
          "invalid Redis URL '" + FeatureStoreConfig.redact(url) + "': " + e.getMessage());
    }
    Map<String, String> options = config.options();
    Duration timeout = millis(options, "redis_timeout_ms", 100);
    uri.setTimeout(timeout);
    return new RedisSettings(
        uri,
        Objects.requireNonNull(FeatureStoreConfig.redact(url), "redacted URL"),
        timeout,
        millis(options, "redis_probe_interval_ms", 250),
        millis(options, "redis_connect_timeout_ms", 1000),
        config.cacheTtl(),
        config.nearCache(),
        positive(options, "near_cache_max_entries", 100_000),
        millis(options, "near_cache_max_stale_ms", 20),
        tlsCaFile(options, uri));
  }

  private static @Nullable Path tlsCaFile(Map<String, String> options, RedisURI uri) {
    String raw = options.get("redis_tls_ca_file");
    if (raw == null || raw.isBlank()) {
      return null;
    }
    Path file = Path.of(raw.trim());
    if (!uri.isSsl()) {
      throw FeatureStoreException.invalid(
          "option redis_tls_ca_file needs a rediss:// URL (TLS), got " + uri.getHost());
    }
    if (!Files.isReadable(file)) {
      throw FeatureStoreException.invalid("redis_tls_ca_file " + file + " is not a readable file");
    }
    return file;
  }

  /** TTL in whole seconds as Redis takes it, at least one. */
  long ttlSeconds() {
    return Math.max(1, ttl.toSeconds());
  }

  private static Duration millis(Map<String, String> options, String name, long fallback) {
    return Duration.ofMillis(positive(options, name, fallback));
  }

  private static long positive(Map<String, String> options, String name, long fallback) {
    String raw = options.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw.trim());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw FeatureStoreException.invalid(
        "option " + name + " must be a positive whole number, got '" + raw + "'");
  }
}
