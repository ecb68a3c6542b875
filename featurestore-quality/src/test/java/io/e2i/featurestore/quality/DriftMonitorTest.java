package io.e2i.featurestore.quality;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Monitors keep history and POST a status change to a real HTTP listener, retrying a failure. */
class DriftMonitorTest {
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  @TempDir Path dir;

  @Test
  void aStatusChangeIsPostedToTheWebhookAndRetriedAfterAFailure() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    AtomicInteger calls = new AtomicInteger();
    HttpServer listener = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    listener.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          // The first delivery fails: the monitor must retry it.
          int status = calls.incrementAndGet() == 1 ? 503 : 204;
          if (status == 204) {
            received.add(body);
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    listener.start();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    URI hook = URI.create("http://127.0.0.1:" + listener.getAddress().getPort() + "/hook");
    try (FeatureStore store = EmbeddedStores.open(dir, clock);
        DriftMonitor monitor =
            new DriftMonitor(
                store, new DriftMonitor.Settings(null, Duration.ofHours(1), hook), clock)) {
      store.createFeatureGroup(FeatureGroup.builder("hcp").build());
      store.createFeature(
          FeatureSpec.builder("hcp", "score").valueType("float64").entityKeys("hcp_id").build());
      Random rnd = new Random(3);
      List<FeatureWrite> batch = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        // reference: the 7 hours before the last hour; current: the last hour, shifted by 1 sigma
        batch.add(write(i, rnd.nextGaussian(), NOW.minusSeconds(3600 + 1 + i % (7 * 3600 - 1))));
        batch.add(write(i, 1 + rnd.nextGaussian(), NOW.minusSeconds(i % 3600)));
      }
      store.writeBatchFeatures(batch);

      List<DriftResult> first = monitor.runAll();
      assertThat(first).singleElement().extracting(DriftResult::status).isEqualTo("drift");
      String event = received.poll(20, TimeUnit.SECONDS);
      assertThat(event).isNotNull();
      Map<String, Object> json = QualityJson.parse(event);
      assertThat(json)
          .containsEntry("event", "drift_status_changed")
          .containsEntry("feature_group", "hcp")
          .containsEntry("feature_name", "score")
          .containsEntry("status", "drift")
          .containsEntry("previous_status", null);
      assertThat(calls.get()).isEqualTo(2);

      // Same status again: history grows, no event.
      monitor.runAll();
      assertThat(received.poll(1500, TimeUnit.MILLISECONDS)).isNull();
      assertThat(store.qualityQueries().orElseThrow().driftHistory("hcp", "score", 10)).hasSize(2);
      assertThat(monitor.latestStored())
          .singleElement()
          .satisfies(m -> assertThat(m).containsEntry("status", "drift"));
    } finally {
      listener.stop(0);
    }
  }

  private static FeatureWrite write(int i, double value, Instant t) {
    return new FeatureWrite("score", Map.of("hcp_id", "H" + i), value, t, "hcp");
  }

  @Test
  void settingsFromTheEnvironment() {
    DriftMonitor.Settings s =
        DriftMonitor.Settings.fromEnvironment(
            Map.of("FS_DRIFT_INTERVAL_MINUTES", "15", "FS_DRIFT_WEBHOOK_URL", "http://x/y"));
    assertThat(s.interval()).isEqualTo(Duration.ofMinutes(15));
    assertThat(s.window()).isEqualTo(Duration.ofHours(24));
    assertThat(s.webhook()).isEqualTo(URI.create("http://x/y"));
    assertThat(DriftMonitor.Settings.fromEnvironment(Map.of()).interval()).isNull();
  }
}
