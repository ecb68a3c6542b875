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
  /** How many values will follow, when the store knows it before the first (to presize). */
  default void expect(int values) {}

  /**
   * One value of the feature at {@code feature} in the read's list; {@code value} decoded as by
   * {@link io.e2i.featurestore.ValueCodec#decode}.
   */
  void value(int feature, @Nullable Object value, Instant eventTimestamp, Instant writtenAt);
}
