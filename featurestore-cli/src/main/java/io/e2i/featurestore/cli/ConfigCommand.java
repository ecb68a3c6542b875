package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStoreConfig;
import java.util.Objects;
import picocli.CommandLine.Command;

@Command(
    mixinStandardHelpOptions = true,
    name = "config",
    description =
        "Prints the effective configuration (file < environment < flags), secrets hidden.")
final class ConfigCommand extends BaseCommand {

  @Override
  int execute() {
    FeatureStoreConfig c = store.config(env());
    out().println("offline_url: " + FeatureStoreConfig.redact(c.offlineUrl()));
    out().println("online_url: " + FeatureStoreConfig.redact(c.onlineUrl()));
    out()
        .println(
            "tracking_uri: "
                + (c.trackingUri() == null ? "none" : FeatureStoreConfig.redact(c.trackingUri())));
    out().println("cache_ttl_seconds: " + c.cacheTtl().toSeconds());
    out().println("near_cache: " + c.nearCache());
    if (!c.options().isEmpty()) {
      out().println("options:");
      c.options().entrySet().stream()
          .sorted(java.util.Map.Entry.comparingByKey())
          .forEach(
              e ->
                  out().println("  " + e.getKey() + ": " + redactOption(e.getKey(), e.getValue())));
    }
    return Main.EXIT_OK;
  }

  private static String redactOption(String key, String value) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    if (k.contains("password")
        || k.contains("secret")
        || k.contains("token")
        || k.endsWith("key")) {
      return "***";
    }
    return Objects.requireNonNull(FeatureStoreConfig.redact(value)); // null only for null
  }
}
