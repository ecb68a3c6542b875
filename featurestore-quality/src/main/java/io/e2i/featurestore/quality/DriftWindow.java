package io.e2i.featurestore.quality;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One side of a drift comparison: a window of event times, or the values a training set used. */
public sealed interface DriftWindow {

  /** Values with start <= event_timestamp <= end (unbounded where null). */
  record Range(@Nullable Instant start, @Nullable Instant end) implements DriftWindow {}

  /**
   * The values a saved training set could draw for the feature: its pinned version, written at or
   * before the set's {@code as_of}, with event times from the spine's earliest timestamp minus the
   * group's max age (unbounded without one) to the spine's latest timestamp (for a SQL or file
   * spine, whose rows are not stored: up to the set's {@code as_of}).
   */
  record TrainingSet(String name) implements DriftWindow {}
}
