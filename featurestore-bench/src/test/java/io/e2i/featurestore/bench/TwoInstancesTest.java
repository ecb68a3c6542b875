package io.e2i.featurestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.redis.RedisProcess;
import io.e2i.featurestore.server.FeatureServer;
import io.e2i.featurestore.server.ServerOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two feature servers ({@link FeatureServer#start}) over one PostgreSQL and one Redis, as a
 * deployment behind a load balancer runs them: a value written through one is what the other reads
 * right after the write is acknowledged (both had it cached before), and a group created or changed
 * through one is served by the other within a second.
 */
class TwoInstancesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String H1_READ =
      "{\"entity_values\":{\"hcp_id\":\"H1\"},\"feature_group\":\"g\"}";
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> open = new ArrayList<>();
  private EmbeddedPostgres pg;
  private RedisProcess redis;
  private final List<String> servers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    redis = RedisProcess.start();
    pg = EmbeddedPostgres.builder().start();
    String pgUrl = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres";
    FeatureStoreConfig config =
        new FeatureStoreConfig(pgUrl, redis.url(), null, null, false, Map.of("pool_size", "4"));
    for (int i = 0; i < 2; i++) {
      FeatureStore store = FeatureStores.open(config);
      open.add(store);
      FeatureServer server =
          FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
      open.add(server::stop);
      servers.add(server.url());
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    if (pg != null) {
      pg.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aWriteThroughOneInstanceIsReadThroughTheOther() throws Exception {
    String a = servers.get(0);
    String b = servers.get(1);
    post(a, "/api/v1/feature-groups", "{\"name\":\"g\",\"expected_update_frequency_hours\":24}");
    post(
        a,
        "/api/v1/feature-groups/g/features",
        "{\"name\":\"n\",\"value_type\":\"int64\",\"entity_keys\":[\"hcp_id\"]}");
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    int stale = 0;
    int reads = 0;
    for (int k = 1; k <= 120; k++) {
      String entity = "H" + (k % 12);
      String writer = k % 2 == 0 ? a : b;
      String reader = k % 2 == 0 ? b : a;
      read(reader, entity); // cached on the reading instance's side (shared Redis)
      read(writer, entity);
      post(
          writer,
          "/api/v1/feature-values",
          "{\"feature_group\":\"g\",\"feature_name\":\"n\",\"entity_values\":{\"hcp_id\":\""
              + entity
              + "\"},\"value\":"
              + k
              + ",\"event_timestamp\":\""
              + t0.plusSeconds(k)
              + "\"}");
      for (String r : List.of(reader, writer)) {
        reads++;
        JsonNode value = read(r, entity).path("features").path("n");
        if (value.asLong(-1) != k) {
          stale++;
        }
      }
    }
    assertThat(stale).as("reads older than an acknowledged write, of %d", reads).isZero();
    assertThat(metric(b, "hits")).as("instance b served from the cache").isPositive();
  }

  @Test
  void aGroupChangedThroughOneInstanceIsServedByTheOtherWithinASecond() throws Exception {
    String a = servers.get(0);
    String b = servers.get(1);
    post(a, "/api/v1/feature-groups", "{\"name\":\"g\",\"expected_update_frequency_hours\":24}");
    post(
        a,
        "/api/v1/feature-groups/g/features",
        "{\"name\":\"n\",\"value_type\":\"int64\",\"entity_keys\":[\"hcp_id\"]}");
    post(
        a,
        "/api/v1/feature-values",
        "{\"feature_group\":\"g\",\"feature_name\":\"n\",\"entity_values\":{\"hcp_id\":\"H1\"},"
            + "\"value\":1,\"event_timestamp\":\""
            + Instant.now().minus(Duration.ofHours(3))
            + "\"}");
    long created = System.nanoTime();
    while (exchange(b, "POST", "/api/v1/online-features", H1_READ).statusCode() == 404) {
      assertThat(System.nanoTime() - created)
          .as("the new group reaches instance b within a second")
          .isLessThan(Duration.ofSeconds(1).toNanos());
      Thread.sleep(10);
    }
    assertThat(freshness(b)).isEqualTo("fresh");
    Thread.sleep(1200); // b's snapshot is settled: only the registry watch can update it now
    send(
        a,
        "PUT",
        "/api/v1/feature-groups/g",
        "{\"expected_update_frequency_hours\":1,\"max_age_hours\":2}",
        200);
    long changed = System.nanoTime();
    while (!freshness(b).equals("expired")) {
      assertThat(System.nanoTime() - changed)
          .as("the new bounds reach instance b within a second")
          .isLessThan(Duration.ofSeconds(1).toNanos());
      Thread.sleep(10);
    }
  }

  private String freshness(String server) throws Exception {
    return read(server, "H1").path("metadata").path("n").path("freshness_status").asText();
  }

  private JsonNode read(String server, String entity) throws Exception {
    return JSON.readTree(
        send(
            server,
            "POST",
            "/api/v1/online-features",
            "{\"entity_values\":{\"hcp_id\":\"" + entity + "\"},\"feature_group\":\"g\"}",
            200));
  }

  private long metric(String server, String what) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(server + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body()
        .lines()
        .filter(l -> l.startsWith("fs_cache_" + what))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private void post(String server, String path, String body) throws Exception {
    HttpResponse<String> r = exchange(server, "POST", path, body);
    assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isIn(200, 201);
  }

  private String send(String server, String method, String path, String body, int status)
      throws Exception {
    HttpResponse<String> r = exchange(server, method, path, body);
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(status);
    return r.body();
  }

  private HttpResponse<String> exchange(String server, String method, String path, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server + path))
            .header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
