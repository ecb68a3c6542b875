package io.e2i.featurestore;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of {@code get_entity_features}: the latest value of each feature for one entity, with
 * per-feature metadata. A feature with no stored value is absent from both maps.
 */
public record EntityFeatures(
    EntityKey entity, Map<String, Object> features, Map<String, FeatureMetadata> metadata) {

  public EntityFeatures {
    features = Collections.unmodifiableMap(new LinkedHashMap<>(features));
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** The entity keys followed by the features: a flat row for a model, as the seed's to_dict. */
  public Map<String, Object> toDict() {
    Map<String, Object> dict = new LinkedHashMap<>(entity.values());
    dict.putAll(features);
    return dict;
  }
}
