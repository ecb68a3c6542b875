package io.e2i.featurestore;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One value to write, as in the seed's {@code write_feature_value} and the entries of {@code
 * write_batch_features}. {@code featureGroup} may be null when the feature name is unique across
 * groups.
 */
public record FeatureWrite(
    String featureName,
    Map<String, ?> entityValues,
    @Nullable Object value,
    @Nullable Instant eventTimestamp,
    @Nullable String featureGroup) {

  public FeatureWrite(
      String featureName, Map<String, ?> entityValues, Object value, Instant eventTimestamp) {
    this(featureName, entityValues, value, eventTimestamp, null);
  }
}
