package io.e2i.featurestore;

import io.e2i.featurestore.spi.BackendProvider;
import io.e2i.featurestore.spi.LineageEvents;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.OnlineCache;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.Tracker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/** Opens feature stores: from a configuration, or assembled from backends by hand. */
public final class FeatureStores {
  private FeatureStores() {}

  /**
   * Opens the backends a configuration names, found through {@link BackendProvider}s on the class
   * path. {@code memory} and {@code none} online caches are built in.
   */
  public static FeatureStore open(FeatureStoreConfig config) {
    List<BackendProvider> providers =
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .toList();
    BackendProvider.OfflineBackend offline =
        providers.stream()
            .filter(p -> p.supportsOffline(config.offlineUrl()))
            .findFirst()
            .orElseThrow(
                () ->
                    FeatureStoreException.invalid(
                        "no backend on the class path serves offline URL '"
                            + FeatureStoreConfig.redact(config.offlineUrl())
                            + "'"))
            .openOffline(config.offlineUrl(), config);
    OnlineCache cache = null;
    Tracker tracker = Tracker.NONE;
    try {
      cache = openOnline(config, providers);
      String trackingUri = config.trackingUri();
      if (trackingUri != null) {
        tracker =
            providers.stream()
                .filter(p -> p.supportsTracking(trackingUri))
                .findFirst()
                .orElseThrow(
                    () ->
                        FeatureStoreException.invalid(
                            "no backend on the class path serves tracking URI '"
                                + FeatureStoreConfig.redact(trackingUri)
                                + "'"))
                .openTracker(trackingUri, config);
      }
      return builder()
          .registry(offline.registry())
          .offlineStore(offline.store())
          .onlineCache(cache)
          .tracker(tracker)
          .lineageEvents(openLineageEvents(config, providers))
          .build();
    } catch (RuntimeException e) {
      if (cache != null) {
        cache.close();
      }
      offline.store().close();
      offline.registry().close();
      throw e;
    }
  }

  /** The {@code openlineage_url} option (FS_OPENLINEAGE_URL): http(s):// or file: events. */
  private static LineageEvents openLineageEvents(
      FeatureStoreConfig config, List<BackendProvider> providers) {
    String url = config.options().get(OPENLINEAGE_URL);
    if (url == null || url.isBlank()) {
      return LineageEvents.NONE;
    }
    return providers.stream()
        .filter(p -> p.supportsLineage(url))
        .findFirst()
        .orElseThrow(
            () ->
                FeatureStoreException.invalid(
                    "no backend on the class path sends lineage events to '"
                        + FeatureStoreConfig.redact(url)
                        + "'"))
        .openLineage(url, config);
  }

  /** The option naming where lineage events go (FS_OPENLINEAGE_URL). */
  public static final String OPENLINEAGE_URL = "openlineage_url";

  private static @Nullable OnlineCache openOnline(
      FeatureStoreConfig config, List<BackendProvider> providers) {
    String url = config.onlineUrl();
    if (url.equals("none")) {
      return null;
    }
    if (url.equals("memory")) {
      return memoryCache(config.cacheTtl(), maxEntries(config));
    }
    return providers.stream()
        .filter(p -> p.supportsOnline(url))
        .findFirst()
        .orElseThrow(
            () ->
                FeatureStoreException.invalid(
                    "no backend on the class path serves online URL '"
                        + FeatureStoreConfig.redact(url)
                        + "'"))
        .openOnline(url, config);
  }

  private static long maxEntries(FeatureStoreConfig config) {
    return Long.parseLong(config.options().getOrDefault("cache_max_entries", "1000000"));
  }

  /** The in-process Caffeine cache; also usable as a near cache by remote cache modules. */
  public static OnlineCache memoryCache(Duration ttl, long maxEntries) {
    return new MemoryOnlineCache(ttl, maxEntries);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Assembles a feature store from backends. The store owns them and closes them. */
  public static final class Builder {
    private @Nullable Registry registry;
    private @Nullable OfflineStore offlineStore;
    private @Nullable OnlineCache onlineCache;
    private Tracker tracker = Tracker.NONE;
    private Clock clock = Clock.systemUTC();
    private LineageEvents lineageEvents = LineageEvents.NONE;
    private int materializationBatch = MaterializationPath.DEFAULT_BATCH_VALUES;

    private Builder() {}

    /**
     * How many values a materialization run writes per transaction (default 10,000): what a run
     * holds in memory at a time. A run that fails keeps the batches it committed before.
     */
    public Builder materializationBatch(int values) {
      if (values < 1) {
        throw new IllegalArgumentException(
            "materializationBatch must be at least 1, got " + values);
      }
      this.materializationBatch = values;
      return this;
    }

    /** Where training-set builds (and materializations) are reported as lineage runs. */
    public Builder lineageEvents(LineageEvents lineageEvents) {
      this.lineageEvents = Objects.requireNonNull(lineageEvents);
      return this;
    }

    public Builder registry(Registry registry) {
      this.registry = registry;
      return this;
    }

    public Builder offlineStore(OfflineStore offlineStore) {
      this.offlineStore = offlineStore;
      return this;
    }

    /** Null for no online cache. */
    public Builder onlineCache(@Nullable OnlineCache onlineCache) {
      this.onlineCache = onlineCache;
      return this;
    }

    public Builder tracker(Tracker tracker) {
      this.tracker = Objects.requireNonNull(tracker);
      return this;
    }

    /** For tests of freshness: the clock that says what "now" is. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public FeatureStore build() {
      return new DefaultFeatureStore(
          Objects.requireNonNull(registry, "registry"),
          Objects.requireNonNull(offlineStore, "offlineStore"),
          onlineCache,
          tracker,
          clock,
          lineageEvents,
          materializationBatch);
    }
  }
}
