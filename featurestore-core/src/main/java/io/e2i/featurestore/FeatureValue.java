package io.e2i.featurestore;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One stored value, as returned by {@code get_historical_features}. */
public record FeatureValue(
    String featureGroup,
    String featureName,
    int version,
    EntityKey entity,
    @Nullable Object value,
    Instant eventTimestamp,
    Instant writtenAt,
    FreshnessStatus freshnessStatus) {}
