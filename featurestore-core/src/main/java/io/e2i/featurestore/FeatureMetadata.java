package io.e2i.featurestore;

import java.time.Instant;

/** Where a served value came from and how fresh it is as of the read. */
public record FeatureMetadata(
    String featureGroup, int version, Instant eventTimestamp, FreshnessStatus freshnessStatus) {}
