package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The store flags every command that opens a store takes; see {@link ConfigLoader}. */
final class StoreOptions {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML configuration (offline_url, online_url, tracking_uri, ...).")
  @Nullable Path config;

  @Option(
      names = "--offline-url",
      paramLabel = "URL",
      description = "embedded:./data (default), postgresql://... or jdbc:postgresql:...")
  @Nullable String offlineUrl;

  @Option(
      names = "--online-url",
      paramLabel = "URL",
      description = "memory (default), none, or redis://...")
  @Nullable String onlineUrl;

  @Option(names = "--tracking-uri", paramLabel = "URI", description = "none, or an MLflow URL.")
  @Nullable String trackingUri;

  @Option(names = "--cache-ttl-seconds", paramLabel = "N", description = "Online cache TTL.")
  @Nullable Long cacheTtlSeconds;

  @Option(
      names = "--near-cache",
      arity = "0..1",
      paramLabel = "BOOL",
      description = "In-process near cache in front of a remote cache.")
  @Nullable Boolean nearCache;

  @Option(
      names = "--option",
      paramLabel = "KEY=VALUE",
      description = "Backend-specific setting, repeatable.")
  Map<String, String> options = new LinkedHashMap<>();

  FeatureStoreConfig config(Map<String, String> env) {
    return ConfigLoader.load(
        config,
        env,
        new ConfigLoader.Overrides(
            offlineUrl, onlineUrl, trackingUri, cacheTtlSeconds, nearCache, options));
  }

  FeatureStore open(Map<String, String> env) {
    return FeatureStores.open(config(env));
  }
}
