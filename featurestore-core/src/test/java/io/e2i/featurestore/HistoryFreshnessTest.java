package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The history's freshness per value from two cutoffs ({@link HistoryPath.Freshness}) is {@link
 * FeatureGroup#freshnessAt}, at the boundaries to the nanosecond and for groups without bounds.
 */
class HistoryFreshnessTest {
  private static final Instant NOW = Instant.parse("2026-11-30T08:00:00.123456789Z");

  @Test
  void cutoffsGiveWhatFreshnessAtGives() {
    List<FeatureGroup> groups =
        List.of(
            FeatureGroup.builder("both").expectedUpdateFrequencyHours(24).maxAgeHours(720).build(),
            FeatureGroup.builder("expected").expectedUpdateFrequencyHours(1).build(),
            FeatureGroup.builder("max").maxAgeHours(48).build(),
            FeatureGroup.builder("none").build());
    Random random = new Random(15);
    for (FeatureGroup g : groups) {
      HistoryPath.Freshness f = HistoryPath.Freshness.of(g, NOW);
      for (long hours : new long[] {0, 1, 24, 48, 720}) {
        for (long nanos = -2; nanos <= 2; nanos++) {
          Instant t = NOW.minus(Duration.ofHours(hours)).plusNanos(nanos);
          assertThat(f.at(t)).as("%s %s", g.name(), t).isEqualTo(g.freshnessAt(t, NOW));
        }
      }
      for (int i = 0; i < 10_000; i++) {
        Instant t = NOW.minusSeconds(random.nextInt(3_000_000)).plusNanos(random.nextInt(1000));
        assertThat(f.at(t)).as("%s %s", g.name(), t).isEqualTo(g.freshnessAt(t, NOW));
      }
      assertThat(f.at(NOW.plusSeconds(60))).isEqualTo(g.freshnessAt(NOW.plusSeconds(60), NOW));
    }
  }
}
