package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.Registry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Saved training sets listed a page at a time, the page taken by the registry (LIMIT/OFFSET), so a
 * page of n reads and parses n definitions however many are saved. Run on each backend.
 */
public abstract class TrainingSetListContract {
  private static final Instant T0 = Instant.parse("2025-12-18T00:00:00Z");

  /** Out of order, with upper case, digits and '_': the order must be the same on every backend. */
  private static final List<String> NAMES =
      List.of("b_set", "B_set", "_x", "a1", "Z9", "a_set", "c");

  protected Registry registry;
  protected FeatureStore store;

  /** An empty registry and offline store. */
  protected abstract OfflineBackend open();

  @BeforeEach
  void start() {
    OfflineBackend b = open();
    registry = b.registry();
    store = FeatureStores.builder().registry(registry).offlineStore(b.store()).build();
  }

  @AfterEach
  void stop() {
    if (store != null) {
      store.close();
    }
  }

  private void save(String name) {
    registry.saveTrainingSet(
        name,
        TrainingSets.toJson(
            new TrainingSetDefinition(
                name, new PitQuery.Spine.Sql("SELECT 1", "ts"), List.of("g:f@1"), T0, T0)));
  }

  private static List<String> names(TrainingSetList list) {
    return list.sets().stream().map(TrainingSetDefinition::name).toList();
  }

  @Test
  void everyPageIsTheNameOrderedSliceAndCountsAll() {
    NAMES.forEach(this::save);
    save("a1"); // saved again: replaced, not added
    List<String> sorted = NAMES.stream().sorted().toList();
    assertThat(sorted).containsExactly("B_set", "Z9", "_x", "a1", "a_set", "b_set", "c");
    assertThat(store.listTrainingSets()).extracting(TrainingSetDefinition::name).isEqualTo(sorted);
    for (int limit : new int[] {1, 2, 3, 6, 7, 8, Integer.MAX_VALUE}) {
      List<String> walked = new ArrayList<>();
      for (int offset = 0; offset <= sorted.size() + 1; offset++) {
        TrainingSetList page = store.listTrainingSets(offset, limit);
        int from = Math.min(offset, sorted.size());
        int to = (int) Math.min((long) offset + limit, sorted.size());
        assertThat(names(page))
            .as("offset %d limit %d", offset, limit)
            .isEqualTo(sorted.subList(from, Math.max(from, to)));
        assertThat(page.total()).isEqualTo(sorted.size());
        if (offset % limit == 0) {
          walked.addAll(names(page));
        }
      }
      if (limit <= sorted.size()) {
        assertThat(walked).as("pages of %d walked in turn", limit).isEqualTo(sorted);
      }
    }
    assertThat(store.listTrainingSets(0, 0).sets()).isEmpty();
    assertThat(store.listTrainingSets(Integer.MAX_VALUE, 5).sets()).isEmpty();
  }

  /** Fails when the whole list is parsed first: the broken definition is on another page. */
  @Test
  void aPageParsesOnlyItsOwnDefinitions() {
    List.of("c", "a", "b").forEach(this::save);
    registry.saveTrainingSet("zz_broken", "{\"not\": \"a training set\"}");
    TrainingSetList first = store.listTrainingSets(0, 3);
    assertThat(names(first)).containsExactly("a", "b", "c");
    assertThat(first.total()).isEqualTo(4);
    assertThat(store.trainingSet("b")).map(TrainingSetDefinition::name).contains("b");
    assertThat(store.trainingSet("nope")).isEmpty();
    assertThatThrownBy(
            () ->
                store.rerunTrainingSet(
                    "nope",
                    new PitQuery.RowSink() {
                      @Override
                      public void columns(List<String> names) {}

                      @Override
                      public void row(Object[] values) {}
                    }))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("'nope' not found");
  }

  @Test
  void aNegativeOffsetOrLimitIsRefused() {
    assertThatThrownBy(() -> store.listTrainingSets(-1, 5))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("offset");
    assertThatThrownBy(() -> store.listTrainingSets(0, -5))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("limit");
  }
}
