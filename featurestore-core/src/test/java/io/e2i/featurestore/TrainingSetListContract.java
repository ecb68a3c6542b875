package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.Registry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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

  private void save(String name, String... refs) {
    registry.saveTrainingSet(
        name,
        TrainingSets.toJson(
            new TrainingSetDefinition(
                name, new PitQuery.Spine.Sql("SELECT 1", "ts"), List.of(refs), T0, T0)));
  }

  /**
   * What a key restricted to some groups sees: the sets whose groups are all among them, paged and
   * counted by the registry. Many sets it may not see (one of them not a definition at all, which
   * would fail the page if it were read) change neither its pages nor its total.
   */
  @Test
  void aPageWithinGroupsHoldsAndCountsOnlyTheSetsReadingThoseGroups() {
    save("a1", "a:f@1");
    save("a2", "a:f@1", "a:g@2");
    save("ab", "a:f@1", "b:f@1");
    save("b1", "b:f@1");
    save("c1", "c:f@1");
    save("bare", "f"); // a group this store cannot name: for unrestricted keys only
    for (int i = 0; i < 40; i++) {
      save(String.format("hidden_%02d", i), "x:f@1", "a:f@1");
    }
    registry.saveTrainingSet("hidden_broken", "{\"features\": [\"x:f@1\"]}");
    Set<String> a = Set.of("a");
    assertThat(names(store.listTrainingSets(0, 10, a))).containsExactly("a1", "a2");
    assertThat(store.listTrainingSets(0, 10, a).total()).isEqualTo(2);
    Set<String> ab = Set.of("a", "b", "nosuch");
    List<String> walked = new ArrayList<>();
    for (int offset = 0; offset < 6; offset += 2) {
      TrainingSetList page = store.listTrainingSets(offset, 2, ab);
      assertThat(page.total()).isEqualTo(4);
      walked.addAll(names(page));
    }
    assertThat(walked).containsExactly("a1", "a2", "ab", "b1");
    assertThat(names(store.listTrainingSets(1, 2, ab))).containsExactly("a2", "ab");
    assertThat(names(store.listTrainingSets(3, Integer.MAX_VALUE, ab))).containsExactly("b1");
    assertThat(store.listTrainingSets(0, 0, ab).sets()).isEmpty();
    assertThat(names(store.listTrainingSets(0, 5, Set.of("c")))).containsExactly("c1");
    TrainingSetList none = store.listTrainingSets(0, 5, Set.of());
    assertThat(none.sets()).isEmpty();
    assertThat(none.total()).isZero();
    // Saved again under its name with other groups: the registry keeps the new ones.
    save("a1", "c:f@1");
    assertThat(names(store.listTrainingSets(0, 10, a))).containsExactly("a2");
    assertThat(names(store.listTrainingSets(0, 10, Set.of("c")))).containsExactly("a1", "c1");
    // Unrestricted, every set is still listed.
    assertThat(store.listTrainingSets(0, 0).total()).isEqualTo(47);
    assertThatThrownBy(() -> store.listTrainingSets(-1, 5, a))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("offset");
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
