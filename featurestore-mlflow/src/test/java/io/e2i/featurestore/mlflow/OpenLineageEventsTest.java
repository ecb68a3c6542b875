package io.e2i.featurestore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.testing.CollectingSink;
import io.e2i.featurestore.testing.InMemoryBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenLineage run events for training-set builds (issue 14), sent by the openlineage-java client to
 * a real HTTP listener (the JDK's HttpServer), to a file, and never holding a build back.
 */
class OpenLineageEventsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  private HttpServer listener;
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch hold = new CountDownLatch(0);

  @BeforeEach
  void listen() throws IOException {
    listener = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    listener.createContext(
        "/",
        exchange -> {
          try {
            hold.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          paths.add(exchange.getRequestURI().getPath());
          events.add(MAPPER.readTree(exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    listener.start();
  }

  @AfterEach
  void stop() {
    hold.countDown();
    listener.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + listener.getAddress().getPort();
  }

  private static FeatureStore store(OpenLineageEvents events) {
    InMemoryBackend backend = new InMemoryBackend();
    FeatureStore fs =
        FeatureStores.builder()
            .registry(backend)
            .offlineStore(backend)
            .lineageEvents(events)
            .build();
    fs.createFeatureGroup(FeatureGroup.builder("hcp").sourceTable("hcps").build());
    fs.createFeature(
        FeatureSpec.builder("hcp", "trx").valueType("int64").entityKeys("hcp_id").build());
    fs.writeFeatureValue(new FeatureWrite("trx", Map.of("hcp_id", "H1"), 3, T0, "hcp"));
    return fs;
  }

  private static void build(FeatureStore fs, String saveAs, String... refs) {
    fs.getTrainingData(
        new TrainingDataRequest(
            new PitQuery.Spine.Rows(
                List.of("hcp_id", "ts"), "ts", List.<Object[]>of(new Object[] {"H1", T0})),
            List.of(refs),
            null,
            saveAs),
        new CollectingSink());
  }

  private void awaitEvents(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (events.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(events).hasSizeGreaterThanOrEqualTo(n);
  }

  @Test
  void aSavedBuildIsAStartAndACompleteEventWithItsInputsAndOutput() throws Exception {
    try (FeatureStore fs = store(OpenLineageEvents.open(url(), Map.of()))) {
      build(fs, "churn", "hcp:trx");
      awaitEvents(2);
    }
    assertThat(paths).containsOnly("/api/v1/lineage");
    JsonNode start = events.get(0);
    JsonNode complete = events.get(1);
    assertThat(start.get("eventType").asText()).isEqualTo("START");
    assertThat(complete.get("eventType").asText()).isEqualTo("COMPLETE");
    assertThat(complete.at("/run/runId").asText()).isEqualTo(start.at("/run/runId").asText());
    assertThat(complete.at("/job/namespace").asText()).isEqualTo("featurestore");
    assertThat(complete.at("/job/name").asText()).isEqualTo("training_set:churn");
    assertThat(complete.at("/inputs/0/name").asText()).isEqualTo("feature:hcp:trx@1");
    assertThat(complete.at("/outputs/0/name").asText()).isEqualTo("training_set:churn");
    assertThat(complete.get("producer").asText()).contains("featurestore");
    assertThat(complete.get("schemaURL").asText()).contains("openlineage.io");
  }

  @Test
  void aFailedBuildIsAFailEventWithTheErrorAndAPathInTheUrlIsTheEndpoint() throws Exception {
    try (FeatureStore fs =
        store(
            OpenLineageEvents.open(
                url() + "/custom/lineage", Map.of("openlineage_namespace", "e2i_prod")))) {
      assertThatThrownBy(() -> build(fs, "bad", "hcp:nope")).hasMessageContaining("nope");
      awaitEvents(2);
    }
    assertThat(paths).containsOnly("/custom/lineage");
    JsonNode fail = events.get(1);
    assertThat(fail.get("eventType").asText()).isEqualTo("FAIL");
    assertThat(fail.at("/job/namespace").asText()).isEqualTo("e2i_prod");
    assertThat(fail.at("/run/facets/errorMessage/message").asText()).contains("nope");
    assertThat(fail.at("/run/facets/errorMessage/programmingLanguage").asText()).isEqualTo("java");
  }

  @Test
  void aSlowOrDeadEndpointNeverHoldsABuildBack() throws Exception {
    hold = new CountDownLatch(1); // the listener answers nothing until released
    OpenLineageEvents slow = OpenLineageEvents.open(url(), Map.of());
    try (FeatureStore fs = store(slow)) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        build(fs, "s" + i, "hcp:trx");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      hold.countDown();
      assertThat(slow.drain(Duration.ofSeconds(10))).isZero();
      assertThat(slow.sent()).isEqualTo(5);
    }

    listener.stop(0); // nothing listens there now
    OpenLineageEvents dead = OpenLineageEvents.open(url(), Map.of("openlineage_timeout_ms", "500"));
    try (FeatureStore fs = store(dead)) {
      build(fs, "lost", "hcp:trx");
      assertThat(dead.drain(Duration.ofSeconds(10))).isZero();
      assertThat(dead.dropped()).isEqualTo(1);
      assertThat(fs.listTrainingSets()).extracting(d -> d.name()).containsExactly("lost");
    }
  }

  @Test
  void fileUrlsAppendOneEventALineAndFeatureStoresOpenReadsTheVariable() throws Exception {
    Path file = dir.resolve("events.jsonl");
    FeatureStoreConfig config =
        FeatureStoreConfig.fromEnvironment(
            Map.of(
                "FS_OFFLINE_URL",
                "embedded:" + dir.resolve("data"),
                "FS_OPENLINEAGE_URL",
                "file:" + file));
    try (FeatureStore fs = FeatureStores.open(config)) {
      fs.createFeatureGroup(FeatureGroup.builder("hcp").build());
      fs.createFeature(
          FeatureSpec.builder("hcp", "trx").valueType("int64").entityKeys("hcp_id").build());
      build(fs, "from_file", "hcp:trx");
      assertThat(fs.awaitTracking(Duration.ofSeconds(10))).isZero();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);
    assertThat(MAPPER.readTree(lines.get(1)).at("/job/name").asText())
        .isEqualTo("training_set:from_file");
  }
}
