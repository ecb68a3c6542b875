package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureValue;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault test: PostgreSQL restarts while a writer runs. Writes during the outage fail loudly with
 * UNAVAILABLE, everything acknowledged is there afterwards, and the pool recovers by itself.
 */
class PgRestartTest {
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void restartMidRunLosesNothingAcknowledgedAndRecovers() throws Exception {
    Path dir = Files.createTempDirectory("fs-pg-restart");
    int port = freePort();
    EmbeddedPostgres pg = start(dir, port);
    String url = TestPostgres.url(port, "postgres");
    FeatureStoreConfig config =
        new FeatureStoreConfig(url, "none", null, null, false, Map.of("connect_timeout_ms", "1000"))
            .withOfflineUrl(url);
    try (FeatureStore store = FeatureStores.open(config)) {
      store.createFeatureGroup(FeatureGroup.builder("g").build());
      store.createFeature(new FeatureSpec("g", "n", ValueType.INT64, List.of("id")));

      Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
      AtomicLong failures = new AtomicLong();
      List<FeatureStoreException> notUnavailable = new CopyOnWriteArrayList<>();
      AtomicReference<String> lastFailure = new AtomicReference<>();
      List<Throwable> unexpected = new CopyOnWriteArrayList<>();
      AtomicLong lastAckAfterRestart = new AtomicLong(-1);
      AtomicBoolean restarted = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (long i = 0; !stop.get(); i++) {
                      try {
                        store.writeFeatureValue(
                            new FeatureWrite("n", Map.of("id", "E"), i, T0.plusSeconds(i)));
                        acknowledged.add(i);
                        if (restarted.get()) {
                          lastAckAfterRestart.set(i);
                        }
                      } catch (FeatureStoreException e) {
                        failures.incrementAndGet();
                        lastFailure.set(e.getMessage());
                        if (e.code() != FeatureStoreException.Code.UNAVAILABLE) {
                          notUnavailable.add(e);
                        }
                        pause();
                      } catch (Throwable t) {
                        unexpected.add(t);
                      }
                    }
                  });
      waitUntil(() -> acknowledged.size() >= 50);
      pg.close(); // fast shutdown: open connections are cut
      long failuresBefore = failures.get();
      try {
        waitUntil(() -> failures.get() >= failuresBefore + 3);
      } catch (AssertionError e) {
        throw new AssertionError(
            "writes did not fail; writer at " + java.util.Arrays.toString(writer.getStackTrace()),
            e);
      }
      pg = start(dir, port);
      restarted.set(true);
      try {
        waitUntil(() -> lastAckAfterRestart.get() >= 0 && acknowledged.size() >= 100);
      } catch (AssertionError e) {
        throw new AssertionError(
            "no recovery; acknowledged "
                + acknowledged.size()
                + ", last failure: "
                + lastFailure.get()
                + " ("
                + failures.get()
                + " failures); writer at "
                + java.util.Arrays.toString(writer.getStackTrace())
                + "; "
                + probe(port),
            e);
      }
      stop.set(true);
      writer.join();

      assertThat(unexpected).isEmpty();
      assertThat(failures.get()).isPositive();
      assertThat(notUnavailable).isEmpty();
      List<FeatureValue> stored =
          store.getHistoricalFeatures(Map.of("id", "E"), List.of("g:n"), null, null);
      Set<Long> storedValues = ConcurrentHashMap.newKeySet();
      stored.forEach(v -> storedValues.add((Long) v.value()));
      assertThat(storedValues).containsAll(acknowledged);
      assertThat(store.healthCheck().offline()).isTrue();
    } finally {
      pg.close();
    }
  }

  /**
   * Whether the restarted server answers a fresh connection: tells a pool that did not recover from
   * a server that did not come back (or was cut again) when this test fails.
   */
  private static String probe(int port) {
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
        java.sql.Statement s = c.createStatement()) {
      s.execute("SELECT 1");
      return "a fresh connection to the server works";
    } catch (java.sql.SQLException e) {
      return "a fresh connection fails too: " + e.getMessage();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static EmbeddedPostgres start(Path dir, int port) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false)
        .setPort(port)
        // zonky defaults to synchronous_commit=off; acknowledged must mean flushed here
        .setServerConfig("synchronous_commit", "on")
        .start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 60 s");
      }
      Thread.sleep(20);
    }
  }
}
