package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronTest {
  private static Instant next(String cron, String after) {
    return Cron.parse(cron).next(Instant.parse(after));
  }

  @Test
  void fieldsListsRangesAndSteps() {
    assertThat(next("*/15 * * * *", "2026-01-01T10:07:30Z")).isEqualTo("2026-01-01T10:15:00Z");
    assertThat(next("0 2 * * *", "2026-01-01T02:00:00Z")).isEqualTo("2026-01-02T02:00:00Z");
    assertThat(next("30 9 * * 1-5", "2026-01-02T10:00:00Z"))
        .as("Friday after 9:30 -> Monday")
        .isEqualTo("2026-01-05T09:30:00Z");
    assertThat(next("0 0 1 */3 *", "2026-02-10T00:00:00Z")).isEqualTo("2026-04-01T00:00:00Z");
    assertThat(next("0,30 8 * * *", "2026-01-01T08:10:00Z")).isEqualTo("2026-01-01T08:30:00Z");
    assertThat(next("@daily", "2026-01-01T00:00:00Z")).isEqualTo("2026-01-02T00:00:00Z");
    assertThat(next("0 0 * * 7", "2026-01-01T00:00:00Z"))
        .as("7 is Sunday")
        .isEqualTo("2026-01-04T00:00:00Z");
    assertThat(next("0 0 13 * 5", "2026-01-01T00:00:00Z"))
        .as("day 13 or a Friday, as cron")
        .isEqualTo("2026-01-02T00:00:00Z");
    assertThat(next("0 0 29 2 *", "2026-03-01T00:00:00Z")).isEqualTo("2028-02-29T00:00:00Z");
  }

  @Test
  void badSchedulesAreNamed() {
    for (String bad :
        new String[] {"* * * *", "61 * * * *", "a * * * *", "*/0 * * * *", "5-1 * * * *"}) {
      assertThatThrownBy(() -> Cron.parse(bad))
          .isInstanceOf(FeatureStoreException.class)
          .hasMessageContaining(bad);
    }
    assertThatThrownBy(() -> next("0 0 31 2 *", "2026-01-01T00:00:00Z"))
        .hasMessageContaining("never");
  }

  @Test
  void aGroupWithAScheduleTheSchedulerCannotReadIsRejectedWhenDefined() {
    assertThat(FeatureGroup.builder("g").schedule("0 3 * * *").build().schedule())
        .isEqualTo("0 3 * * *");
    for (String bad : new String[] {"0", "61 * * * *", "@DAILY", " 0 3 * * *", "0\t3 * * *"}) {
      assertThatThrownBy(() -> FeatureGroup.builder("g").schedule(bad).build())
          .as(bad)
          .isInstanceOf(FeatureStoreException.class)
          .hasMessageContaining("is not a cron schedule");
    }
    assertThat(
            java.util.regex.Pattern.compile(Cron.PATTERN).matcher("*/15 0-6 1,15 * 1-5").matches())
        .isTrue();
  }
}
