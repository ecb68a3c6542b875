package io.e2i.featurestore.redis;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 *   <li>{@code redis_wait_replicas} (1 with Redis Cluster, 0 standalone): how many replicas must
 *       have every invalidation (WAIT) before a write returns; one that falls short counts as a
 *       lost invalidation (the cache goes cold once), so a promoted replica never serves an entry
 *       an acknowledged write deleted
 * </ul>
 *
 * <p>Redis Cluster: {@code redis-cluster://[:password@]host1:port1,host2:port2,...} (TLS: {@code
 * rediss-cluster://}); the nodes are seeds, the client discovers the rest.
 *
 * <p>The password ({@code redis://:password@host} or {@code redis://user:password@host}, Redis 6
 * ACLs) is sent with AUTH on every new connection and never appears in logs or health output.
 */
record RedisSettings(
    RedisURI uri,
    List<RedisURI> clusterNodes,
    int waitReplicas,
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
    List<RedisURI> clusterNodes = isCluster(url) ? clusterNodes(url) : List.of();
    RedisURI uri = clusterNodes.isEmpty() ? parse(url, url) : clusterNodes.get(0);
    Map<String, String> options = config.options();
    Duration timeout = millis(options, "redis_timeout_ms", 100);
    uri.setTimeout(timeout);
    // A cluster client connects to nodes lazily, bounded by the URI's timeout: give the handshake
    // the connect timeout, commands keep the command timeout (set on the connection).
    Duration connectTimeout = millis(options, "redis_connect_timeout_ms", 1000);
    clusterNodes.forEach(node -> node.setTimeout(connectTimeout));
    long waitReplicas = nonNegative(options, "redis_wait_replicas", clusterNodes.isEmpty() ? 0 : 1);
    return new RedisSettings(
        uri,
        clusterNodes,
        (int) Math.min(waitReplicas, 16),
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

  static boolean isCluster(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    return lower.startsWith("redis-cluster://") || lower.startsWith("rediss-cluster://");
  }

  /**
   * {@code redis-cluster://[user:pass@]h1:p1,h2:p2[?query]} as one {@code redis://} URI per node.
   */
  private static List<RedisURI> clusterNodes(String url) {
    int schemeEnd = url.indexOf("://");
    String scheme =
        url.substring(0, schemeEnd).toLowerCase(Locale.ROOT).startsWith("rediss")
            ? "rediss://"
            : "redis://";
    String rest = url.substring(schemeEnd + 3);
    int at = rest.lastIndexOf('@');
    String userInfo = at < 0 ? "" : rest.substring(0, at + 1);
    rest = rest.substring(at + 1);
    int q = rest.indexOf('?');
    String query = q < 0 ? "" : rest.substring(q);
    String hosts = q < 0 ? rest : rest.substring(0, q);
    if (hosts.contains("/")) {
      throw FeatureStoreException.invalid(
          "invalid Redis Cluster URL '"
              + FeatureStoreConfig.redact(url)
              + "': a cluster has no database number; give host:port,host:port,...");
    }
    List<RedisURI> nodes = new ArrayList<>();
    for (String host : hosts.split(",", -1)) {
      if (host.isBlank()) {
        throw FeatureStoreException.invalid(
            "invalid Redis Cluster URL '"
                + FeatureStoreConfig.redact(url)
                + "': an empty host in the node list");
      }
      nodes.add(parse(scheme + userInfo + host.trim() + query, url));
    }
    return List.copyOf(nodes);
  }

  private static RedisURI parse(String uri, String url) {
    try {
      return RedisURI.create(uri);
    } catch (RuntimeException e) {
      throw FeatureStoreException.invalid(
          "invalid Redis URL '" + FeatureStoreConfig.redact(url) + "': " + e.getMessage());
    }
  }

  boolean cluster() {
    return !clusterNodes.isEmpty();
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

  private static long nonNegative(Map<String, String> options, String name, long fallback) {
    String raw = options.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw.trim());
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw FeatureStoreException.invalid(
        "option " + name + " must be a whole number of at least 0, got '" + raw + "'");
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
