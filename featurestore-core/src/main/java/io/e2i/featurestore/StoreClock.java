package io.e2i.featurestore;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The store's notion of now, truncated to microseconds: the precision the offline stores keep, so a
 * timestamp the core hands out (written_at, as-of, created_at) equals the one read back later.
 */
final class StoreClock {
  private final Clock clock;

  StoreClock(Clock clock) {
    this.clock = clock;
  }

  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
