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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler on the embedded store: by expected_update_frequency_hours and by cron. */
class SchedulerTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-10T00:00:30Z"));
  FeatureStore store;
  OfflineBackend backend;

  @BeforeEach
  void open() throws Exception {
    Path csv = dir.resolve("rx.csv");
    Files.writeString(csv, "hcp_id,ts,trx\nH1,2026-01-01 00:00:00+00,3\n");
    backend = EmbeddedBackendProvider.open(dir.resolve("data"));
    store =
        FeatureStores.builder()
            .registry(backend.registry())
            .offlineStore(backend.store())
            .clock(clock)
            .build();
    String query =
        "SELECT hcp_id, ts AS event_timestamp, trx AS value FROM read_csv('"
            + csv
            + "', header = true, columns = {'hcp_id': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'trx':"
            + " 'BIGINT'})";
    store.createFeatureGroup(
        FeatureGroup.builder("hourly").expectedUpdateFrequencyHours(1).build());
    store.createFeatureGroup(FeatureGroup.builder("cron").schedule("0 */6 * * *").build());
    store.createFeatureGroup(FeatureGroup.builder("manual").build());
    for (String g : new String[] {"hourly", "cron", "manual"}) {
      store.createFeature(
          FeatureSpec.builder(g, "trx")
              .valueType("int64")
              .entityKeys("hcp_id")
              .computationQuery(query)
              .build());
    }
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void runsWhatIsDueAndOnlyThat() {
    MaterializationScheduler scheduler = MaterializationScheduler.manual(store, clock);
    assertThat(scheduler.tick())
        .as("never run: due by frequency; the cron has not fired since the scheduler started")
        .extracting(MaterializationRun::featureGroup)
        .containsExactly("hourly");
    assertThat(store.materializations("hourly", 1).getFirst().trigger())
        .isEqualTo(MaterializationRun.SCHEDULE);
    clock.advance(Duration.ofMinutes(30));
    assertThat(scheduler.tick()).isEmpty();
    clock.advance(Duration.ofMinutes(30));
    assertThat(scheduler.tick())
        .extracting(MaterializationRun::featureGroup)
        .containsExactly("hourly");
    clock.advance(Duration.ofHours(5));
    assertThat(scheduler.tick())
        .as("06:00 has passed")
        .extracting(MaterializationRun::featureGroup)
        .containsExactlyInAnyOrder("hourly", "cron");
    assertThat(scheduler.tick()).isEmpty();
    assertThat(store.materializations("manual", 10)).isEmpty();
  }

  @Test
  void aGroupHeldElsewhereIsSkipped() {
    MaterializationScheduler a = MaterializationScheduler.manual(store, clock);
    try (var lock = backend.store().pipelines().tryLock("hourly")) {
      assertThat(lock).isNotNull();
      assertThat(a.tick()).as("another instance runs it").isEmpty();
    }
    assertThat(a.tick()).extracting(MaterializationRun::featureGroup).containsExactly("hourly");
  }
}
