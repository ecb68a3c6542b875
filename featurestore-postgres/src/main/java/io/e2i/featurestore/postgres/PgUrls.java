package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * Turns the URLs people paste (Supabase's {@code postgresql://user:pass@host:6543/postgres}, or a
 * JDBC URL) into what pgjdbc takes: a JDBC URL without credentials plus user and password.
 *
 * <p>TLS settings come from the URL's parameters or from the options {@code sslmode}, {@code
 * sslrootcert}, {@code sslcert}, {@code sslkey} and {@code sslpassword} ({@code
 * FS_OPT_SSLMODE=...}), with libpq's meanings, so a libpq connection string behaves the same here:
 * {@code sslrootcert=system} trusts the JVM's CAs and checks the host name, and {@code
 * sslmode=require} with a {@code sslrootcert} checks the certificate against it ({@code
 * verify-ca}). libpq's {@code connect_timeout} and {@code application_name} become pgjdbc's {@code
 * connectTimeout} and {@code ApplicationName}; other parameters reach pgjdbc as they are.
 */
final class PgUrls {
  private PgUrls() {}

  /** The libpq TLS parameters that may also come from options; pgjdbc takes the same names. */
  static final List<String> SSL_PARAMETERS =
      List.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword");

  static final List<String> SSL_MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  /** pgjdbc's factory that checks certificates against the JVM's trusted CAs. */
  static final String JVM_TRUST_FACTORY = "org.postgresql.ssl.DefaultJavaSSLFactory";

  /** libpq parameter names pgjdbc spells differently (libpq-style URLs only). */
  private static final Map<String, String> LIBPQ_NAMES =
      Map.of("connect_timeout", "connectTimeout", "application_name", "ApplicationName");

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
      return new Target(withParameters(trimmed, options, false), null, null, threshold);
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
    return new Target(withParameters(jdbc.toString(), options, true), user, password, threshold);
  }

  /**
   * The URL with its parameters in pgjdbc's terms: TLS options merged in, libpq names translated
   * when the URL came in libpq form, and the TLS settings checked. An unchanged URL keeps its text.
   */
  private static String withParameters(String url, Map<String, String> options, boolean libpq) {
    int q = url.indexOf('?');
    Map<String, @Nullable String> given = rawParameters(q < 0 ? "" : url.substring(q + 1));
    Map<String, @Nullable String> raw = libpq ? pgjdbcNames(given) : new LinkedHashMap<>(given);
    mergeSslOptions(raw, options);
    tls(raw);
    if (raw.equals(given)) {
      return url;
    }
    StringJoiner query = new StringJoiner("&");
    raw.forEach((k, v) -> query.add(v == null ? k : k + "=" + v));
    String base = q < 0 ? url : url.substring(0, q);
    return raw.isEmpty() ? base : base + "?" + query;
  }

  /** The parameters in their order, libpq names that pgjdbc spells differently renamed. */
  private static Map<String, @Nullable String> pgjdbcNames(Map<String, @Nullable String> libpq) {
    Map<String, @Nullable String> renamed = new LinkedHashMap<>();
    libpq.forEach((k, v) -> renamed.putIfAbsent(LIBPQ_NAMES.getOrDefault(k, k), v));
    return renamed;
  }

  /**
   * Adds the TLS options to the URL's parameters. A URL parameter and an option that disagree are
   * an error rather than a silent choice of one of them.
   */
  private static void mergeSslOptions(
      Map<String, @Nullable String> raw, @Nullable Map<String, String> options) {
    for (String name : SSL_PARAMETERS) {
      String option = options == null ? null : options.get(name);
      if (option == null || option.isBlank()) {
        continue;
      }
      String inUrl = parameter(raw, name);
      if (inUrl != null && !inUrl.equals(option.trim())) {
        String values =
            name.equals("sslpassword") ? "" : ": '" + inUrl + "' and '" + option.trim() + "'";
        throw FeatureStoreException.invalid(
            name
                + " is set differently in the PostgreSQL URL and in option "
                + name
                + " (FS_OPT_"
                + name.toUpperCase(Locale.ROOT)
                + ")"
                + values
                + "; set it in one place");
      }
      raw.put(name, encode(option.trim()));
    }
  }

  /** Checks {@code sslmode} and gives libpq's TLS rules pgjdbc's spelling. */
  private static void tls(Map<String, @Nullable String> raw) {
    String mode = parameter(raw, "sslmode");
    if (mode != null && !SSL_MODES.contains(mode)) {
      throw FeatureStoreException.invalid(
          "sslmode '" + mode + "' is not one of " + String.join(", ", SSL_MODES));
    }
    String rootCert = parameter(raw, "sslrootcert");
    if ("system".equals(rootCert)) {
      // libpq 16: trust the system's CAs, and only with a host name check.
      if (mode != null && !mode.equals("verify-full")) {
        throw FeatureStoreException.invalid(
            "sslrootcert=system needs sslmode=verify-full (or no sslmode), got sslmode=" + mode);
      }
      raw.remove("sslrootcert");
      raw.put("sslmode", "verify-full");
      raw.putIfAbsent("sslfactory", encode(JVM_TRUST_FACTORY));
    } else if (rootCert != null && "require".equals(mode)) {
      // libpq checks the certificate when it has a root certificate; pgjdbc's require would not.
      raw.put("sslmode", "verify-ca");
    }
  }

  /** Name -> raw (still percent-encoded) value, in order; a parameter without '=' maps to null. */
  private static Map<String, @Nullable String> rawParameters(String query) {
    Map<String, @Nullable String> params = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      params.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? null : pair.substring(eq + 1));
    }
    return params;
  }

  /** A parameter's value as pgjdbc reads it (URLDecoder: '+' is a space). */
  private static @Nullable String parameter(Map<String, @Nullable String> raw, String name) {
    String v = raw.get(name);
    try {
      return v == null ? null : URLDecoder.decode(v, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw FeatureStoreException.invalid(
          "PostgreSQL URL parameter " + name + " has a malformed %-escape");
    }
  }

  /** Percent-encoded for a URL parameter; '/' stays, so file paths read as paths. */
  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
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
