package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns the URLs people paste (Supabase's {@code postgresql://user:pass@host:6543/postgres}, or a
 * JDBC URL) into what pgjdbc takes: a JDBC URL without credentials plus user and password.
 */
final class PgUrls {
  private PgUrls() {}

  /** Where to connect. {@code password} is never logged; {@link #toString} redacts it. */
  record Target(
      String jdbcUrl,
      @Nullable String user,
      @Nullable String password,
      @Nullable Integer prepareThreshold) {
    @Override
    public String toString() {
      return FeatureStoreConfig.redact(jdbcUrl) + (user == null ? "" : " as " + user);
    }
  }

  static boolean supports(String url) {
    if (url == null) {
      return false;
    }
    String u = url.trim().toLowerCase(Locale.ROOT);
    return u.startsWith("postgresql://")
        || u.startsWith("postgres://")
        || u.startsWith("jdbc:postgresql:");
  }

  static Target parse(String url, Map<String, String> options) {
    if (!supports(url)) {
      throw FeatureStoreException.invalid(
          "not a PostgreSQL URL: '"
              + FeatureStoreConfig.redact(url)
              + "'; expected postgresql://user:password@host:port/db or jdbc:postgresql://...");
    }
    String trimmed = url.trim();
    Integer threshold = prepareThreshold(trimmed, options);
    if (trimmed.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return new Target(trimmed, null, null, threshold);
    }
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw FeatureStoreException.invalid(
          "malformed PostgreSQL URL '"
              + FeatureStoreConfig.redact(trimmed)
              + "' (a password with special characters must be percent-encoded)");
    }
    if (uri.getHost() == null) {
      throw FeatureStoreException.invalid(
          "PostgreSQL URL '" + FeatureStoreConfig.redact(trimmed) + "' names no host");
    }
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(hostPart(uri));
    if (uri.getPort() > 0) {
      jdbc.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    jdbc.append(path == null || path.isEmpty() ? "/postgres" : path);
    if (uri.getRawQuery() != null) {
      jdbc.append('?').append(uri.getRawQuery());
    }
    return new Target(jdbc.toString(), user, password, threshold);
  }

  private static String hostPart(URI uri) {
    String host = uri.getHost();
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /**
   * Supabase's transaction-mode pooler (and PgBouncer in general) cannot keep server-side prepared
   * statements between transactions: option {@code prepare_threshold}, URL parameter {@code
   * prepareThreshold} or {@code pgbouncer=true} turn them off (0).
   */
  private static @Nullable Integer prepareThreshold(String url, Map<String, String> options) {
    String option = options == null ? null : options.get("prepare_threshold");
    if (option != null && !option.isBlank()) {
      try {
        return Integer.parseInt(option.trim());
      } catch (NumberFormatException e) {
        throw FeatureStoreException.invalid(
            "option prepare_threshold must be a whole number, got '" + option + "'");
      }
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.contains("pgbouncer=true") && !lower.contains("preparethreshold=")) {
      return 0;
    }
    return null; // pgjdbc reads prepareThreshold from the URL itself
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
