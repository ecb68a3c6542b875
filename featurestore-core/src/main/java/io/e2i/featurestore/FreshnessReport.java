package io.e2i.featurestore;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One row of the freshness monitor: over the latest value of each entity of one feature, how many
 * are fresh, stale and expired as of {@code checkedAt}. Times are null when nothing is stored.
 */
public record FreshnessReport(
    String featureGroup,
    String featureName,
    int version,
    long totalEntities,
    long freshCount,
    long staleCount,
    long expiredCount,
    @Nullable Instant lastEventTimestamp,
    @Nullable Duration timeSinceLastEvent,
    Instant checkedAt) {}
