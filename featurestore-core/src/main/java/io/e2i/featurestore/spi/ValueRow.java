package io.e2i.featurestore.spi;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.ValueCodec;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One validated value on its way into an offline store. {@code value} is normalized for its
 * feature's type; {@link #json()} is the stored form (null for a missing value).
 */
public record ValueRow(
    UUID featureId, EntityKey entity, @Nullable Object value, Instant eventTimestamp) {

  public @Nullable String json() {
    return value == null ? null : ValueCodec.encode(value);
  }
}
