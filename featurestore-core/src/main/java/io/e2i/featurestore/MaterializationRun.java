package io.e2i.featurestore;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One run of a group's computation queries over the window {@code [windowStart, windowEnd)}: how it
 * ended, how many values it wrote and how long it took. A run is {@link Kind#INCREMENTAL} when it
 * started from the group's watermark (the end of the last incremental run that succeeded), a {@link
 * Kind#BACKFILL} when its start was given; only incremental runs move the watermark.
 */
public record MaterializationRun(
    UUID id,
    String featureGroup,
    Status status,
    Kind kind,
    String trigger,
    @Nullable Instant windowStart,
    Instant windowEnd,
    long rows,
    Instant startedAt,
    long durationMillis,
    @Nullable String error) {

  public MaterializationRun {
    Objects.requireNonNull(id);
    Objects.requireNonNull(featureGroup);
    Objects.requireNonNull(status);
    Objects.requireNonNull(kind);
    Objects.requireNonNull(trigger);
    Objects.requireNonNull(windowEnd);
    Objects.requireNonNull(startedAt);
  }

  /** How a run ended. */
  public enum Status {
    SUCCEEDED,
    FAILED;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Status fromWire(String text) {
      return valueOf(text.toUpperCase(Locale.ROOT));
    }
  }

  /** Whether the run started from the watermark or from a given start. */
  public enum Kind {
    INCREMENTAL,
    BACKFILL;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind fromWire(String text) {
      return valueOf(text.toUpperCase(Locale.ROOT));
    }
  }

  /** The trigger of a run asked for over the API, the CLI or Java. */
  public static final String MANUAL = "manual";

  /** The trigger of a run started by the server's scheduler. */
  public static final String SCHEDULE = "schedule";
}
