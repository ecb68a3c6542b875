package io.e2i.featurestore.spi;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FreshnessStatus;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A value as an offline store returns it: JSON text (null for a missing value), the event time,
 * when it was written and the freshness status last persisted by update_freshness_status (null if
 * never, or if the read did not fetch it: reads compute freshness as of now and do not need it).
 */
public record StoredValue(
    UUID featureId,
    EntityKey entity,
    String valueJson,
    Instant eventTimestamp,
    Instant writtenAt,
    @Nullable FreshnessStatus persistedStatus) {}
