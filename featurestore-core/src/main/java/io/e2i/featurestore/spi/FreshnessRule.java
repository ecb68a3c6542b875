package io.e2i.featurestore.spi;

import java.time.Duration;
import java.util.UUID;

/** The freshness bounds that apply to one feature version; null bounds never trigger. */
public record FreshnessRule(UUID featureId, Duration expected, Duration maxAge) {}
