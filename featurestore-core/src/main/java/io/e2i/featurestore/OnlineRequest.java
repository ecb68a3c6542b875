package io.e2i.featurestore;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@code get_entity_features} call. {@code featureNames} null or empty means every feature of the
 * group whose entity keys are the entity's. {@code asOf} (event time) reads what was true then and
 * bypasses the cache.
 */
public record OnlineRequest(
    Map<String, ?> entityValues,
    String featureGroup,
    List<String> featureNames,
    boolean useCache,
    @Nullable Instant asOf) {

  public OnlineRequest {
    // Null (from Java callers outside null-checked code) means every feature, like empty.
    featureNames = featureNames == null ? List.of() : List.copyOf(featureNames);
  }

  public static OnlineRequest of(Map<String, ?> entityValues, String featureGroup) {
    return new OnlineRequest(entityValues, featureGroup, List.of(), true, null);
  }
}
