package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.testing.InMemoryBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bug in a backend is a 500 with an error id that is also in the server log, never a 503, and no
 * SQL or driver text reaches the client; an outage is a 503 naming what is down.
 */
class ServerErrorsTest {
  private static final String WRITE =
      "{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"1\"},\"value\":1,"
          + "\"feature_group\":\"g\"}";

  @Test
  void aBugIsA500WithAnErrorIdAndNoDetails() throws Exception {
    InMemoryBackend backend = new InMemoryBackend();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    try (FeatureStore store = store(backend);
        FeatureServer server =
            FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"))) {
      backend.failWritesWith(
          new IllegalStateException(
              "Parser Error: syntax error at or near ELSE in SELECT password FROM secrets"));
      HttpResponse<String> answer;
      System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
      try {
        answer = post(server, "/api/v1/feature-values", WRITE);
      } finally {
        System.setErr(stderr);
      }
      assertThat(answer.statusCode()).isEqualTo(500);
      JsonNode error = new ObjectMapper().readTree(answer.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("INTERNAL");
      String errorId = error.get("error_id").asText();
      assertThat(errorId).matches("[0-9a-f-]{36}");
      assertThat(error.get("message").asText()).contains(errorId);
      assertThat(answer.body())
          .doesNotContain("SELECT", "secrets", "Parser", "Exception", "at io.");
      // The operator finds the whole failure in the log under the id the client was given.
      assertThat(log.toString(StandardCharsets.UTF_8))
          .contains("internal error " + errorId)
          .contains("syntax error at or near ELSE");
    }
  }

  @Test
  void anOutageIsA503() throws Exception {
    InMemoryBackend backend = new InMemoryBackend();
    try (FeatureStore store = store(backend);
        FeatureServer server =
            FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"))) {
      backend.failWrites(true);
      HttpResponse<String> answer = post(server, "/api/v1/feature-values", WRITE);
      assertThat(answer.statusCode()).isEqualTo(503);
      JsonNode error = new ObjectMapper().readTree(answer.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("UNAVAILABLE");
      assertThat(error.get("message").asText()).contains("nothing was written");
    }
  }

  @Test
  void aClientThatLeavesMidAnswerIsNotABug() throws Exception {
    InMemoryBackend backend = new InMemoryBackend();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    try (FeatureStore store = store(backend);
        FeatureServer server =
            FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"))) {
      store.createFeature(new FeatureSpec("g", "big", ValueType.STRING, List.of("id")));
      // An answer far larger than the loopback's socket buffers, so the server is still writing
      // when the client resets the connection.
      store.writeBatchFeatures(
          List.of(
              new FeatureWrite(
                  "big", Map.of("id", "1"), "x".repeat(32 << 20), Instant.now(), "g")));
      String body = "{\"entity_values\":{\"id\":\"1\"},\"feature_group\":\"g\"}";
      System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
      try {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
          socket
              .getOutputStream()
              .write(
                  ("POST /api/v1/online-features HTTP/1.1\r\nHost: x\r\n"
                          + "Content-Type: application/json\r\nContent-Length: "
                          + body.length()
                          + "\r\n\r\n"
                          + body)
                      .getBytes(StandardCharsets.US_ASCII));
          socket.getInputStream().read(new byte[1024]); // the answer has started
          socket.setSoLinger(true, 0); // close with a reset, mid-answer
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!metrics(server).contains("status=\"499\"") && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
      } finally {
        System.setErr(stderr);
      }
      String metrics = metrics(server);
      assertThat(metrics).contains("status=\"499\"").doesNotContain("status=\"500\"");
      assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("internal error");
    }
  }

  private static String metrics(FeatureServer server) throws Exception {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }

  private static FeatureStore store(InMemoryBackend backend) {
    FeatureStore store = FeatureStores.builder().registry(backend).offlineStore(backend).build();
    store.createFeatureGroup(FeatureGroup.builder("g").build());
    store.createFeature(new FeatureSpec("g", "f", ValueType.INT64, List.of("id")));
    return store;
  }

  private static HttpResponse<String> post(FeatureServer server, String path, String body)
      throws Exception {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
              .header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }
}
