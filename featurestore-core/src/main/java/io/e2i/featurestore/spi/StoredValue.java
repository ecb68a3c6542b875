package io.e2i.featurestore.spi;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FreshnessStatus;
import java.time.Instant;
import java.util.UUID;

/**
 * A value as an offline store returns it: JSON text (null for a missing value), the event time,
 * when it was written and the freshness status last persisted by update_freshness_status (null if
 * never).
 */
public record StoredValue(
    UUID featureId,
    EntityKey entity,
    String valueJson,
    Instant eventTimestamp,
    Instant writtenAt,
    FreshnessStatus persistedStatus) {}
