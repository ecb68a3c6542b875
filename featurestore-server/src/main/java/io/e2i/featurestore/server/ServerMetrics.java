package io.e2i.featurestore.server;

import io.e2i.featurestore.CacheStats;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FreshnessReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus metrics: requests and latency per endpoint, cache hits/misses/hit rate (read from the
 * store's counters at scrape time), values written, and freshness counts per group (computed at
 * scrape time, at most every {@link #FRESHNESS_INTERVAL}, because it queries the offline store).
 */
final class ServerMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(ServerMetrics.class);
  static final Duration FRESHNESS_INTERVAL = Duration.ofSeconds(15);
  private static final Duration[] SLOS = {
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofSeconds(5)
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final FeatureStore store;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Counter> written = new ConcurrentHashMap<>();
  private final List<Runnable> refreshers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> freshness = new ConcurrentHashMap<>();
  private volatile long freshnessCheckedNanos = System.nanoTime() - FRESHNESS_INTERVAL.toNanos();

  ServerMetrics(FeatureStore store) {
    this.store = store;
    cacheCounter("fs_cache_hits", "online reads answered from the cache", CacheStats::hits);
    cacheCounter("fs_cache_misses", "online reads that missed the cache", CacheStats::misses);
    cacheCounter(
        "fs_cache_invalidations",
        "cache invalidations by writes and calls",
        CacheStats::invalidations);
    cacheCounter("fs_cache_errors", "failed online cache operations", CacheStats::errors);
    Gauge.builder("fs_cache_hit_rate", store, s -> s.cacheStats().hitRate())
        .description("hits / (hits + misses) since start")
        .register(registry);
  }

  private void cacheCounter(String name, String help, ToDoubleFunction<CacheStats> f) {
    FunctionCounter.builder(name, store, s -> f.applyAsDouble(s.cacheStats()))
        .description(help)
        .register(registry);
  }

  /** One latency sample; the timer's count is the request count. */
  void request(String method, String endpoint, int status, long nanos) {
    String key = method + ' ' + endpoint + ' ' + status;
    Timer timer = timers.get(key);
    if (timer == null) {
      timer =
          timers.computeIfAbsent(
              key,
              k ->
                  Timer.builder("fs_http_requests")
                      .description("HTTP requests by endpoint, method and status")
                      .tag("method", method)
                      .tag("endpoint", endpoint)
                      .tag("status", Integer.toString(status))
                      .serviceLevelObjectives(SLOS)
                      .register(registry));
    }
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  void written(String endpoint, int count) {
    written
        .computeIfAbsent(
            endpoint,
            e ->
                Counter.builder("fs_feature_values_written")
                    .description("feature values acknowledged as written")
                    .tag("endpoint", e)
                    .register(registry))
        .increment(count);
  }

  /** Meters registered as things appear (e.g. {@link QualityMetrics}) refresh before a scrape. */
  void beforeScrape(Runnable refresh) {
    refreshers.add(refresh);
  }

  io.micrometer.core.instrument.MeterRegistry meterRegistry() {
    return registry;
  }

  String scrape() {
    refreshers.forEach(Runnable::run);
    refreshFreshness();
    return registry.scrape();
  }

  private void refreshFreshness() {
    long now = System.nanoTime();
    if (now - freshnessCheckedNanos < FRESHNESS_INTERVAL.toNanos()) {
      return;
    }
    freshnessCheckedNanos = now;
    List<FreshnessReport> reports;
    try {
      reports = store.freshnessMonitor();
    } catch (RuntimeException e) {
      LOG.warn("freshness metrics not refreshed: {}", e.getMessage());
      return;
    }
    Map<String, long[]> byGroup = new java.util.TreeMap<>();
    for (FreshnessReport r : reports) {
      long[] c = byGroup.computeIfAbsent(r.featureGroup(), g -> new long[3]);
      c[0] += r.freshCount();
      c[1] += r.staleCount();
      c[2] += r.expiredCount();
    }
    byGroup.forEach(
        (group, c) -> {
          gauge(group, "fresh").set(c[0]);
          gauge(group, "stale").set(c[1]);
          gauge(group, "expired").set(c[2]);
        });
  }

  private AtomicLong gauge(String group, String status) {
    return freshness.computeIfAbsent(
        group + '\0' + status,
        k -> {
          AtomicLong value = new AtomicLong();
          Gauge.builder("fs_freshness_values", value, AtomicLong::get)
              .description("latest values per entity by freshness status, per feature group")
              .tag("feature_group", group)
              .tag("status", status)
              .register(registry);
          return value;
        });
  }

  /** Forces the next scrape to recompute freshness (after an explicit update). */
  void freshnessChanged() {
    freshnessCheckedNanos = System.nanoTime() - FRESHNESS_INTERVAL.toNanos();
  }
}
