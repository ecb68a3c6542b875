package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.LineageGraph.Direction;
import io.e2i.featurestore.LineageGraph.Edge;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.testing.CollectingSink;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lineage (issue 14) against every registry: source table -> computation -> feature version ->
 * training set -> run, and the impact question "which training sets and runs use
 * hcp_targeting:total_trx_30d@1?". Each backend module extends it.
 */
public abstract class LineageContract {
  protected static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  protected FeatureStore store;

  /** A store on empty state. */
  protected abstract FeatureStore open(Clock clock);

  /** The same state after a restart. */
  protected abstract FeatureStore reopen(Clock clock);

  @BeforeEach
  void openStore() {
    store = open(Clock.fixed(T0.plusSeconds(3600), java.time.ZoneOffset.UTC));
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private void define() {
    store.createFeatureGroup(
        FeatureGroup.builder("hcp_targeting").owner("growth").sourceTable("rx_claims").build());
    store.createFeature(
        FeatureSpec.builder("hcp_targeting", "total_trx_30d")
            .valueType("int64")
            .entityKeys("hcp_id")
            .computationQuery(
                "WITH recent AS (SELECT * FROM rx_claims WHERE ts > now() - INTERVAL 30 DAY)"
                    + " SELECT r.hcp_id, max(r.ts) AS event_timestamp, sum(r.trx) AS value"
                    + " FROM recent r JOIN public.hcps h ON h.hcp_id = r.hcp_id GROUP BY 1")
            .build());
    store.createFeature(
        FeatureSpec.builder("hcp_targeting", "segment")
            .valueType("string")
            .entityKeys("hcp_id")
            .build());
    store.writeFeatureValue(
        new FeatureWrite("total_trx_30d", Map.of("hcp_id", "H1"), 12, T0, "hcp_targeting"));
  }

  private void save(String name, String... refs) {
    PitQuery.Spine spine =
        new PitQuery.Spine.Rows(
            List.of("hcp_id", "ts"), "ts", List.<Object[]>of(new Object[] {"H1", T0}));
    store.getTrainingData(
        new TrainingDataRequest(spine, List.of(refs), null, name), new CollectingSink());
  }

  @Test
  void downstreamOfAFeatureVersionNamesItsTrainingSetsAndRuns() {
    define();
    save("churn", "hcp_targeting:total_trx_30d", "hcp_targeting:segment");
    save("uplift", "hcp_targeting:total_trx_30d@1");
    save("other", "hcp_targeting:segment");
    store.tagTrainingSetRun("churn", "0a1b2c3d4e5f");
    store.tagTrainingSetRun("churn", "0a1b2c3d4e5f"); // again: no second edge

    LineageGraph g = store.lineage("hcp_targeting:total_trx_30d@1", 5, Direction.DOWNSTREAM);

    assertThat(g.nodes())
        .extracting(LineageGraph.Node::id)
        .containsExactlyInAnyOrder(
            "feature:hcp_targeting:total_trx_30d@1",
            "training_set:churn",
            "training_set:uplift",
            "run:0a1b2c3d4e5f");
    assertThat(g.edges())
        .containsExactlyInAnyOrder(
            new Edge("feature:hcp_targeting:total_trx_30d@1", "training_set:churn", "used_by"),
            new Edge("feature:hcp_targeting:total_trx_30d@1", "training_set:uplift", "used_by"),
            new Edge("training_set:churn", "run:0a1b2c3d4e5f", "trained"));
    assertThat(g.nodes().getFirst().attributes())
        .containsEntry("value_type", "int64")
        .containsEntry("version", "1");
  }

  @Test
  void upstreamOfAFeatureVersionReachesTheTablesItsQueryReads() {
    define();
    LineageGraph g = store.lineage("feature:hcp_targeting:total_trx_30d@1", 5, Direction.UPSTREAM);
    assertThat(g.edges())
        .containsExactlyInAnyOrder(
            new Edge(
                "computation:hcp_targeting:total_trx_30d@1",
                "feature:hcp_targeting:total_trx_30d@1",
                "computes"),
            new Edge("table:rx_claims", "computation:hcp_targeting:total_trx_30d@1", "reads"),
            new Edge("table:public.hcps", "computation:hcp_targeting:total_trx_30d@1", "reads"));
    assertThat(
            g.nodes().stream()
                .filter(n -> n.type() == LineageGraph.NodeType.COMPUTATION)
                .findFirst()
                .orElseThrow()
                .attributes()
                .get("query"))
        .startsWith("WITH recent AS");
    // A feature without a computation comes straight from its group's source table.
    assertThat(store.lineage("hcp_targeting:segment", 5, Direction.UPSTREAM).edges())
        .containsExactly(new Edge("table:rx_claims", "feature:hcp_targeting:segment@1", "feeds"));
  }

  @Test
  void aRunLeadsBackToTheSourceTablesAndATableDownToTheRuns() {
    define();
    save("churn", "hcp_targeting:total_trx_30d@1");
    store.tagTrainingSetRun("churn", "run-7");

    LineageGraph up = store.lineage("run:run-7", 10, Direction.UPSTREAM);
    assertThat(up.nodes())
        .extracting(LineageGraph.Node::id)
        .contains(
            "training_set:churn",
            "feature:hcp_targeting:total_trx_30d@1",
            "computation:hcp_targeting:total_trx_30d@1",
            "table:rx_claims",
            "table:public.hcps");

    LineageGraph down = store.lineage("table:public.hcps", 10, Direction.DOWNSTREAM);
    assertThat(down.nodes())
        .extracting(LineageGraph.Node::id)
        .containsExactly(
            "table:public.hcps",
            "computation:hcp_targeting:total_trx_30d@1",
            "feature:hcp_targeting:total_trx_30d@1",
            "training_set:churn",
            "run:run-7");
    // depth bounds the walk
    assertThat(store.lineage("table:public.hcps", 2, Direction.DOWNSTREAM).nodes()).hasSize(3);
    // both = upstream and downstream of the node, not a walk that turns around
    LineageGraph both = store.lineage("training_set:churn", 1, Direction.BOTH);
    assertThat(both.nodes())
        .extracting(LineageGraph.Node::id)
        .containsExactlyInAnyOrder(
            "training_set:churn", "feature:hcp_targeting:total_trx_30d@1", "run:run-7");
  }

  @Test
  void aNewVersionHasItsOwnLineageAndASetSavedAgainKeepsOnlyItsNewInputs() {
    define();
    save("churn", "hcp_targeting:total_trx_30d");
    store.updateFeature(
        FeatureSpec.builder("hcp_targeting", "total_trx_30d")
            .valueType("int64")
            .entityKeys("hcp_id")
            .computationQuery("SELECT hcp_id, ts, trx FROM rx_claims_v2")
            .build());
    assertThat(store.lineage("hcp_targeting:total_trx_30d@2", 5, Direction.DOWNSTREAM).edges())
        .isEmpty();
    assertThat(store.lineage("hcp_targeting:total_trx_30d@1", 5, Direction.DOWNSTREAM).edges())
        .hasSize(1);
    assertThat(store.lineage("hcp_targeting:total_trx_30d", 5, Direction.UPSTREAM).edges())
        .contains(
            new Edge("table:rx_claims_v2", "computation:hcp_targeting:total_trx_30d@2", "reads"));

    save("churn", "hcp_targeting:segment");
    assertThat(store.lineage("hcp_targeting:total_trx_30d@1", 5, Direction.DOWNSTREAM).edges())
        .isEmpty();
    assertThat(store.lineage("training_set:churn", 1, Direction.UPSTREAM).edges())
        .containsExactly(
            new Edge("feature:hcp_targeting:segment@1", "training_set:churn", "used_by"));
  }

  @Test
  void lineageSurvivesARestart() {
    define();
    save("churn", "hcp_targeting:total_trx_30d@1");
    store.tagTrainingSetRun("churn", "r1");
    store.close();
    store = reopen(Clock.fixed(T0.plusSeconds(7200), java.time.ZoneOffset.UTC));
    assertThat(store.lineage("hcp_targeting:total_trx_30d@1", 5, Direction.DOWNSTREAM).nodes())
        .extracting(LineageGraph.Node::id)
        .contains("training_set:churn", "run:r1");
  }

  @Test
  void badQuestionsAreRejectedNamingWhatWasWrong() {
    define();
    save("churn", "hcp_targeting:segment");
    assertThatThrownBy(() -> store.lineage("hcp_targeting:nope@1", 5, Direction.BOTH))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("hcp_targeting:nope@1")
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.NOT_FOUND);
    assertThatThrownBy(() -> store.lineage("hcp_targeting:segment@9", 5, Direction.BOTH))
        .hasMessageContaining("not found");
    assertThatThrownBy(() -> store.lineage("training_set:ghost", 5, Direction.BOTH))
        .hasMessageContaining("ghost");
    assertThatThrownBy(() -> store.lineage("table:nobody_reads_me", 5, Direction.BOTH))
        .hasMessageContaining("nobody_reads_me");
    assertThatThrownBy(() -> store.lineage("segment", 5, Direction.BOTH))
        .hasMessageContaining("group:feature@version");
    assertThatThrownBy(() -> store.lineage("hcp_targeting:bad name@x", 5, Direction.BOTH))
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.NOT_FOUND);
    assertThatThrownBy(() -> store.lineage("hcp_targeting:segment", 0, Direction.BOTH))
        .hasMessageContaining("depth");
    assertThatThrownBy(() -> store.tagTrainingSetRun("ghost", "r1"))
        .hasMessageContaining("ghost")
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.NOT_FOUND);
    assertThatThrownBy(() -> store.tagTrainingSetRun("churn", "bad id"))
        .hasMessageContaining("run_id")
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT);
    assertThatThrownBy(() -> Direction.parse("sideways")).hasMessageContaining("sideways");
  }
}
