package io.e2i.featurestore.spi;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Freshness of one feature version over the latest value of each entity, as of a given time. {@code
 * lastEvent} is null when nothing is stored.
 */
public record FreshnessCounts(
    UUID featureId,
    long totalEntities,
    long fresh,
    long stale,
    long expired,
    @Nullable Instant lastEvent) {}
