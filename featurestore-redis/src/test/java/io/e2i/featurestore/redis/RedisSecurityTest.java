package io.e2i.featurestore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.testing.InMemoryBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis AUTH ({@code redis://:password@host}) and TLS ({@code rediss://} with a private CA),
 * against real redis-server processes started with {@code --requirepass} and {@code --tls-port}.
 */
class RedisSecurityTest {
  private static final Map<String, Object> H1 = Map.of("hcp_id", "H1");
  @TempDir Path dir;

  @Test
  void authWithThePasswordInTheUrl() {
    try (RedisProcess redis = RedisProcess.start(List.of("--requirepass", "s3cret"))) {
      String url = "redis://:s3cret@127.0.0.1:" + redis.port();
      try (FeatureStore store = open(url, Map.of())) {
        assertCachesThroughRedis(store);
        assertThat(store.healthCheck().details().get("online_cache"))
            .doesNotContain("s3cret")
            .contains("***");
      }
    }
  }

  @Test
  void aWrongPasswordDegradesToTheOfflineStoreAndNeverShowsIt() {
    try (RedisProcess redis = RedisProcess.start(List.of("--requirepass", "s3cret"))) {
      String url = "redis://:wrong-pw@127.0.0.1:" + redis.port();
      try (FeatureStore store = open(url, Map.of())) {
        write(store, "Oncology");
        assertThat(read(store)).isEqualTo("Oncology"); // served from the offline store
        assertThat(store.healthCheck().online()).isFalse();
        assertThat(store.healthCheck().toString()).doesNotContain("wrong-pw");
      }
    }
  }

  @Test
  void tlsWithAPrivateCa() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    selfSigned(cert, key);
    int tlsPort = RedisProcess.freePort();
    List<String> tls =
        List.of(
            "--tls-port", Integer.toString(tlsPort),
            "--tls-cert-file", cert.toString(),
            "--tls-key-file", key.toString(),
            "--tls-ca-cert-file", cert.toString(),
            "--tls-auth-clients", "no",
            "--requirepass", "s3cret");
    try (RedisProcess redis = RedisProcess.start(tls)) {
      String url = "rediss://:s3cret@127.0.0.1:" + tlsPort;
      try (FeatureStore store = open(url, Map.of("redis_tls_ca_file", cert.toString()))) {
        assertCachesThroughRedis(store);
      }
      // Without trusting the server's certificate, TLS fails closed: no plain-text fallback.
      try (FeatureStore untrusted = open(url, Map.of())) {
        write(untrusted, "Cardiology");
        assertThat(read(untrusted)).isEqualTo("Cardiology");
        assertThat(untrusted.healthCheck().online()).isFalse();
      }
    }
  }

  @Test
  void aCaFileNeedsTls() {
    assertThatThrownBy(() -> open("redis://127.0.0.1:1", Map.of("redis_tls_ca_file", "/etc/hosts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("rediss://");
  }

  private void assertCachesThroughRedis(FeatureStore store) {
    awaitOnline(store);
    write(store, "Oncology");
    assertThat(read(store)).isEqualTo("Oncology");
    long hits = store.cacheStats().hits();
    assertThat(read(store)).isEqualTo("Oncology");
    assertThat(store.cacheStats().hits()).as("a Redis hit").isGreaterThan(hits);
  }

  private static void awaitOnline(FeatureStore store) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!store.healthCheck().online()) {
      assertThat(System.nanoTime()).as("Redis reachable within 10 s").isLessThan(deadline);
      RedisProcess.sleep(20);
    }
  }

  private FeatureStore open(String url, Map<String, String> extra) {
    InMemoryBackend backend = new InMemoryBackend();
    Map<String, String> options = new HashMap<>(extra);
    options.put("redis_timeout_ms", "500");
    options.put("redis_probe_interval_ms", "100");
    FeatureStoreConfig config = new FeatureStoreConfig(null, url, null, null, false, options);
    FeatureStore store =
        FeatureStores.builder()
            .registry(backend)
            .offlineStore(backend)
            .onlineCache(RedisOnlineCache.open(url, config))
            .build();
    store.createFeatureGroup(FeatureGroup.builder("g").build());
    store.createFeature(new FeatureSpec("g", "specialty", ValueType.STRING, List.of("hcp_id")));
    return store;
  }

  private static void write(FeatureStore s, String value) {
    s.writeFeatureValue(new FeatureWrite("specialty", H1, value, null, "g"));
  }

  private static Object read(FeatureStore s) {
    return s.getEntityFeatures(H1, "g").features().get("specialty");
  }

  /** A self-signed certificate for 127.0.0.1 and its key, with the openssl command line. */
  private static void selfSigned(Path cert, Path key) throws Exception {
    List<String> cmd =
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key.toString(),
            "-out",
            cert.toString(),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost");
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      Assumptions.abort("openssl is not installed: " + e.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(Files.size(cert)).isPositive();
  }
}
