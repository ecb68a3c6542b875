package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.CacheStats;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inline reads ({@link InlineReads}, on by default) over real sockets: a client that stops reading
 * its answers does not hold up other connections, and reads that need I/O (a cache miss after a
 * write, an as-of read) or give an answer too large to buffer are served by the pool, right and
 * counted once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InlineReadsTest {
  private static final String READ =
      "{\"entity_values\": {\"hcp_id\": \"H1\"}, \"feature_group\": \"hcp_targeting\"}";

  @TempDir static Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeAll
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    store.createFeatureGroup(FeatureGroup.builder("hcp_targeting").maxAgeHours(720).build());
    store.createFeature(
        new FeatureSpec("hcp_targeting", "total_trx_30d", ValueType.INT64, List.of("hcp_id")));
    store.createFeature(
        new FeatureSpec("hcp_targeting", "specialty", ValueType.STRING, List.of("hcp_id")));
    store.writeFeatureValue(
        "total_trx_30d", Map.of("hcp_id", "H1"), 42L, Instant.now(), "hcp_targeting");
    // set explicitly: the test is about inline reads whatever the default
    server =
        FeatureServer.start(
            store, ServerOptions.defaults(0).withHost("127.0.0.1").withInlineReads(true));
    http = new Http(server.url());
  }

  @AfterAll
  void stop() {
    server.close();
    store.close();
  }

  /**
   * One connection pipelines thousands of reads and never reads an answer, until both socket
   * buffers are full; the other connections still get each answer within a second. A blocking write
   * in the selector thread stalled them all until the idle timeout (30 s).
   */
  @Test
  void aClientThatDoesNotReadItsAnswersHoldsUpNobodyElse() throws Exception {
    assertThat(http.post("/api/v1/online-features", READ).status()).isEqualTo(200); // cached now
    byte[] reads = pipelined(40_000);
    AtomicBoolean sentAll = new AtomicBoolean();
    try (Socket stuck = new Socket()) {
      stuck.setReceiveBufferSize(4096);
      stuck.connect(new InetSocketAddress("127.0.0.1", server.port()));
      Thread writer =
          new Thread(
              () -> {
                try {
                  stuck.getOutputStream().write(reads);
                  sentAll.set(true);
                } catch (IOException e) {
                  // closed at the end of the test while blocked: expected
                }
              });
      writer.setDaemon(true);
      writer.start();
      Thread.sleep(1500);
      // The server stopped reading the stuck connection: its answers have nowhere to go.
      assertThat(sentAll).as("the server read all the stuck client's requests").isFalse();
      for (int c = 0; c < 4; c++) {
        try (Socket other = new Socket("127.0.0.1", server.port())) {
          other.setSoTimeout(1000); // a SocketTimeoutException fails the test
          OutputStream out = other.getOutputStream();
          InputStream in = other.getInputStream();
          for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            out.write(request("/api/v1/online-features", READ).getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(readAnswer(in)).startsWith("HTTP/1.1 200 ").contains("\"total_trx_30d\":42");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
          }
        }
      }
      assertThat(sentAll).isFalse(); // still stuck meanwhile
    }
  }

  /**
   * Each write invalidates the entity's cached values; the read right after it misses the cache,
   * which in the I/O thread means a hand-off to the pool: it answers the value just written, the
   * miss is counted once and no hit, and the request once in the server's metrics. The read after
   * it hits the cache inline.
   */
  @Test
  void aReadAfterAWriteMissesGoesToThePoolAndSeesTheWrite() {
    long requestsBefore = requestsCounted(200);
    for (int i = 1; i <= 30; i++) {
      String write =
          "{\"feature_name\": \"total_trx_30d\", \"feature_group\": \"hcp_targeting\","
              + " \"entity_values\": {\"hcp_id\": \"RYW\"}, \"value\": "
              + i
              + "}";
      assertThat(http.post("/api/v1/feature-values", write).status()).isEqualTo(201);
      String read =
          "{\"entity_values\": {\"hcp_id\": \"RYW\"}, \"feature_group\": \"hcp_targeting\"}";
      CacheStats before = store.cacheStats();
      Http.Response miss = http.post("/api/v1/online-features", read);
      CacheStats afterMiss = store.cacheStats();
      Http.Response hit = http.post("/api/v1/online-features", read);
      CacheStats afterHit = store.cacheStats();
      assertThat(miss.status()).isEqualTo(200);
      assertThat(miss.json().path("features").path("total_trx_30d").asLong()).isEqualTo(i);
      assertThat(hit.text()).isEqualTo(miss.text());
      assertThat(afterMiss.misses() - before.misses()).isEqualTo(1);
      assertThat(afterMiss.hits() - before.hits()).isZero();
      assertThat(afterHit.hits() - afterMiss.hits()).isEqualTo(1);
      assertThat(afterHit.misses() - afterMiss.misses()).isZero();
    }
    assertThat(requestsCounted(200) - requestsBefore).isEqualTo(60);
  }

  /** An as-of read (never from the cache) and a read past the cache are answered by the pool. */
  @Test
  void readsThatNeedTheOfflineStoreAreAnswered() {
    JsonNode asOf =
        http.post(
                "/api/v1/online-features",
                "{\"entity_values\": {\"hcp_id\": \"H1\"}, \"feature_group\": \"hcp_targeting\","
                    + " \"as_of\": \"2000-01-01T00:00:00Z\"}")
            .json();
    assertThat(asOf.path("features").size()).isZero();
    JsonNode uncached =
        http.post(
                "/api/v1/online-features",
                "{\"entity_values\": {\"hcp_id\": \"H1\"}, \"feature_group\": \"hcp_targeting\","
                    + " \"use_cache\": false}")
            .json();
    assertThat(uncached.path("features").path("total_trx_30d").asLong()).isEqualTo(42);
  }

  /**
   * A Feast read of many entities whose answer does not fit the response buffer: its write goes to
   * the pool, and the answer arrives whole, twice over (cache misses, then hits).
   */
  @Test
  void anAnswerTooLargeToBufferIsWrittenByThePool() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      ids.add("\"BIG" + i + "\"");
      store.writeFeatureValue(
          "specialty",
          Map.of("hcp_id", "BIG" + i),
          "cardiology-" + i,
          Instant.now(),
          "hcp_targeting");
    }
    String body =
        "{\"features\": [\"hcp_targeting:specialty\"], \"entities\": {\"hcp_id\": ["
            + String.join(", ", ids)
            + "]}}";
    for (int round = 0; round < 2; round++) {
      Http.Response r = http.post("/get-online-features", body);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text().length()).isGreaterThan(16 * 1024);
      JsonNode values = r.json().path("results").get(1).path("values");
      assertThat(values.size()).isEqualTo(400);
      assertThat(values.get(399).asText()).isEqualTo("cardiology-399");
    }
  }

  /** {@code fs_http_requests} of the online read with {@code status}, from /metrics. */
  private long requestsCounted(int status) {
    String text = http.get("/metrics").text();
    Matcher m =
        Pattern.compile(
                "fs_http_requests_seconds_count\\{[^}]*endpoint=\"/api/v1/online-features\""
                    + "[^}]*status=\""
                    + status
                    + "\"[^}]*} (\\d+)")
            .matcher(text);
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    return total;
  }

  private static byte[] pipelined(int count) {
    byte[] one = request("/api/v1/online-features", READ).getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[one.length * count];
    for (int i = 0; i < count; i++) {
      System.arraycopy(one, 0, all, i * one.length, one.length);
    }
    return all;
  }

  private static String request(String path, String body) {
    return "POST "
        + path
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n"
        + body;
  }

  /** One answer of a keep-alive connection: its head, then Content-Length bytes of body. */
  private static String readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("connection closed after: " + head);
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
    assertThat(m.find()).as(text).isTrue();
    return text + new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8);
  }
}
