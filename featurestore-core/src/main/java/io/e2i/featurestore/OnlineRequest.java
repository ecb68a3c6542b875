package io.e2i.featurestore;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@code get_entity_features} call. {@code featureNames} null or empty means every feature of the
 * group whose entity keys are the entity's. {@code asOf} (event time) reads what was true then and
 * bypasses the cache. {@code requestValues} are the request's own inputs of on-demand features (the
 * {@code request} map of their expressions).
 */
public record OnlineRequest(
    Map<String, ?> entityValues,
    String featureGroup,
    List<String> featureNames,
    boolean useCache,
    @Nullable Instant asOf,
    Map<String, ?> requestValues) {

  public OnlineRequest {
    // Null (from Java callers outside null-checked code) means every feature, like empty.
    featureNames = featureNames == null ? List.of() : List.copyOf(featureNames);
    requestValues =
        requestValues == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(requestValues));
  }

  /** A request without request values (for on-demand features). */
  public OnlineRequest(
      Map<String, ?> entityValues,
      String featureGroup,
      List<String> featureNames,
      boolean useCache,
      @Nullable Instant asOf) {
    this(entityValues, featureGroup, featureNames, useCache, asOf, Map.of());
  }

  /** This request with {@code values} as its request values (inputs of on-demand features). */
  public OnlineRequest withRequestValues(Map<String, ?> values) {
    return new OnlineRequest(entityValues, featureGroup, featureNames, useCache, asOf, values);
  }

  /** This request reading {@code names} instead. */
  OnlineRequest withFeatureNames(List<String> names) {
    return new OnlineRequest(entityValues, featureGroup, names, useCache, asOf, requestValues);
  }

  public static OnlineRequest of(Map<String, ?> entityValues, String featureGroup) {
    return new OnlineRequest(entityValues, featureGroup, List.of(), true, null);
  }
}
