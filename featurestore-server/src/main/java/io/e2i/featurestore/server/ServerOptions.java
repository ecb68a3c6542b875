package io.e2i.featurestore.server;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How the feature server listens and what it accepts.
 *
 * @param host address to bind, e.g. {@code 127.0.0.1} (the default) or {@code 0.0.0.0}
 * @param port TCP port; 0 picks a free one (see {@link FeatureServer#port()})
 * @param maxBodyBytes largest body of an ordinary JSON request; larger ones get 413
 * @param maxBatchBodyBytes largest body of {@code POST /api/v1/feature-values/batch}, which is
 *     parsed as a stream
 * @param maxBatchValues most values one batch request may carry; more get 413
 * @param shutdownTimeout how long {@link FeatureServer#stop()} waits for in-flight requests
 * @param sqlSpines whether {@code POST /api/v1/training-data} accepts a SQL spine. Off by default:
 *     the query runs on the offline store with the server's credentials (read-only on PostgreSQL,
 *     but DuckDB's SQL can read files), so a caller could read what the server can
 * @param spineDir the folder whose CSV/Parquet files may serve as spines over HTTP; null (the
 *     default) refuses file spines, so callers cannot make the server read arbitrary paths
 * @param inlineReads whether online reads run in the I/O thread that received them (plain HTTP
 *     only): less CPU per read. Such a read answers from memory only and writes without blocking; a
 *     read that needs I/O (a cache miss, an as-of read, a remote cache without a near copy) goes to
 *     a pool thread, as every other request; see {@link InlineReads}. On by default
 */
public record ServerOptions(
    String host,
    int port,
    long maxBodyBytes,
    long maxBatchBodyBytes,
    int maxBatchValues,
    Duration shutdownTimeout,
    boolean sqlSpines,
    @Nullable Path spineDir,
    boolean inlineReads) {

  public static final long DEFAULT_MAX_BODY_BYTES = 1L << 20;
  public static final long DEFAULT_MAX_BATCH_BODY_BYTES = 256L << 20;
  public static final int DEFAULT_MAX_BATCH_VALUES = 2_000_000;
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  public ServerOptions {
    host = host == null || host.isBlank() ? "127.0.0.1" : host;
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (maxBodyBytes <= 0 || maxBatchBodyBytes <= 0 || maxBatchValues <= 0) {
      throw new IllegalArgumentException("body and batch limits must be positive");
    }
    shutdownTimeout = shutdownTimeout == null ? DEFAULT_SHUTDOWN_TIMEOUT : shutdownTimeout;
    spineDir = spineDir == null ? null : spineDir.toAbsolutePath().normalize();
  }

  /**
   * Listens on the loopback interface at {@code port} with the default limits; {@link #withHost}
   * for another address (which needs API keys, or {@link SecurityOptions#insecure()}).
   */
  public static ServerOptions defaults(int port) {
    return new ServerOptions(
        "127.0.0.1",
        port,
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_MAX_BATCH_BODY_BYTES,
        DEFAULT_MAX_BATCH_VALUES,
        DEFAULT_SHUTDOWN_TIMEOUT,
        false,
        null,
        true);
  }

  public ServerOptions withHost(String newHost) {
    return new ServerOptions(
        newHost,
        port,
        maxBodyBytes,
        maxBatchBodyBytes,
        maxBatchValues,
        shutdownTimeout,
        sqlSpines,
        spineDir,
        inlineReads);
  }

  public ServerOptions withMaxBodyBytes(long bytes) {
    return new ServerOptions(
        host,
        port,
        bytes,
        maxBatchBodyBytes,
        maxBatchValues,
        shutdownTimeout,
        sqlSpines,
        spineDir,
        inlineReads);
  }

  public ServerOptions withMaxBatchBodyBytes(long bytes) {
    return new ServerOptions(
        host,
        port,
        maxBodyBytes,
        bytes,
        maxBatchValues,
        shutdownTimeout,
        sqlSpines,
        spineDir,
        inlineReads);
  }

  public ServerOptions withMaxBatchValues(int values) {
    return new ServerOptions(
        host,
        port,
        maxBodyBytes,
        maxBatchBodyBytes,
        values,
        shutdownTimeout,
        sqlSpines,
        spineDir,
        inlineReads);
  }

  public ServerOptions withShutdownTimeout(Duration timeout) {
    return new ServerOptions(
        host,
        port,
        maxBodyBytes,
        maxBatchBodyBytes,
        maxBatchValues,
        timeout,
        sqlSpines,
        spineDir,
        inlineReads);
  }

  /** Accepts SQL spines over HTTP (see {@link #sqlSpines()}). */
  public ServerOptions withSqlSpines(boolean enabled) {
    return new ServerOptions(
        host,
        port,
        maxBodyBytes,
        maxBatchBodyBytes,
        maxBatchValues,
        shutdownTimeout,
        enabled,
        spineDir,
        inlineReads);
  }

  /** Accepts file spines over HTTP from this folder only (null: none). */
  public ServerOptions withSpineDir(@Nullable Path dir) {
    return new ServerOptions(
        host,
        port,
        maxBodyBytes,
        maxBatchBodyBytes,
        maxBatchValues,
        shutdownTimeout,
        sqlSpines,
        dir,
        inlineReads);
  }

  /** Runs online reads in the I/O thread that received them (see {@link #inlineReads()}). */
  public ServerOptions withInlineReads(boolean enabled) {
    return new ServerOptions(
        host,
        port,
        maxBodyBytes,
        maxBatchBodyBytes,
        maxBatchValues,
        shutdownTimeout,
        sqlSpines,
        spineDir,
        enabled);
  }
}
