package io.e2i.featurestore.spi;

import java.time.Duration;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The freshness bounds that apply to one feature version; null bounds never trigger. */
public record FreshnessRule(
    UUID featureId, @Nullable Duration expected, @Nullable Duration maxAge) {}
