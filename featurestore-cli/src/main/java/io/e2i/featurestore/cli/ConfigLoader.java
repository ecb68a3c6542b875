package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The one place configuration is assembled: a YAML file ({@code --config}, or {@code FS_CONFIG}),
 * overridden by {@code FS_*} environment variables, overridden by command-line flags. Anything
 * unset falls back to {@link FeatureStoreConfig}'s defaults: {@code embedded:./data}, an in-process
 * cache, no tracking.
 */
final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> KEYS =
      Set.of(
          "offline_url",
          "online_url",
          "tracking_uri",
          "cache_ttl_seconds",
          "near_cache",
          "options");

  private ConfigLoader() {}

  /** Flag values; null means "not given". */
  record Overrides(
      @Nullable String offlineUrl,
      @Nullable String onlineUrl,
      @Nullable String trackingUri,
      @Nullable Long cacheTtlSeconds,
      @Nullable Boolean nearCache,
      Map<String, String> options) {
    static Overrides none() {
      return new Overrides(null, null, null, null, null, Map.of());
    }
  }

  static FeatureStoreConfig load(@Nullable Path file, Map<String, String> env, Overrides flags) {
    Map<String, String> values = new HashMap<>();
    Map<String, String> options = new LinkedHashMap<>();
    Path configFile = file;
    String envFile = env.get("FS_CONFIG");
    if (configFile == null && envFile != null && notBlank(envFile)) {
      configFile = Path.of(envFile);
    }
    if (configFile != null) {
      readFile(configFile, values, options);
    }
    putIfSet(values, "offline_url", env.get("FS_OFFLINE_URL"));
    putIfSet(values, "online_url", env.get("FS_ONLINE_URL"));
    putIfSet(values, "tracking_uri", env.get("FS_TRACKING_URI"));
    putIfSet(values, "cache_ttl_seconds", env.get("FS_CACHE_TTL_SECONDS"));
    putIfSet(values, "near_cache", env.get("FS_NEAR_CACHE"));
    env.forEach(
        (k, v) -> {
          if (k.startsWith("FS_OPT_")) {
            options.put(k.substring("FS_OPT_".length()).toLowerCase(Locale.ROOT), v);
          }
        });
    putIfSet(values, "offline_url", flags.offlineUrl());
    putIfSet(values, "online_url", flags.onlineUrl());
    putIfSet(values, "tracking_uri", flags.trackingUri());
    Long cacheTtlSeconds = flags.cacheTtlSeconds();
    if (cacheTtlSeconds != null) {
      values.put("cache_ttl_seconds", cacheTtlSeconds.toString());
    }
    Boolean nearCache = flags.nearCache();
    if (nearCache != null) {
      values.put("near_cache", nearCache.toString());
    }
    options.putAll(flags.options());
    // Unset: blank URLs and a null TTL mean FeatureStoreConfig's defaults.
    return new FeatureStoreConfig(
        values.getOrDefault("offline_url", ""),
        values.getOrDefault("online_url", ""),
        values.get("tracking_uri"),
        Objects.requireNonNullElse(
            ttl(values.get("cache_ttl_seconds")), FeatureStoreConfig.DEFAULT_CACHE_TTL),
        bool(values.get("near_cache")),
        options);
  }

  private static void readFile(Path file, Map<String, String> values, Map<String, String> options) {
    if (!Files.isRegularFile(file)) {
      throw FeatureStoreException.invalid("config file " + file + " not found");
    }
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw FeatureStoreException.invalid(
          "config file " + file + " is not valid YAML: " + firstLine(e.getMessage()));
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return; // an empty file configures nothing
    }
    if (!root.isObject()) {
      throw FeatureStoreException.invalid("config file " + file + " must be a YAML mapping");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      if (!KEYS.contains(key)) {
        throw FeatureStoreException.invalid(
            "config file " + file + ": unknown key '" + key + "'; expected one of " + KEYS);
      }
      JsonNode v = e.getValue();
      if (key.equals("options")) {
        if (!v.isObject()) {
          throw FeatureStoreException.invalid(
              "config file " + file + ": options must be a mapping");
        }
        v.fields().forEachRemaining(o -> options.put(o.getKey(), o.getValue().asText()));
      } else if (!v.isNull()) {
        if (!v.isValueNode()) {
          throw FeatureStoreException.invalid(
              "config file " + file + ": " + key + " must be a single value");
        }
        values.put(key, v.asText());
      }
    }
  }

  private static @Nullable Duration ttl(@Nullable String seconds) {
    if (seconds == null || !notBlank(seconds)) {
      return null;
    }
    try {
      long s = Long.parseLong(seconds.trim());
      if (s <= 0) {
        throw FeatureStoreException.invalid("cache_ttl_seconds must be positive, got " + s);
      }
      return Duration.ofSeconds(s);
    } catch (NumberFormatException e) {
      throw FeatureStoreException.invalid(
          "cache_ttl_seconds must be a whole number of seconds, got '" + seconds + "'");
    }
  }

  private static boolean bool(@Nullable String text) {
    if (text == null || !notBlank(text)) {
      return false;
    }
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default ->
          throw FeatureStoreException.invalid(
              "near_cache must be true or false, got '" + text + "'");
    };
  }

  private static void putIfSet(Map<String, String> values, String key, @Nullable String value) {
    if (value != null && notBlank(value)) {
      values.put(key, value.trim());
    }
  }

  private static boolean notBlank(@Nullable String s) {
    return s != null && !s.isBlank();
  }

  private static String firstLine(@Nullable String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
