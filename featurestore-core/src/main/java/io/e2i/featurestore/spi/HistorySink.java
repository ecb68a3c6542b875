package io.e2i.featurestore.spi;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Receives a history read's values decoded, in the order the facade returns them: feature by
 * feature in the order asked, each feature's values by event time, oldest first (see {@link
 * OfflineStore#history(io.e2i.featurestore.EntityKey, java.util.List, java.util.List, Instant,
 * Instant, HistorySink)}). Called on the reading thread only.
 */
public interface HistorySink {
  /**
   * How many values the read holds in all, as far as the store knows it (to presize): before the
   * first value, and again with a better figure when a store reads the features in parts.
   */
  default void expect(int values) {}

  /**
   * One value of the feature at {@code feature} in the read's list; {@code value} decoded as by
   * {@link io.e2i.featurestore.ValueCodec#decode}.
   */
  void value(int feature, @Nullable Object value, Instant eventTimestamp, Instant writtenAt);
}
