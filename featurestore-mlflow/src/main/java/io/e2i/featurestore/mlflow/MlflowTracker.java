package io.e2i.featurestore.mlflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.Tracker;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks feature groups (one MLflow experiment each), feature versions (one run each, with params,
 * tags and artifacts) and statistics (metrics on the run) in an MLflow tracking server, over its
 * REST API.
 *
 * <p>Calls never touch the network: each appends a line to a durable journal and returns. One
 * background worker replays the journal in order, retrying with exponential backoff while MLflow is
 * down, and removes an entry only after MLflow confirmed it. So registry writes succeed whether
 * MLflow is up or not, and nothing queued is lost across restarts. {@link #isHealthy()} is false
 * while MLflow is unreachable or the queue is backing up.
 *
 * <p>Options (from {@link FeatureStoreConfig#options()}): {@code tracking_queue_dir} (default
 * {@code ./data/tracking-queue}), {@code tracking_timeout_ms} (10000), {@code
 * tracking_retry_initial_ms} (500), {@code tracking_retry_max_ms} (30000), {@code
 * tracking_probe_seconds} (15, how often an idle worker checks MLflow's /health), {@code
 * tracking_backlog_seconds} (60, the age of the oldest queued entry above which health is false).
 */
public final class MlflowTracker implements Tracker {
  private static final Logger LOG = LoggerFactory.getLogger(MlflowTracker.class);
  public static final String DEFAULT_QUEUE_DIR = "./data/tracking-queue";

  /** Tuning knobs; see the class comment for the option names. */
  record Settings(
      Path queueDir,
      Duration timeout,
      Duration retryInitial,
      Duration retryMax,
      Duration probeInterval,
      Duration backlogLimit) {

    static Settings from(Map<String, String> options) {
      return new Settings(
          Path.of(options.getOrDefault("tracking_queue_dir", DEFAULT_QUEUE_DIR)),
          Duration.ofMillis(number(options, "tracking_timeout_ms", 10_000)),
          Duration.ofMillis(number(options, "tracking_retry_initial_ms", 500)),
          Duration.ofMillis(number(options, "tracking_retry_max_ms", 30_000)),
          Duration.ofSeconds(number(options, "tracking_probe_seconds", 15)),
          Duration.ofSeconds(number(options, "tracking_backlog_seconds", 60)));
    }

    private static long number(Map<String, String> options, String key, long def) {
      String v = options.get(key);
      if (v == null || v.isBlank()) {
        return def;
      }
      try {
        long n = Long.parseLong(v.trim());
        if (n <= 0) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw FeatureStoreException.invalid(
            "option " + key + " must be a positive whole number, got '" + v + "'");
      }
    }
  }

  private final ObjectMapper json = new ObjectMapper();
  private final MlflowClient client;
  private final TrackingJournal journal;
  private final Settings settings;
  private final Object signal = new Object();
  private final AtomicLong lostEntries = new AtomicLong();
  private volatile @Nullable TrackingReplayer replayer; // set by start()
  private volatile @Nullable Thread worker;
  private volatile boolean running;
  private volatile boolean serverOk;
  private volatile @Nullable String lastError;
  private volatile boolean workPending;

  /** Opens a tracker for an MLflow {@code http(s)://} tracking URI with the config's options. */
  public static MlflowTracker open(String trackingUri, FeatureStoreConfig config) {
    return new MlflowTracker(parse(trackingUri), Settings.from(config.options()), System.getenv());
  }

  MlflowTracker(URI uri, Settings settings, Map<String, String> env) {
    this.settings = settings;
    this.client =
        new MlflowClient(json, uri, MlflowClient.authorization(uri, env), settings.timeout());
    this.journal = new TrackingJournal(settings.queueDir(), json);
  }

  static URI parse(String trackingUri) {
    try {
      URI uri = new URI(Objects.requireNonNull(trackingUri, "tracking URI").trim());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new URISyntaxException(trackingUri, "expected http://host[:port]");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw FeatureStoreException.invalid(
          "tracking URI '"
              + FeatureStoreConfig.redact(trackingUri)
              + "' is not an MLflow http(s) URL: "
              + e.getReason());
    }
  }

  // ------------------------------------------------------------------ Tracker

  @Override
  public synchronized void start(Listener listener) {
    if (worker != null) {
      throw new IllegalStateException("tracker already started");
    }
    replayer = new TrackingReplayer(client, json, Objects.requireNonNull(listener));
    running = true;
    worker = Thread.ofPlatform().daemon().name("mlflow-tracker").start(this::work);
  }

  @Override
  public void trackGroup(FeatureGroup group) {
    enqueue(() -> TrackingEntry.group(group));
  }

  @Override
  public void trackFeature(FeatureGroup group, Feature feature) {
    enqueue(() -> TrackingEntry.feature(group, feature));
  }

  @Override
  public void trackStatistics(FeatureGroup group, Feature feature, FeatureStatistics stats) {
    enqueue(() -> TrackingEntry.statistics(group, feature, stats));
  }

  @Override
  public void trackQuality(
      FeatureGroup group,
      Feature feature,
      java.util.Map<String, String> tags,
      java.util.Map<String, Double> metrics,
      Instant at) {
    enqueue(() -> TrackingEntry.quality(group, feature, tags, metrics, at));
  }

  /** Never throws: tracking must not fail the registry write that caused it. */
  private void enqueue(java.util.function.Supplier<TrackingEntry> entry) {
    try {
      journal.append(entry.get());
    } catch (RuntimeException e) {
      lostEntries.incrementAndGet();
      LOG.error("could not queue an MLflow tracking call; it is lost: {}", e.toString());
      return;
    }
    synchronized (signal) {
      workPending = true;
      signal.notifyAll();
    }
  }

  @Override
  public boolean isHealthy() {
    return running && serverOk && lostEntries.get() == 0 && !backingUp();
  }

  private boolean backingUp() {
    TrackingEntry head = journal.peek();
    return head != null
        && Duration.between(head.enqueuedInstant(), Instant.now())
                .compareTo(settings.backlogLimit())
            > 0;
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("mlflow ").append(client.baseUri());
    sb.append(" (").append(serverOk ? "reachable" : "unreachable");
    int queued = journal.size();
    sb.append(", ").append(queued).append(" queued");
    if (queued > 0) {
      // Where they wait: the user of a short-lived command learns what the next run will send.
      sb.append(" in ").append(settings.queueDir().toAbsolutePath().normalize());
    }
    if (lostEntries.get() > 0) {
      sb.append(", ").append(lostEntries.get()).append(" could not be queued");
    }
    String error = lastError;
    if (error != null && !serverOk) {
      sb.append(", last error: ").append(error);
    }
    return sb.append(')').toString();
  }

  /** How many tracking calls wait for MLflow. */
  public int queued() {
    return journal.size();
  }

  @Override
  public int drain(Duration timeout) {
    try {
      awaitIdle(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return journal.size();
  }

  /**
   * Waits until every queued call reached MLflow, for tests and orderly shutdowns.
   *
   * @return false if calls were still queued when the timeout passed, or no worker sends them
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (journal.size() > 0) {
      if (!running) {
        return false; // not started or closed: nothing will empty the queue
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  @Override
  public void close() {
    Thread w;
    synchronized (this) {
      running = false;
      w = worker;
      worker = null;
    }
    if (w != null) {
      w.interrupt();
      try {
        w.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Whatever is still queued stays in the journal and replays on the next start.
    journal.close();
    client.close();
  }

  // ------------------------------------------------------------------ worker

  private void work() {
    serverOk = client.ping();
    long backoff = settings.retryInitial().toMillis();
    long rejectedSeq = -1;
    while (running) {
      TrackingEntry entry = journal.peek();
      if (entry == null) {
        if (!waitForWork()) {
          serverOk = client.ping(); // idle: keep health in step with the server
        }
        continue;
      }
      try {
        replayer().replay(entry);
        journal.ack(entry);
        if (!serverOk) {
          LOG.info("MLflow at {} reachable again; replaying the tracking queue", client.baseUri());
        }
        serverOk = true;
        lastError = null;
        backoff = settings.retryInitial().toMillis();
      } catch (MlflowException e) {
        if (!running) {
          return;
        }
        if (e.retryable()) {
          if (serverOk) {
            LOG.warn("MLflow tracking paused, will retry: {}", e.getMessage());
          }
          serverOk = false;
          lastError = e.getMessage();
          backoff = sleep(backoff);
        } else if (rejectedSeq != entry.seq()) {
          // A cached experiment or run may have been deleted in MLflow: look up afresh once.
          rejectedSeq = entry.seq();
          replayer().forget();
        } else {
          // MLflow will reject this entry on every replay; keep it aside rather than block.
          LOG.error(
              "MLflow rejected tracking entry {}; kept in failed.jsonl: {}",
              entry.seq(),
              e.getMessage());
          journal.reject(entry, Objects.requireNonNull(e.getMessage(), "message"));
          serverOk = true;
        }
      } catch (RuntimeException e) {
        // e.g. the registry failed to store an id; MLflow has the data, so retry the entry.
        if (!running) {
          return;
        }
        LOG.warn("tracking entry {} failed, will retry: {}", entry.seq(), e.toString());
        lastError = e.toString();
        backoff = sleep(backoff);
      }
    }
  }

  /** The replayer; the worker runs only after start() set it. */
  private TrackingReplayer replayer() {
    return Objects.requireNonNull(replayer, "tracker not started");
  }

  /** Waits for new work up to the probe interval; true when work arrived. */
  private boolean waitForWork() {
    synchronized (signal) {
      if (!workPending) {
        try {
          signal.wait(settings.probeInterval().toMillis());
        } catch (InterruptedException e) {
          return true; // closing: the loop checks running
        }
      }
      boolean woke = workPending;
      workPending = false;
      return woke;
    }
  }

  private long sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      // closing: the loop checks running
    }
    return Math.min(millis * 2, settings.retryMax().toMillis());
  }
}
