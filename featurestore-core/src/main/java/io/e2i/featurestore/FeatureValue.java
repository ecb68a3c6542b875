package io.e2i.featurestore;

import java.time.Instant;

/** One stored value, as returned by {@code get_historical_features}. */
public record FeatureValue(
    String featureGroup,
    String featureName,
    int version,
    EntityKey entity,
    Object value,
    Instant eventTimestamp,
    Instant writtenAt,
    FreshnessStatus freshnessStatus) {}
