package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The online reads served in front of Javalin ({@link HotRoutes}), in Jetty's I/O thread by default
 * ({@link InlineReads}: answered from memory, or handed to the pool when the read needs I/O) and
 * from the pool with inline reads off, answer byte for byte as Javalin does: the same request to
 * the path with a trailing slash (which only Javalin serves) gets the same status line, headers in
 * the same order and body, for answers and errors alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HotRoutesTest {
  @TempDir static Path dir;
  FeatureStore store;
  FeatureServer server; // the default: inline reads
  FeatureServer pooled;
  String key;

  @BeforeAll
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    store.createFeatureGroup(FeatureGroup.builder("hcp_targeting").maxAgeHours(720).build());
    store.createFeature(
        new FeatureSpec("hcp_targeting", "total_trx_30d", ValueType.INT64, List.of("hcp_id")));
    store.createFeature(
        new FeatureSpec("hcp_targeting", "share", ValueType.FLOAT64, List.of("hcp_id")));
    store.writeFeatureValue(
        "total_trx_30d",
        Map.of("hcp_id", "H1"),
        42L,
        Instant.parse("2026-11-28T10:00:00Z"),
        "hcp_targeting");
    store.writeFeatureValue("share", Map.of("hcp_id", "H1"), 0.25, Instant.now(), "hcp_targeting");
    store.createFeature(
        FeatureSpec.builder("hcp_targeting", "weighted")
            .valueType("float64")
            .entityKeys("hcp_id")
            .expression("double(total_trx_30d) * request.weight")
            .build());
    store.createFeatureGroup(FeatureGroup.builder("brand_performance").build());
    store.createFeature(
        new FeatureSpec(
            "brand_performance", "market_share", ValueType.FLOAT64, List.of("brand_id")));
    key =
        store
            .security()
            .createKey("reader", new KeyScopes(List.of("hcp_*"), List.of(), List.of()), "local")
            .secret();
    server =
        FeatureServer.start(
            store, ServerOptions.defaults(0).withHost("127.0.0.1").withMaxBodyBytes(1024));
    pooled =
        FeatureServer.start(
            store,
            ServerOptions.defaults(0)
                .withHost("127.0.0.1")
                .withMaxBodyBytes(1024)
                .withInlineReads(false));
  }

  @AfterAll
  void stop() {
    server.close();
    pooled.close();
    store.close();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting"}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting", "feature_names": ["share"], "use_cache": false}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting", "as_of": "2026-11-29T00:00:00Z"}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting", "feature_names": ["weighted", "share"], "request_values": {"weight": 0.5}}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting", "feature_names": ["weighted"]}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting", "feature_names": ["nope"]}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "nobody"}, "feature_group": "hcp_targeting"}
          /api/v1/online-features | NONE | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting"}
          /api/v1/online-features | BAD  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting"}
          /api/v1/online-features | KEY  | {"entity_values": {"brand_id": "B1"}, "feature_group": "brand_performance"}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "nope"}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp_id": "H1"}, "feature_group": "hcp_targeting", "extra": 1}
          /api/v1/online-features | KEY  | {"entity_values": {"hcp-id": "H1"}, "feature_group": "hcp_targeting"}
          /api/v1/online-features | KEY  | not json
          /api/v1/online-features | KEY  | ''
          /api/v1/online-features | KEY  | BIG
          /get-online-features    | KEY  | {"features": ["hcp_targeting:total_trx_30d", "hcp_targeting:share"], "entities": {"hcp_id": ["H1", "H2"]}}
          /get-online-features    | KEY  | {"features": ["brand_performance:market_share"], "entities": {"brand_id": ["B1"]}}
          /get-online-features    | KEY  | {"features": ["hcp_targeting:weighted"], "entities": {"hcp_id": ["H1"]}, "request_context": {"weight": [2.0]}}
          /get-online-features    | KEY  | {"features": ["hcp_targeting:weighted", "hcp_targeting:share"], "entities": {"hcp_id": ["H1"]}}
          /get-online-features    | KEY  | {"features": ["hcp_targeting:total_trx_30d"], "entities": {"hcp_id": ["H1"]}, "full_feature_names": true}
          /get-online-features    | NONE | {"features": ["hcp_targeting:share"], "entities": {"hcp_id": ["H1"]}}
          /get-online-features    | KEY  | {"entities": {}}
          """)
  void answersAsJavalinDoes(String path, String auth, String body) throws IOException {
    String authorization =
        switch (auth) {
          case "KEY" -> "Bearer " + key;
          case "BAD" -> "Bearer fsk_000000000000_nope";
          default -> null;
        };
    String sent = body.equals("BIG") ? "{\"x\": \"" + "y".repeat(2000) + "\"}" : body;
    // Twice each: the first read of an entity may miss the cache (handed to the pool), the second
    // hits it (answered inline).
    String viaJavalin = exchange(pooled, path + "/", authorization, sent);
    for (int i = 0; i < 2; i++) {
      String hot = exchange(server, path, authorization, sent);
      assertThat(hot).isEqualTo(viaJavalin);
      assertThat(hot).startsWith("HTTP/1.1 ").contains("\r\nContent-Type: application/json\r\n");
      assertThat(exchange(pooled, path, authorization, sent)).isEqualTo(viaJavalin);
      assertThat(exchange(server, path + "/", authorization, sent)).isEqualTo(viaJavalin);
    }
  }

  /**
   * On one keep-alive connection to the default (inline) server: other requests (handed to the
   * pool) and online reads (answered inline) in turn, two reads sent in one write (pipelined), and
   * a read whose body comes after a pause (handed to the pool, as its handler would wait for it).
   */
  @Test
  void inlineConnectionsServeMixedPipelinedAndSlowRequests() throws Exception {
    String read =
        request(
            "/api/v1/online-features",
            "Bearer " + key,
            "{\"entity_values\": {\"hcp_id\": \"H1\"}, \"feature_group\": \"hcp_targeting\"}",
            false);
    String health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (String sent : List.of(health, read, health, read + read, read)) {
        out.write(sent.getBytes(StandardCharsets.UTF_8));
        out.flush();
        int answers = sent.equals(read + read) ? 2 : 1;
        for (int i = 0; i < answers; i++) {
          assertThat(readAnswer(in)).startsWith("HTTP/1.1 200 ");
        }
      }
      int split = read.indexOf("\r\n\r\n") + 4;
      out.write(read.substring(0, split).getBytes(StandardCharsets.UTF_8));
      out.flush();
      Thread.sleep(200);
      out.write(read.substring(split).getBytes(StandardCharsets.UTF_8));
      out.flush();
      assertThat(readAnswer(in)).startsWith("HTTP/1.1 200 ").contains("\"total_trx_30d\":42");
    }
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
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
    assertThat(m.find()).as(text).isTrue();
    return text + new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8);
  }

  private static String request(String path, String authorization, String body, boolean close) {
    StringBuilder head = new StringBuilder();
    head.append("POST ").append(path).append(" HTTP/1.1\r\n");
    head.append("Host: 127.0.0.1\r\n");
    head.append("Content-Type: application/json\r\n");
    if (authorization != null) {
      head.append("Authorization: ").append(authorization).append("\r\n");
    }
    head.append("Content-Length: ")
        .append(body.getBytes(StandardCharsets.UTF_8).length)
        .append("\r\n");
    head.append(close ? "Connection: close\r\n\r\n" : "\r\n");
    return head + body;
  }

  /** One request on a fresh connection; the raw answer with the Date header's value blanked. */
  private static String exchange(FeatureServer to, String path, String authorization, String body)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", to.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request(path, authorization, body, true).getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer
          .toString(StandardCharsets.UTF_8)
          .replaceAll("(?m)^Date: .*$", "Date: -")
          .replaceAll("error id [0-9a-f-]+", "error id -");
    }
  }
}
