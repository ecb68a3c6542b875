package io.e2i.featurestore.quality;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The wire form (snake_case JSON) of validation reports and drift results: what the HTTP API
 * answers, the drift history keeps and the webhook posts.
 */
public final class QualityJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private QualityJson() {}

  public static Map<String, Object> report(ValidationReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("feature_group", r.featureGroup());
    m.put("start", text(r.start()));
    m.put("end", text(r.end()));
    m.put("violations", r.violations());
    List<Map<String, Object>> features = new ArrayList<>();
    for (ValidationReport.FeatureReport f : r.features()) {
      Map<String, Object> fm = new LinkedHashMap<>();
      fm.put("feature_name", f.featureName());
      fm.put("version", f.version());
      fm.put("value_type", f.valueType());
      fm.put("validation", f.validation().wireName());
      fm.put("constraints", f.constraints().toMap());
      fm.put("checked", f.checked());
      fm.put("nulls", f.nulls());
      fm.put("violations", f.violations());
      List<Map<String, Object>> rules = new ArrayList<>();
      for (ValidationReport.RuleReport rule : f.rules()) {
        Map<String, Object> rm = new LinkedHashMap<>();
        rm.put("constraint", rule.constraint());
        rm.put("violations", rule.violations());
        rm.put("examples", rule.examples().stream().map(QualityJson::entity).toList());
        rules.add(rm);
      }
      fm.put("rules", rules);
      features.add(fm);
    }
    m.put("features", features);
    m.put("computed_at", r.computedAt().toString());
    return m;
  }

  public static Map<String, Object> drift(DriftResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("feature_group", r.featureGroup());
    m.put("feature_name", r.featureName());
    m.put("status", r.status());
    m.put("psi", r.psi());
    m.put("ks", r.ks());
    m.put("ks_p_value", r.ksPValue());
    m.put("js_distance", r.jsDistance());
    m.put("mean_shift", r.meanShift());
    m.put("stddev_shift", r.stddevShift());
    m.put("reference", side(r.reference()));
    m.put("current", side(r.current()));
    List<Map<String, Object>> bins = new ArrayList<>();
    for (DriftResult.Bin b : r.bins()) {
      Map<String, Object> bm = new LinkedHashMap<>();
      bm.put("label", b.label());
      bm.put("reference", b.reference());
      bm.put("current", b.current());
      bins.add(bm);
    }
    m.put("bins", bins);
    m.put("thresholds", r.thresholds().toMap());
    m.put("computed_at", r.computedAt().toString());
    return m;
  }

  private static Map<String, Object> side(DriftResult.Side s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", s.version());
    m.put("start", text(s.start()));
    m.put("end", text(s.end()));
    m.put("written_as_of", text(s.writtenAsOf()));
    m.put("training_set", s.trainingSet());
    m.put("count", s.count());
    m.put("nulls", s.nulls());
    m.put("null_rate", s.nullRate());
    m.put("mean", s.mean());
    m.put("stddev", s.stddev());
    return m;
  }

  /** An entity's canonical JSON text as a map (its text when it is not JSON). */
  static Object entity(String canonical) {
    try {
      return MAPPER.readValue(canonical, Map.class);
    } catch (JsonProcessingException e) {
      return canonical;
    }
  }

  public static String json(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render " + value.getClass().getSimpleName(), e);
    }
  }

  /** Parses what {@link #json} wrote (the drift history's results). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parse(String json) {
    try {
      return MAPPER.readValue(json, Map.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored drift result is not JSON", e);
    }
  }

  private static @Nullable String text(@Nullable Instant i) {
    return i == null ? null : i.toString();
  }
}
