package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.testing.CollectingSink;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Timestamp values stored before writes were held to years 0000 to 9999 (e.g. year 10001) still
 * read, on every read path of a backend (online with and without the cache, history, training
 * data), while writes stay strict. Each backend module extends it; the old values are put in its
 * tables behind the store's back, as an older version of the store wrote them.
 */
public abstract class StoredTimestampsContract {
  protected static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  private static final Instant YEAR_10001 = Instant.parse("+10001-01-01T00:00:00Z");
  private final Clock clock = Clock.fixed(T0.plusSeconds(3600), ZoneOffset.UTC);

  /** A store on empty state. */
  protected abstract FeatureStore open(Clock clock);

  /** The same state as the last {@link #open}, after the store was closed. */
  protected abstract FeatureStore reopen(Clock clock);

  /** Sets the stored JSON of every value of the feature, the store being closed. */
  protected abstract void overwriteStoredJson(UUID featureId, String json);

  @Test
  void timestampValuesStoredBeforeTheYearsCheckStillRead() {
    Map<String, String> h1 = Map.of("hcp_id", "H1");
    UUID at;
    UUID ats;
    try (FeatureStore store = open(clock)) {
      store.createFeatureGroup(FeatureGroup.builder("g").build());
      at =
          store
              .createFeature(new FeatureSpec("g", "at", ValueType.TIMESTAMP, List.of("hcp_id")))
              .id();
      ats =
          store
              .createFeature(
                  new FeatureSpec("g", "ats", ValueType.TIMESTAMP_LIST, List.of("hcp_id")))
              .id();
      store.writeBatchFeatures(
          List.of(
              new FeatureWrite("at", h1, T0, T0, "g"),
              new FeatureWrite("ats", h1, List.of(T0), T0, "g")));
    }
    overwriteStoredJson(at, "\"+10001-01-01T00:00:00Z\"");
    overwriteStoredJson(ats, "[\"+10001-01-01T00:00:00Z\", \"2025-12-18T12:00:00Z\"]");
    List<Instant> list = List.of(YEAR_10001, T0);
    try (FeatureStore store = reopen(clock)) {
      for (boolean useCache : List.of(false, true, true)) {
        assertThat(
                store
                    .getEntityFeatures(new OnlineRequest(h1, "g", List.of(), useCache, null))
                    .features())
            .as("online, use_cache %s", useCache)
            .containsEntry("at", YEAR_10001)
            .containsEntry("ats", list);
      }
      assertThat(store.getHistoricalFeatures(h1, List.of("g:at", "g:ats"), null, null))
          .extracting(FeatureValue::value)
          .containsExactly(YEAR_10001, list);
      CollectingSink sink = new CollectingSink();
      store.getTrainingData(
          new TrainingDataRequest(
              new PitQuery.Spine.Rows(
                  List.of("hcp_id", "event_timestamp"),
                  "event_timestamp",
                  List.<Object[]>of(new Object[] {"H1", T0.plusSeconds(60)})),
              List.of("g:at", "g:ats")),
          sink);
      assertThat(sink.rows).containsExactly(List.of("H1", T0.plusSeconds(60), YEAR_10001, list));
      assertThatThrownBy(
              () -> store.writeFeatureValue(new FeatureWrite("at", h1, YEAR_10001, T0, "g")))
          .isInstanceOf(FeatureStoreException.class)
          .hasMessageContaining("out of range: years 0000 to 9999");
    }
  }
}
