package io.e2i.featurestore.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Declares the data-quality schemas (validation reports, drift) in the OpenAPI document {@link
 * OpenApi} builds, like {@link DiscoveryDoc}; it copies what it changes.
 */
final class QualityDoc {
  private QualityDoc() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> addTo(Map<String, Object> doc) {
    Map<String, Object> out = new LinkedHashMap<>(doc);
    Map<String, Object> components =
        new LinkedHashMap<>((Map<String, Object>) doc.getOrDefault("components", Map.of()));
    Map<String, Object> schemas =
        new LinkedHashMap<>((Map<String, Object>) components.getOrDefault("schemas", Map.of()));
    schemas.putAll(schemas());
    components.put("schemas", schemas);
    out.put("components", components);
    return out;
  }

  private static Map<String, Object> t(Object type) {
    return Map.of("type", type);
  }

  private static Map<String, Object> number() {
    return t(List.of("number", "null"));
  }

  private static Map<String, Object> count() {
    return Map.of("type", "integer", "minimum", 0);
  }

  private static Map<String, Object> time() {
    return Map.of("type", "string", "format", "date-time");
  }

  private static Map<String, Object> optionalTime() {
    return Map.of("type", List.of("string", "null"), "format", "date-time");
  }

  private static Map<String, Object> ref(String name) {
    return Map.of("$ref", "#/components/schemas/" + name);
  }

  private static Map<String, Object> array(Map<String, Object> items) {
    return Map.of("type", "array", "items", items);
  }

  private static Map<String, Object> obj(
      List<String> required, Map<String, Object> props, boolean closed, String description) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    if (!description.isEmpty()) {
      s.put("description", description);
    }
    s.put("required", required);
    s.put("properties", props);
    if (closed) {
      s.put("additionalProperties", false);
    }
    return s;
  }

  private static Map<String, Object> props(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put(
        "ValidationRequest",
        obj(
            List.of(),
            props("start", optionalTime(), "end", optionalTime()),
            true,
            "event-time bounds of the values checked (unbounded when absent); start must not be"
                + " after end"));
    s.put(
        "DriftWindow",
        obj(
            List.of(),
            props("start", optionalTime(), "end", optionalTime()),
            true,
            "values with start <= event_timestamp <= end (unbounded when absent); start must not"
                + " be after end"));
    s.put(
        "DriftTrainingSet",
        obj(
            List.of("training_set"),
            props(
                "training_set",
                Map.of("type", "string", "pattern", Wire.NAME_PATTERN, "maxLength", 255)),
            true,
            "the values a saved training set used: its pinned version of the feature (the set"
                + " must use it), written at or before its as_of, event times from its earliest"
                + " spine timestamp minus the group's max age to its latest"));
    s.put("DriftSide", Map.of("oneOf", List.of(ref("DriftWindow"), ref("DriftTrainingSet"))));
    s.put(
        "DriftRequest",
        obj(
            List.of("reference", "current"),
            props("reference", ref("DriftSide"), "current", ref("DriftSide")),
            true,
            ""));
    s.put(
        "ValidationRule",
        obj(
            List.of("constraint", "violations", "examples"),
            props(
                "constraint",
                Map.of(
                    "type",
                    "string",
                    "enum",
                    List.of(
                        "nullable",
                        "min",
                        "max",
                        "allowed",
                        "pattern",
                        "max_length",
                        "min_items",
                        "max_items")),
                "violations",
                count(),
                "examples",
                array(t("object"))),
            false,
            "a constraint, how many values break it, and up to 5 entities whose values do"));
    s.put(
        "FeatureValidation",
        obj(
            List.of(
                "feature_name",
                "version",
                "value_type",
                "validation",
                "constraints",
                "checked",
                "nulls",
                "violations",
                "rules"),
            props(
                "feature_name", t("string"),
                "version", Map.of("type", "integer", "minimum", 1),
                "value_type", t("string"),
                "validation", Map.of("type", "string", "enum", List.of("reject", "warn")),
                "constraints", t("object"),
                "checked", count(),
                "nulls", count(),
                "violations", count(),
                "rules", array(ref("ValidationRule"))),
            false,
            ""));
    s.put(
        "ValidationReport",
        obj(
            List.of("feature_group", "start", "end", "violations", "features", "computed_at"),
            props(
                "feature_group", t("string"),
                "start", optionalTime(),
                "end", optionalTime(),
                "violations", count(),
                "features", array(ref("FeatureValidation")),
                "computed_at", time()),
            false,
            ""));
    s.put(
        "DriftSideResult",
        obj(
            List.of(
                "version",
                "start",
                "end",
                "written_as_of",
                "training_set",
                "count",
                "nulls",
                "null_rate",
                "mean",
                "stddev"),
            props(
                "version", Map.of("type", "integer", "minimum", 1),
                "start", optionalTime(),
                "end", optionalTime(),
                "written_as_of", optionalTime(),
                "training_set", t(List.of("string", "null")),
                "count", count(),
                "nulls", count(),
                "null_rate", Map.of("type", "number", "minimum", 0, "maximum", 1),
                "mean", number(),
                "stddev", number()),
            false,
            ""));
    s.put(
        "DriftResult",
        obj(
            List.of(
                "feature_group",
                "feature_name",
                "status",
                "psi",
                "ks",
                "ks_p_value",
                "js_distance",
                "mean_shift",
                "stddev_shift",
                "reference",
                "current",
                "bins",
                "thresholds",
                "computed_at"),
            props(
                "feature_group", t("string"),
                "feature_name", t("string"),
                "status",
                    Map.of("type", "string", "enum", List.of("ok", "warn", "drift", "no_data")),
                "psi", number(),
                "ks", number(),
                "ks_p_value", number(),
                "js_distance", number(),
                "mean_shift", number(),
                "stddev_shift", number(),
                "reference", ref("DriftSideResult"),
                "current", ref("DriftSideResult"),
                "bins",
                    array(
                        obj(
                            List.of("label", "reference", "current"),
                            props("label", t("string"), "reference", count(), "current", count()),
                            false,
                            "")),
                "thresholds",
                    obj(
                        List.of("psi_warn", "psi_drift"),
                        props("psi_warn", t("number"), "psi_drift", t("number")),
                        false,
                        ""),
                "computed_at", time()),
            false,
            "psi and js_distance over bins (numbers: cut at the reference's deciles; others: the"
                + " reference's 20 most frequent values and 'other'); ks and ks_p_value (scipy's"
                + " ks_2samp, method asymp) for numbers only; mean_shift in reference standard"
                + " deviations; stddev_shift = current / reference - 1; status no_data when a side"
                + " has no non-null value"));
    s.put(
        "DriftResults",
        obj(List.of("results"), props("results", array(ref("DriftResult"))), false, ""));
    return s;
  }
}
