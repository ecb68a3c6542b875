package io.e2i.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.TrainingSetListContract;
import io.e2i.featurestore.TrainingSets;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.PitQuery;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training sets paged by DuckDB (LIMIT/OFFSET over the name order). */
class EmbeddedTrainingSetListTest extends TrainingSetListContract {
  @TempDir Path dir;

  @Override
  protected OfflineBackend open() {
    return EmbeddedBackendProvider.open(dir);
  }

  /** A file made before training sets kept their groups gains them from the definitions. */
  @Test
  void aFileWithoutTheGroupsColumnGainsItFilledOnOpen() throws Exception {
    Instant t0 = Instant.parse("2025-12-18T00:00:00Z");
    for (String[] set : new String[][] {{"a1", "a:f@1"}, {"ab", "b:f@1"}, {"a2", "a:g@1"}}) {
      registry.saveTrainingSet(
          set[0],
          TrainingSets.toJson(
              new TrainingSetDefinition(
                  set[0], new PitQuery.Spine.Sql("SELECT 1", "ts"), List.of(set[1]), t0, t0)));
    }
    store.close();
    store = null;
    try (Connection c =
            DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(DuckDbDatabase.FILE_NAME));
        Statement s = c.createStatement()) {
      s.execute("ALTER TABLE training_sets DROP COLUMN groups");
    }
    OfflineBackend b = open();
    registry = b.registry();
    store = FeatureStores.builder().registry(registry).offlineStore(b.store()).build();
    assertThat(store.listTrainingSets(0, 10, Set.of("a")).sets())
        .extracting(TrainingSetDefinition::name)
        .containsExactly("a1", "a2");
    assertThat(store.listTrainingSets(0, 10, Set.of("b")).total()).isEqualTo(1);
  }
}
