package io.e2i.featurestore.server;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Authentication, binding and TLS.
 *
 * <p>API keys live in the store's registry ({@code featurestore keys create}). As soon as one
 * exists, every endpoint but {@code /health}, {@code /metrics} and {@code /openapi.json} needs
 * {@code Authorization: Bearer <key>}; a server without keys serves everyone as the local user, so
 * it binds only a loopback address unless {@code insecure} says otherwise.
 *
 * @param insecure allow binding a non-loopback address while no key exists (no authentication)
 * @param keyedMonitoring {@code /health} and {@code /metrics} need a key too (any valid key)
 * @param tlsCertificate PEM certificate chain (server first); with {@code tlsKey}, serve HTTPS only
 * @param tlsKey PEM private key (PKCS#8 {@code BEGIN PRIVATE KEY}, or PKCS#1 {@code BEGIN RSA
 *     PRIVATE KEY}), unencrypted
 * @param keyRefresh how often keys are reloaded from the registry: a revocation takes effect on
 *     every instance within this time (plus one registry query)
 * @param useFlush how often key use (counts, last-used time) is written to the registry
 */
public record SecurityOptions(
    boolean insecure,
    boolean keyedMonitoring,
    @Nullable Path tlsCertificate,
    @Nullable Path tlsKey,
    Duration keyRefresh,
    Duration useFlush) {

  public static final Duration DEFAULT_KEY_REFRESH = Duration.ofMillis(500);
  public static final Duration DEFAULT_USE_FLUSH = Duration.ofSeconds(30);

  public SecurityOptions {
    if ((tlsCertificate == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "TLS needs both a certificate and a key file (--tls-cert and --tls-key)");
    }
    keyRefresh = keyRefresh == null ? DEFAULT_KEY_REFRESH : keyRefresh;
    useFlush = useFlush == null ? DEFAULT_USE_FLUSH : useFlush;
    if (keyRefresh.isNegative()
        || keyRefresh.isZero()
        || useFlush.isNegative()
        || useFlush.isZero()) {
      throw new IllegalArgumentException("key refresh and use flush intervals must be positive");
    }
  }

  /** Keys when the registry has any, loopback only without; plain HTTP. */
  public static SecurityOptions defaults() {
    return new SecurityOptions(false, false, null, null, DEFAULT_KEY_REFRESH, DEFAULT_USE_FLUSH);
  }

  public SecurityOptions withInsecure(boolean allow) {
    return new SecurityOptions(
        allow, keyedMonitoring, tlsCertificate, tlsKey, keyRefresh, useFlush);
  }

  public SecurityOptions withKeyedMonitoring(boolean keyed) {
    return new SecurityOptions(insecure, keyed, tlsCertificate, tlsKey, keyRefresh, useFlush);
  }

  public SecurityOptions withTls(@Nullable Path certificate, @Nullable Path key) {
    return new SecurityOptions(insecure, keyedMonitoring, certificate, key, keyRefresh, useFlush);
  }

  public SecurityOptions withKeyRefresh(Duration every) {
    return new SecurityOptions(insecure, keyedMonitoring, tlsCertificate, tlsKey, every, useFlush);
  }

  public SecurityOptions withUseFlush(Duration every) {
    return new SecurityOptions(
        insecure, keyedMonitoring, tlsCertificate, tlsKey, keyRefresh, every);
  }

  public boolean tls() {
    return tlsCertificate != null;
  }

  /** Whether {@code host} names this machine only (127.0.0.0/8, ::1, localhost). */
  public static boolean isLoopback(String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    try {
      return java.net.InetAddress.getByName(h).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
