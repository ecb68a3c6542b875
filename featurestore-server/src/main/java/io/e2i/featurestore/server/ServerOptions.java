package io.e2i.featurestore.server;

import java.time.Duration;

/**
 * How the feature server listens and what it accepts.
 *
 * @param host address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1}
 * @param port TCP port; 0 picks a free one (see {@link FeatureServer#port()})
 * @param maxBodyBytes largest body of an ordinary JSON request; larger ones get 413
 * @param maxBatchBodyBytes largest body of {@code POST /api/v1/feature-values/batch}, which is
 *     parsed as a stream
 * @param maxBatchValues most values one batch request may carry; more get 413
 * @param shutdownTimeout how long {@link FeatureServer#stop()} waits for in-flight requests
 */
public record ServerOptions(
    String host,
    int port,
    long maxBodyBytes,
    long maxBatchBodyBytes,
    int maxBatchValues,
    Duration shutdownTimeout) {

  public static final long DEFAULT_MAX_BODY_BYTES = 1L << 20;
  public static final long DEFAULT_MAX_BATCH_BODY_BYTES = 256L << 20;
  public static final int DEFAULT_MAX_BATCH_VALUES = 2_000_000;
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  public ServerOptions {
    host = host == null || host.isBlank() ? "0.0.0.0" : host;
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (maxBodyBytes <= 0 || maxBatchBodyBytes <= 0 || maxBatchValues <= 0) {
      throw new IllegalArgumentException("body and batch limits must be positive");
    }
    shutdownTimeout = shutdownTimeout == null ? DEFAULT_SHUTDOWN_TIMEOUT : shutdownTimeout;
  }

  /** Listens on every interface at {@code port} with the default limits. */
  public static ServerOptions defaults(int port) {
    return new ServerOptions(
        "0.0.0.0",
        port,
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_MAX_BATCH_BODY_BYTES,
        DEFAULT_MAX_BATCH_VALUES,
        DEFAULT_SHUTDOWN_TIMEOUT);
  }

  public ServerOptions withHost(String newHost) {
    return new ServerOptions(
        newHost, port, maxBodyBytes, maxBatchBodyBytes, maxBatchValues, shutdownTimeout);
  }

  public ServerOptions withMaxBodyBytes(long bytes) {
    return new ServerOptions(host, port, bytes, maxBatchBodyBytes, maxBatchValues, shutdownTimeout);
  }

  public ServerOptions withMaxBatchBodyBytes(long bytes) {
    return new ServerOptions(host, port, maxBodyBytes, bytes, maxBatchValues, shutdownTimeout);
  }

  public ServerOptions withMaxBatchValues(int values) {
    return new ServerOptions(host, port, maxBodyBytes, maxBatchBodyBytes, values, shutdownTimeout);
  }

  public ServerOptions withShutdownTimeout(Duration timeout) {
    return new ServerOptions(host, port, maxBodyBytes, maxBatchBodyBytes, maxBatchValues, timeout);
  }
}
