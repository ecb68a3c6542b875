package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stop() lets an in-flight batch finish and acknowledges nothing it did not commit. */
class GracefulShutdownTest {
  @TempDir Path dir;

  @Test
  void inFlightBatchCompletesAndNewRequestsAreRefused() throws Exception {
    int n = 300_000;
    try (FeatureStore store = EmbeddedFeatureStore.open(dir)) {
      store.createFeatureGroup(FeatureGroup.builder("g").build());
      store.createFeature(new FeatureSpec("g", "f", ValueType.INT64, List.of("id")));
      FeatureServer server =
          FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
      Http http = new Http(server.url());
      StringBuilder body =
          new StringBuilder(n * 90).append("{\"feature_group\":\"g\",\"feature_values\":[");
      String ts = Instant.now().toString();
      for (int i = 0; i < n; i++) {
        body.append(i == 0 ? "" : ",")
            .append("{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"E")
            .append(i)
            .append("\"},\"value\":")
            .append(i)
            .append(",\"event_timestamp\":\"")
            .append(ts)
            .append("\"}");
      }
      body.append("]}");
      CompletableFuture<HttpResponse<String>> batch =
          http.client()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/feature-values/batch"))
                      .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (server.inFlight() == 0 && !batch.isDone() && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(batch.isDone()).as("the batch should still be running").isFalse();

      Thread stopper = new Thread(server::stop);
      stopper.start();
      while (!server.isDraining()) {
        Thread.sleep(1);
      }
      // A new request while draining is refused, not half-served.
      Http.Response refused = new Http(server.url()).get("/health");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().get("error").get("code").asText()).isEqualTo("UNAVAILABLE");

      HttpResponse<String> done = batch.get(60, TimeUnit.SECONDS);
      stopper.join(60_000);
      assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
      assertThat(Http.MAPPER.readTree(done.body()).get("written").asInt()).isEqualTo(n);
      assertThat(stopper.isAlive()).isFalse();
      // Everything acknowledged is stored.
      assertThat(store.getEntityFeatures(Map.of("id", "E" + (n - 1)), "g").features())
          .containsEntry("f", (long) (n - 1));
    }
  }
}
