package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.testing.CollectingSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small, realistic registry for the lineage, search and UI tests: two groups of HCP features, a
 * computed feature in two versions, values, statistics, saved training sets and tagged runs.
 */
final class DiscoveryFixture {
  static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

  private DiscoveryFixture() {}

  static void seed(FeatureStore store) {
    store.createFeatureGroup(
        FeatureGroup.builder("hcp_targeting")
            .description("Prescribing activity used to target healthcare providers")
            .owner("growth-team")
            .sourceTable("rx_claims")
            .expectedUpdateFrequencyHours(24)
            .maxAgeHours(72)
            .tags("targeting", "hcp", "rx")
            .build());
    store.createFeature(
        FeatureSpec.builder("hcp_targeting", "total_trx_30d")
            .valueType("int64")
            .entityKeys("hcp_id")
            .description("Total prescriptions written in the last 30 days")
            .owner("growth-team")
            .tags("rx", "volume")
            .computationQuery(
                "SELECT c.hcp_id, max(c.filled_at) AS event_timestamp, count(*) AS value"
                    + " FROM rx_claims c JOIN hcps h ON h.hcp_id = c.hcp_id GROUP BY c.hcp_id")
            .build());
    store.createFeature(
        FeatureSpec.builder("hcp_targeting", "segment")
            .valueType("string")
            .entityKeys("hcp_id")
            .description("Targeting segment (A, B or C)")
            .tags("categorical")
            .build());
    store.createFeatureGroup(
        FeatureGroup.builder("hcp_demographics")
            .description("Healthcare provider demographic features")
            .owner("data-team")
            .sourceTable("hcps")
            .expectedUpdateFrequencyHours(168)
            .maxAgeHours(720)
            .tags("demographics", "hcp", "core")
            .build());
    store.createFeature(
        FeatureSpec.builder("hcp_demographics", "specialty")
            .valueType("string")
            .entityKeys("hcp_id")
            .description("Primary medical specialty of HCP")
            .owner("data-team")
            .tags("categorical")
            .build());
    store.createFeature(
        FeatureSpec.builder("hcp_demographics", "years_in_practice")
            .valueType("int64")
            .entityKeys("hcp_id")
            .description("Years since the HCP's first prescription")
            .build());

    List<FeatureWrite> writes = new ArrayList<>();
    String[] specialties = {"Oncology", "Cardiology", "Dermatology", "Oncology", "Neurology"};
    for (int i = 0; i < 40; i++) {
      Map<String, String> hcp = Map.of("hcp_id", "HCP" + i);
      Instant t = NOW.minus(Duration.ofHours(i * 3L));
      writes.add(new FeatureWrite("total_trx_30d", hcp, (i * 7) % 53, t, "hcp_targeting"));
      writes.add(
          new FeatureWrite("segment", hcp, "ABC".substring(i % 3, i % 3 + 1), t, "hcp_targeting"));
      writes.add(new FeatureWrite("specialty", hcp, specialties[i % 5], t, "hcp_demographics"));
      writes.add(new FeatureWrite("years_in_practice", hcp, 3 + i % 30, t, "hcp_demographics"));
    }
    store.writeBatchFeatures(writes);
    store.computeStatistics("hcp_targeting", "total_trx_30d");
    store.computeStatistics("hcp_demographics", "specialty");
    store.computeStatistics("hcp_demographics", "years_in_practice");

    save(store, "churn_model", "hcp_targeting:total_trx_30d", "hcp_demographics:specialty");
    save(store, "uplift_model", "hcp_targeting:total_trx_30d@1", "hcp_targeting:segment");
    save(store, "segment_model", "hcp_targeting:segment", "hcp_demographics:years_in_practice");
    store.tagTrainingSetRun("churn_model", "8f2a9c0d41e34b7e");
    store.tagTrainingSetRun("uplift_model", "5b1e7d20c3f94a66");

    // A second version of the computed feature: a new query, read by no training set yet.
    store.updateFeature(
        FeatureSpec.builder("hcp_targeting", "total_trx_30d")
            .valueType("int64")
            .entityKeys("hcp_id")
            .description("Total prescriptions written in the last 30 days")
            .owner("growth-team")
            .tags("rx", "volume")
            .computationQuery(
                "SELECT hcp_id, max(filled_at) AS event_timestamp, sum(quantity) AS value"
                    + " FROM rx_claims_v2 GROUP BY hcp_id")
            .build());
  }

  static void save(FeatureStore store, String name, String... refs) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(new Object[] {"HCP" + i, NOW, i % 2});
    }
    store.getTrainingData(
        new TrainingDataRequest(
            new PitQuery.Spine.Rows(
                List.of("hcp_id", "event_timestamp", "label"), "event_timestamp", rows),
            List.of(refs),
            null,
            name),
        new CollectingSink());
  }
}
