package io.e2i.featurestore.quality;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.spi.QualityQueries;
import io.e2i.featurestore.spi.QualityQueries.DriftRecord;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drift monitors: every {@code interval}, each latest feature of every group is compared, current
 * window (the last {@code window}) against reference (the {@link Settings#REFERENCE_WINDOWS}
 * windows before it). Each result is kept in the drift history, becomes the feature's latest (for
 * {@code GET /api/v1/drift} and the Prometheus gauges), and a status change is POSTed to the
 * webhook when one is configured: a change from a previous status, or a first status that is not
 * ok. A failing feature is logged and skipped; the next run tries again.
 */
public final class DriftMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DriftMonitor.class);

  /**
   * How often monitors run, the current window's length, and the webhook.
   *
   * @param interval null: monitors do not run on a schedule (results still come from explicit runs)
   */
  public record Settings(@Nullable Duration interval, Duration window, @Nullable URI webhook) {
    /** The reference spans this many current windows, just before the current one. */
    public static final int REFERENCE_WINDOWS = 7;

    /**
     * From {@code FS_DRIFT_INTERVAL_MINUTES}, {@code FS_DRIFT_WINDOW_HOURS} (24) and {@code
     * FS_DRIFT_WEBHOOK_URL}.
     */
    public static Settings fromEnvironment(Map<String, String> env) {
      Duration interval = null;
      String minutes = env.get("FS_DRIFT_INTERVAL_MINUTES");
      if (minutes != null && !minutes.isBlank()) {
        interval = Duration.ofMinutes(positive("FS_DRIFT_INTERVAL_MINUTES", minutes));
      }
      String hours = env.getOrDefault("FS_DRIFT_WINDOW_HOURS", "24");
      Duration window = Duration.ofHours(positive("FS_DRIFT_WINDOW_HOURS", hours));
      String url = env.get("FS_DRIFT_WEBHOOK_URL");
      URI webhook = null;
      if (url != null && !url.isBlank()) {
        webhook = URI.create(url.trim());
        if (!"http".equals(webhook.getScheme()) && !"https".equals(webhook.getScheme())) {
          throw new IllegalArgumentException("FS_DRIFT_WEBHOOK_URL must be an http(s) URL");
        }
      }
      return new Settings(interval, window, webhook);
    }

    private static long positive(String name, String text) {
      try {
        long n = Long.parseLong(text.trim());
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException(name + " must be a whole number > 0, got '" + text + "'");
    }
  }

  private final FeatureStore store;
  private final QualityService service;
  private final Settings settings;
  private final Clock clock;
  private final @Nullable DriftWebhook webhook;
  private final Map<String, DriftResult> latest = new ConcurrentHashMap<>();
  private final Map<String, String> statuses = new ConcurrentHashMap<>();
  private final @Nullable ScheduledExecutorService scheduler;
  private volatile boolean seeded;

  public DriftMonitor(FeatureStore store, Settings settings, Clock clock) {
    this.store = store;
    this.service = new QualityService(store, clock);
    this.settings = settings;
    this.clock = clock;
    this.webhook = settings.webhook() == null ? null : new DriftWebhook(settings.webhook());
    if (settings.interval() == null) {
      scheduler = null;
    } else {
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> Thread.ofPlatform().daemon().name("featurestore-drift-monitor").unstarted(r));
      long every = settings.interval().toMillis();
      scheduler.scheduleWithFixedDelay(this::runQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private void runQuietly() {
    try {
      runAll();
    } catch (RuntimeException e) {
      LOG.warn("drift monitor run failed: {}", e.toString());
    }
  }

  /** Runs every group's monitors now; returns the results. */
  public synchronized List<DriftResult> runAll() {
    List<DriftResult> out = new ArrayList<>();
    for (FeatureGroup g : store.listFeatureGroups()) {
      out.addAll(runGroup(g.name()));
    }
    return out;
  }

  /** Runs one group's monitors now. */
  public synchronized List<DriftResult> runGroup(String group) {
    seed();
    Instant now = clock.instant();
    Instant currentStart = now.minus(settings.window());
    Instant referenceStart =
        currentStart.minus(settings.window().multipliedBy(Settings.REFERENCE_WINDOWS));
    DriftWindow reference = new DriftWindow.Range(referenceStart, currentStart.minusNanos(1000));
    DriftWindow current = new DriftWindow.Range(currentStart, now);
    List<DriftResult> out = new ArrayList<>();
    for (Feature f : store.listFeatures(group)) {
      try {
        DriftResult r = service.drift(group, f.name(), reference, current);
        record(r, f.version());
        out.add(r);
      } catch (RuntimeException e) {
        LOG.warn("drift monitor of {}:{} failed: {}", group, f.name(), e.toString());
      }
    }
    return out;
  }

  /** Keeps a result (history, latest, gauges) and posts a status change to the webhook. */
  public void record(DriftResult r, int version) {
    Map<String, Object> wire = QualityJson.drift(r);
    queries()
        .ifPresent(
            q ->
                q.recordDrift(
                    new DriftRecord(
                        r.featureGroup(),
                        r.featureName(),
                        version,
                        r.status(),
                        r.psi(),
                        r.computedAt(),
                        QualityJson.json(wire))));
    trackMetrics(r);
    String key = key(r.featureGroup(), r.featureName());
    latest.put(key, r);
    String previous = statuses.put(key, r.status());
    boolean changed =
        previous == null
            ? !r.status().equals("ok") && !r.status().equals("no_data")
            : !previous.equals(r.status());
    if (changed && webhook != null) {
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("event", "drift_status_changed");
      event.put("feature_group", r.featureGroup());
      event.put("feature_name", r.featureName());
      event.put("previous_status", previous);
      event.put("status", r.status());
      event.put("result", wire);
      webhook.post(QualityJson.json(event));
    }
  }

  /** The result as metrics on the feature's tracking run (MLflow), queued like all tracking. */
  private void trackMetrics(DriftResult r) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    putIf(metrics, "drift_psi", r.psi());
    putIf(metrics, "drift_ks", r.ks());
    putIf(metrics, "drift_ks_p_value", r.ksPValue());
    putIf(metrics, "drift_js_distance", r.jsDistance());
    try {
      store.trackQuality(
          r.featureGroup(),
          r.featureName(),
          Map.of("drift_status", r.status()),
          metrics,
          r.computedAt());
    } catch (RuntimeException e) {
      LOG.warn("drift of {}:{} not tracked: {}", r.featureGroup(), r.featureName(), e.toString());
    }
  }

  private static void putIf(Map<String, Double> m, String key, @Nullable Double value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  private java.util.Optional<QualityQueries> queries() {
    return store.qualityQueries();
  }

  /** Statuses from the history, so a restart does not report every feature as changed. */
  private void seed() {
    if (seeded) {
      return;
    }
    queries()
        .ifPresent(
            q -> {
              for (DriftRecord rec : q.latestDrift()) {
                statuses.putIfAbsent(key(rec.featureGroup(), rec.featureName()), rec.status());
              }
            });
    seeded = true;
  }

  /** The latest result of each feature this process computed, by "group:feature". */
  public Map<String, DriftResult> latest() {
    return Map.copyOf(latest);
  }

  /** The latest stored result of every feature (across restarts and instances), as JSON. */
  public List<Map<String, Object>> latestStored() {
    List<Map<String, Object>> out = new ArrayList<>();
    queries()
        .ifPresent(q -> q.latestDrift().forEach(rec -> out.add(QualityJson.parse(rec.json()))));
    return out;
  }

  public @Nullable DriftWebhook webhook() {
    return webhook;
  }

  public Settings settings() {
    return settings;
  }

  private static String key(String group, String feature) {
    return group + ":" + feature;
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    if (webhook != null) {
      webhook.close();
    }
  }
}
