package io.e2i.featurestore.quality;

import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.ValidationMode;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Stored values of a group's features (latest versions) checked against their constraints, over
 * event times in [start, end] (unbounded where null).
 */
public record ValidationReport(
    String featureGroup,
    @Nullable Instant start,
    @Nullable Instant end,
    List<FeatureReport> features,
    Instant computedAt) {

  public ValidationReport {
    features = List.copyOf(features);
  }

  /** Total violations over all features and constraints. */
  public long violations() {
    return features.stream().mapToLong(FeatureReport::violations).sum();
  }

  /** One feature: values checked (nulls included), nulls, and each constraint's violations. */
  public record FeatureReport(
      String featureName,
      int version,
      String valueType,
      ValidationMode validation,
      Constraints constraints,
      long checked,
      long nulls,
      List<RuleReport> rules) {

    public FeatureReport {
      rules = List.copyOf(rules);
    }

    public long violations() {
      return rules.stream().mapToLong(RuleReport::violations).sum();
    }
  }

  /**
   * A constraint (its wire name), its violations and a few entities (canonical JSON) breaking it.
   */
  public record RuleReport(String constraint, long violations, List<String> examples) {
    public RuleReport {
      examples = List.copyOf(examples);
    }
  }
}
