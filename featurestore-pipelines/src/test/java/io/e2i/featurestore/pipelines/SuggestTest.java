package io.e2i.featurestore.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.MaterializationRun;
import io.e2i.featurestore.embedded.EmbeddedBackendProvider;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suggestions from a generated prescriptions table: a column that drives the label ranks above
 * noise, and every suggested query materializes as written.
 */
class SuggestTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir Path dir;
  FeatureStore store;
  String source;

  @BeforeEach
  void open() throws Exception {
    Random random = new Random(7);
    StringBuilder csv = new StringBuilder("hcp_id,ts,trx,noise,channel,converted\n");
    for (int i = 0; i < 3000; i++) {
      int hcp = random.nextInt(60);
      long trx = random.nextInt(20);
      String channel = new String[] {"web", "rep", "email"}[random.nextInt(3)];
      int converted = trx + (channel.equals("rep") ? 8 : 0) + random.nextInt(6) > 16 ? 1 : 0;
      csv.append("H")
          .append(hcp)
          .append(',')
          .append(
              T0.plus(Duration.ofMinutes(random.nextInt(60 * 24 * 60)))
                  .toString()
                  .replace('T', ' ')
                  .replace("Z", "+00"))
          .append(',')
          .append(trx)
          .append(',')
          .append(random.nextGaussian())
          .append(',')
          .append(channel)
          .append(',')
          .append(converted)
          .append('\n');
    }
    Path file = dir.resolve("rx.csv");
    Files.writeString(file, csv);
    source =
        "read_csv('"
            + file
            + "', header = true, columns = {'hcp_id': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'trx': 'BIGINT', 'noise': 'DOUBLE', 'channel': 'VARCHAR', 'converted': 'BIGINT'})";
    OfflineBackend backend = EmbeddedBackendProvider.open(dir.resolve("data"));
    store =
        FeatureStores.builder()
            .registry(backend.registry())
            .offlineStore(backend.store())
            .clock(new MutableClock(T0.plus(Duration.ofDays(61))))
            .build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void rankedByTheLabelAndMaterializableAsWritten() {
    List<FeatureSuggester.Candidate> candidates =
        new FeatureSuggester(store, source, "hcp_id", "ts", "converted").suggest();
    assertThat(candidates)
        .extracting(FeatureSuggester.Candidate::column)
        .contains("trx", "noise", "channel");
    assertThat(candidates.getFirst().column()).isIn("trx", "channel");
    assertThat(candidates.getLast().column()).isEqualTo("noise");
    assertThat(candidates)
        .extracting(FeatureSuggester.Candidate::name)
        .contains("avg_trx_30d", "last_trx_7d", "count_channel_rep_90d", "max_noise_90d");

    String yaml = FeatureSuggester.yaml("suggested", source, candidates);
    assertThat(yaml).contains("computation_query: \"SELECT d.\\\"hcp_id\\\"");

    store.createFeatureGroup(FeatureGroup.builder("suggested").build());
    for (FeatureSuggester.Candidate c : candidates) {
      store.createFeature(
          FeatureSpec.builder("suggested", c.name())
              .valueType(c.valueType())
              .entityKeys("hcp_id")
              .computationQuery(c.query())
              .build());
    }
    MaterializationRun run = store.materialize("suggested", null, null);
    assertThat(run.status()).isEqualTo(MaterializationRun.Status.SUCCEEDED);
    assertThat(run.rows()).isGreaterThan(1000);
    Map<String, Object> h1 =
        store.getEntityFeatures(Map.of("hcp_id", "H1"), "suggested").features();
    assertThat(h1).containsKeys("count_trx_90d", "avg_trx_30d", "count_channel_web_90d");
  }

  @Test
  void withoutALabelCoverageAndSpreadRank() {
    List<FeatureSuggester.Candidate> candidates =
        new FeatureSuggester(store, source, "hcp_id", "ts", null).suggest();
    assertThat(candidates).isNotEmpty();
    assertThat(candidates).allMatch(c -> c.score() >= -1e-6 && c.why().contains("coverage"));
  }
}
