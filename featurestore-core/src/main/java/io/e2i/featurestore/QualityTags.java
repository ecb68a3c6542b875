package io.e2i.featurestore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The data-quality declarations of a feature version as tracking tags (JSON text): {@code
 * constraints}, {@code validation}, {@code drift_thresholds}. Changing them updates the version in
 * place, so the tracker records them as tags on the version's run (tags, unlike params, may
 * change).
 */
final class QualityTags {
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private QualityTags() {}

  static boolean declared(Feature f) {
    return !f.constraints().isEmpty() || f.validation() != null || f.driftThresholds() != null;
  }

  static boolean changed(Feature before, Feature after) {
    return !before.constraints().equals(after.constraints())
        || before.validation() != after.validation()
        || !Objects.equals(before.driftThresholds(), after.driftThresholds());
  }

  static Map<String, String> of(Feature f) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("constraints", json(f.constraints().toMap()));
    tags.put("validation", f.validation() == null ? "group" : f.validation().wireName());
    tags.put("drift_thresholds", json(f.effectiveDriftThresholds().toMap()));
    return tags;
  }

  private static String json(Map<String, Object> value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("declarations are plain values", e);
    }
  }
}
