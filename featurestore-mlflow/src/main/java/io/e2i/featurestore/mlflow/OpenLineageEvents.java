package io.e2i.featurestore.mlflow;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.LineageEvents;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.FileConfig;
import io.openlineage.client.transports.FileTransport;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import io.openlineage.client.transports.Transport;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the store's runs (training-set builds, materializations) as OpenLineage run events, a START
 * and a COMPLETE (or FAIL with the error) per run, with the openlineage-java client: over HTTP to
 * an OpenLineage endpoint (e.g. Marquez: {@code http://host:5000}, posted to {@code
 * /api/v1/lineage} unless the URL names a path) or appended to a file ({@code
 * file:/path/events.jsonl}, one event a line). Job and datasets carry the store's lineage node ids
 * ({@code training_set:churn}, {@code feature:g:f@1}) in the namespace {@code
 * openlineage_namespace} (default {@code featurestore}).
 *
 * <p>Never blocks the caller: events go to one background thread through a bounded queue; when the
 * queue is full or the endpoint fails, the event is dropped, counted and logged (at most once a
 * minute), and the build it describes is unaffected.
 */
public final class OpenLineageEvents implements LineageEvents {
  private static final Logger LOG = LoggerFactory.getLogger(OpenLineageEvents.class);
  static final String DEFAULT_ENDPOINT = "/api/v1/lineage";
  static final int QUEUE = 10_000;
  private static final URI PRODUCER = URI.create("https://github.com/e2i/featurestore");

  private final String target;
  private final String namespace;
  private final OpenLineage ol = new OpenLineage(PRODUCER);
  private final OpenLineageClient client;
  private final ThreadPoolExecutor executor;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong lastWarning = new AtomicLong();

  OpenLineageEvents(String target, Transport transport, String namespace) {
    this.target = target;
    this.namespace = namespace;
    this.client = OpenLineageClient.builder().transport(transport).build();
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "openlineage-events");
              t.setDaemon(true);
              return t;
            });
  }

  static boolean supports(String url) {
    String u = url.trim().toLowerCase(Locale.ROOT);
    return u.startsWith("http://") || u.startsWith("https://") || u.startsWith("file:");
  }

  /**
   * @param url {@code http(s)://host[:port][/path]} or {@code file:/path}
   * @param options the store's options: {@code openlineage_namespace}, {@code
   *     openlineage_timeout_ms} (default 5000)
   */
  public static OpenLineageEvents open(String url, Map<String, String> options) {
    String namespace = options.getOrDefault("openlineage_namespace", "featurestore");
    String u = url.trim();
    URI uri;
    try {
      uri = URI.create(u);
    } catch (IllegalArgumentException e) {
      throw FeatureStoreException.invalid("FS_OPENLINEAGE_URL is not a URL: " + e.getMessage());
    }
    if ("file".equalsIgnoreCase(uri.getScheme())) {
      String path = uri.getPath() != null ? uri.getPath() : uri.getSchemeSpecificPart();
      return new OpenLineageEvents(
          "file:" + path, new FileTransport(new FileConfig(path)), namespace);
    }
    HttpConfig config = new HttpConfig();
    String path = uri.getRawPath();
    config.setUrl(URI.create(uri.getScheme() + "://" + uri.getRawAuthority()));
    config.setEndpoint(
        path == null || path.isEmpty() || path.equals("/") ? DEFAULT_ENDPOINT : path);
    config.setTimeoutInMillis(
        Integer.parseInt(options.getOrDefault("openlineage_timeout_ms", "5000")));
    return new OpenLineageEvents(
        uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : ""),
        new HttpTransport(config),
        namespace);
  }

  @Override
  public void runFinished(Run run) {
    pending.incrementAndGet();
    try {
      executor.execute(() -> send(run));
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet();
      drop(run, "the queue of " + QUEUE + " events is full");
    }
  }

  private void send(Run run) {
    try {
      client.emit(event(run, OpenLineage.RunEvent.EventType.START, run.started()));
      client.emit(
          event(
              run,
              run.error() == null
                  ? OpenLineage.RunEvent.EventType.COMPLETE
                  : OpenLineage.RunEvent.EventType.FAIL,
              run.ended()));
      sent.incrementAndGet();
    } catch (RuntimeException e) {
      drop(run, e.toString());
    } finally {
      pending.decrementAndGet();
    }
  }

  OpenLineage.RunEvent event(Run run, OpenLineage.RunEvent.EventType type, java.time.Instant at) {
    OpenLineage.RunFacetsBuilder facets = ol.newRunFacetsBuilder();
    String error = run.error();
    if (type == OpenLineage.RunEvent.EventType.FAIL && error != null) {
      facets.errorMessage(ol.newErrorMessageRunFacet(error, "java", null));
    }
    List<OpenLineage.InputDataset> inputs =
        run.inputs().stream()
            .map(n -> ol.newInputDatasetBuilder().namespace(namespace).name(n).build())
            .toList();
    List<OpenLineage.OutputDataset> outputs =
        run.outputs().stream()
            .map(n -> ol.newOutputDatasetBuilder().namespace(namespace).name(n).build())
            .toList();
    return ol.newRunEventBuilder()
        .eventType(type)
        .eventTime(ZonedDateTime.ofInstant(at, ZoneOffset.UTC))
        .run(ol.newRunBuilder().runId(run.runId()).facets(facets.build()).build())
        .job(ol.newJobBuilder().namespace(namespace).name(run.job()).build())
        .inputs(inputs)
        .outputs(outputs)
        .build();
  }

  private void drop(Run run, String why) {
    long n = dropped.incrementAndGet();
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (n == 1 || (now - last > 60_000_000_000L && lastWarning.compareAndSet(last, now))) {
      LOG.warn(
          "OpenLineage event for {} not sent to {} ({} dropped so far): {}",
          run.job(),
          target,
          n,
          why);
    }
  }

  /** Runs whose events were sent. */
  long sent() {
    return sent.get();
  }

  /** Runs whose events were dropped (queue full, endpoint down or refusing). */
  long dropped() {
    return dropped.get();
  }

  @Override
  public int drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pending.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return pending.get();
  }

  @Override
  public String describe() {
    return "openlineage " + target + " (" + namespace + ")";
  }

  @Override
  public void close() {
    drain(Duration.ofSeconds(5));
    ExecutorService e = executor;
    e.shutdownNow();
    try {
      client.close();
    } catch (Exception ex) {
      LOG.debug("closing the OpenLineage client: {}", ex.toString());
    }
  }
}
