package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.server.FeatureServer;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** get, history and freshness with --server against a real server on an embedded store. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteModeTest {
  FeatureStore store;
  FeatureServer server;
  CliRunner cli;
  String url;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    store = FeatureStores.open(FeatureStoreConfig.embedded(dir.resolve("server-data").toString()));
    try (InputStream in = Files.newInputStream(CliTest.FEATURES)) {
      new Applier(store, new PrintWriter(new StringWriter()))
          .apply(FeatureFile.parse("features.yaml", in), false);
    }
    Instant t1 = Instant.parse("2025-12-01T09:00:00Z");
    Instant t2 = Instant.parse("2025-12-18T09:00:00Z");
    Map<String, String> hcp = Map.of("hcp_id", "HCP123");
    store.writeBatchFeatures(
        List.of(
            new FeatureWrite("specialty", hcp, "Oncology", t2, "hcp_demographics"),
            new FeatureWrite("years_in_practice", hcp, 11, t1, "hcp_demographics"),
            new FeatureWrite("years_in_practice", hcp, 12, t2, "hcp_demographics")));
    server = FeatureServer.start(store, 0);
    url = "http://127.0.0.1:" + server.port();
    // The CLI must not need a store of its own: point it at a folder that does not exist.
    cli = new CliRunner(dir.resolve("no-store-here"));
  }

  @AfterAll
  void stop() {
    server.stop();
    store.close();
  }

  @Test
  void getThroughTheServer() throws Exception {
    CliRunner.Run r =
        cli.run(
            "get",
            "--server",
            url,
            "--group",
            "hcp_demographics",
            "--entity",
            "hcp_id=HCP123",
            "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = Views.JSON.readTree(r.out());
    assertThat(j.at("/features/specialty").asText()).isEqualTo("Oncology");
    assertThat(j.at("/features/years_in_practice").asLong()).isEqualTo(12);

    CliRunner.Run text =
        cli.run(
            "get",
            "--server",
            url,
            "--group",
            "hcp_demographics",
            "--entity",
            "hcp_id=HCP123",
            "--feature",
            "years_in_practice",
            "--as-of",
            "2025-12-05T00:00:00Z",
            "--no-cache");
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out()).containsPattern("years_in_practice +11 +1 +2025-12-01T09:00:00Z");
  }

  @Test
  void historyAndFreshnessThroughTheServer() {
    CliRunner.Run h =
        cli.run(
            "history",
            "--server",
            url,
            "--entity",
            "hcp_id=HCP123",
            "--feature",
            "years_in_practice",
            "--start",
            "2025-11-01",
            "--end",
            "2025-12-31");
    assertThat(h.code()).as(h.err()).isZero();
    assertThat(h.out())
        .containsPattern("years_in_practice@1 +11 +2025-12-01T09:00:00Z")
        .containsPattern("years_in_practice@1 +12 +2025-12-18T09:00:00Z");

    CliRunner.Run f = cli.run("freshness", "--server", url, "--update");
    assertThat(f.code()).as(f.err()).isZero();
    assertThat(f.out())
        .contains("updated freshness status of")
        .containsPattern("hcp_demographics +years_in_practice +1 +1 ");
  }

  @Test
  void serverErrorsAreOneLineWithTheServersMessage() {
    CliRunner.Run r =
        cli.run("get", "--server", url, "--group", "nope", "--entity", "hcp_id=HCP123");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .isEqualTo("error: feature group 'nope' not found");

    CliRunner.Run h =
        cli.run("history", "--server", url, "--entity", "brand_id=B1", "--feature", "specialty");
    assertThat(h.code()).isEqualTo(2);
    assertThat(h.errLines()).singleElement().asString().contains("missing entity key hcp_id");
  }
}
