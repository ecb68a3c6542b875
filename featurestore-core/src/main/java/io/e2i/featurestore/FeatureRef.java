package io.e2i.featurestore;

import org.jspecify.annotations.Nullable;

/**
 * A reference to a feature: {@code name}, {@code group:name} or {@code group:name@version}. A null
 * group means "the one feature of that name that fits the entity"; a null version means latest.
 */
public record FeatureRef(@Nullable String featureGroup, String name, @Nullable Integer version) {

  public static FeatureRef parse(String text) {
    if (text == null || text.isBlank()) {
      throw FeatureStoreException.invalid("empty feature reference");
    }
    String rest = text.trim();
    Integer version = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String v = rest.substring(at + 1);
      try {
        version = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw FeatureStoreException.invalid(
            "feature reference '" + text + "' has a bad version '" + v + "'");
      }
      if (version < 1) {
        throw FeatureStoreException.invalid(
            "feature reference '" + text + "': versions start at 1");
      }
      rest = rest.substring(0, at);
    }
    String group = null;
    int colon = rest.indexOf(':');
    if (colon >= 0) {
      group = Names.check("feature group name", rest.substring(0, colon));
      rest = rest.substring(colon + 1);
    }
    return new FeatureRef(group, Names.check("feature name", rest), version);
  }

  @Override
  public String toString() {
    return (featureGroup == null ? "" : featureGroup + ":")
        + name
        + (version == null ? "" : "@" + version);
  }
}
