package io.e2i.featurestore.quality;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs a JSON event to a URL when a feature's drift status changes. Delivery runs on its own
 * thread, never on a write or a monitor's run: a failed POST (connection error or a non-2xx answer)
 * is retried after 1, 2, 4, 8 and 16 s, then given up and logged.
 */
public final class DriftWebhook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DriftWebhook.class);
  static final int ATTEMPTS = 6;

  private final URI url;
  private final Duration firstBackoff;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService sender =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("featurestore-drift-webhook").unstarted(r));
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  public DriftWebhook(URI url) {
    this(url, Duration.ofSeconds(1));
  }

  DriftWebhook(URI url, Duration firstBackoff) {
    this.url = url;
    this.firstBackoff = firstBackoff;
  }

  /** Queues the event; returns at once. */
  public void post(String json) {
    sender.execute(() -> attempt(json, 1));
  }

  private void attempt(String json, int attempt) {
    String problem;
    try {
      HttpResponse<Void> response =
          client.send(
              HttpRequest.newBuilder(url)
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 == 2) {
        delivered.incrementAndGet();
        return;
      }
      problem = "HTTP " + response.statusCode();
    } catch (java.io.IOException e) {
      problem = e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (attempt >= ATTEMPTS) {
      failed.incrementAndGet();
      LOG.warn("drift webhook {} gave up after {} attempts: {}", url, attempt, problem);
      return;
    }
    long delay = firstBackoff.toMillis() << (attempt - 1);
    LOG.info("drift webhook {} failed ({}); retrying in {} ms", url, problem, delay);
    try {
      sender.schedule(() -> attempt(json, attempt + 1), delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      failed.incrementAndGet();
    }
  }

  public long delivered() {
    return delivered.get();
  }

  public long failed() {
    return failed.get();
  }

  @Override
  public void close() {
    sender.shutdownNow();
  }
}
