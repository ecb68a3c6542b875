package io.e2i.featurestore;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One version of a registered feature. Each version has its own id; stored values belong to a
 * version. {@code entityKeys} are sorted. What values mean (type, keys, computation query,
 * on-demand expression) is fixed per version; descriptive fields, constraints, validation mode and
 * drift thresholds are updated in place.
 */
public record Feature(
    UUID id,
    String featureGroup,
    String name,
    int version,
    ValueType valueType,
    List<String> entityKeys,
    @Nullable String description,
    @Nullable String owner,
    List<String> tags,
    @Nullable String computationQuery,
    Constraints constraints,
    @Nullable ValidationMode validation,
    @Nullable String expression,
    @Nullable DriftThresholds driftThresholds,
    Map<String, Object> statistics,
    @Nullable String mlflowRunId,
    Instant createdAt) {

  static final List<String> OPTION_FIELDS =
      List.of("constraints", "validation", "expression", "drift_thresholds");

  public Feature {
    Objects.requireNonNull(id, "id");
    entityKeys = List.copyOf(entityKeys);
    tags = tags == null ? List.of() : List.copyOf(tags);
    constraints = constraints == null ? Constraints.NONE : constraints;
    statistics = statistics == null ? Map.of() : Map.copyOf(statistics);
  }

  /** A version with the wave-1 fields only (no constraints, validation, expression, thresholds). */
  public Feature(
      UUID id,
      String featureGroup,
      String name,
      int version,
      ValueType valueType,
      List<String> entityKeys,
      @Nullable String description,
      @Nullable String owner,
      List<String> tags,
      @Nullable String computationQuery,
      Map<String, Object> statistics,
      @Nullable String mlflowRunId,
      Instant createdAt) {
    this(
        id,
        featureGroup,
        name,
        version,
        valueType,
        entityKeys,
        description,
        owner,
        tags,
        computationQuery,
        Constraints.NONE,
        null,
        null,
        null,
        statistics,
        mlflowRunId,
        createdAt);
  }

  /** The first or next version of a spec. */
  public static Feature fromSpec(FeatureSpec spec, int version, Instant createdAt) {
    return new Feature(
        UUID.randomUUID(),
        spec.featureGroup(),
        spec.name(),
        version,
        spec.valueType(),
        spec.entityKeys(),
        spec.description(),
        spec.owner(),
        spec.tags(),
        spec.computationQuery(),
        spec.constraints(),
        spec.validation(),
        spec.expression(),
        spec.driftThresholds(),
        Map.of(),
        null,
        createdAt);
  }

  /** "group:feature@version", the reference form used in training data requests. */
  public String reference() {
    return featureGroup + ":" + name + "@" + version;
  }

  /** True for an on-demand feature: computed at read time from its expression, never stored. */
  public boolean onDemand() {
    return expression != null;
  }

  /** The drift thresholds in force: the declared ones or the defaults. */
  public DriftThresholds effectiveDriftThresholds() {
    return driftThresholds == null ? DriftThresholds.DEFAULT : driftThresholds;
  }

  /** True when the spec changes what values mean: type, keys, computation or expression. */
  public boolean definitionDiffers(FeatureSpec spec) {
    return valueType != spec.valueType()
        || !entityKeys.equals(spec.entityKeys())
        || !Objects.equals(computationQuery, spec.computationQuery())
        || !Objects.equals(expression, spec.expression());
  }

  /**
   * True when the spec changes only fields updated in place: descriptive ones, constraints,
   * validation mode and drift thresholds.
   */
  public boolean metadataDiffers(FeatureSpec spec) {
    return !Objects.equals(description, spec.description())
        || !Objects.equals(owner, spec.owner())
        || !tags.equals(spec.tags())
        || !constraints.equals(spec.constraints())
        || validation != spec.validation()
        || !Objects.equals(driftThresholds, spec.driftThresholds());
  }

  /**
   * The declared fields (snake_case) in which {@code spec} differs from this version, e.g. {@code
   * [value_type, owner]}; empty when creating the spec again would change nothing.
   */
  public List<String> differingFields(FeatureSpec spec) {
    return differences(spec).fields();
  }

  Differences differences(FeatureSpec spec) {
    return new Differences()
        .compare("value_type", valueType.wireName(), spec.valueType().wireName())
        .compare("entity_keys", entityKeys, spec.entityKeys())
        .compare("computation_query", computationQuery, spec.computationQuery())
        .compare("expression", expression, spec.expression())
        .compare("description", description, spec.description())
        .compare("owner", owner, spec.owner())
        .compare("tags", tags, spec.tags())
        .compare("constraints", constraints.toMap(), spec.constraints().toMap())
        .compare("validation", wire(validation), wire(spec.validation()))
        .compare(
            "drift_thresholds", thresholds(driftThresholds), thresholds(spec.driftThresholds()));
  }

  /**
   * The wave-2 declarative fields as one map (constraints, validation, expression,
   * drift_thresholds; only those set), the form both registries store in their {@code options}
   * column so later fields need no schema change.
   */
  public Map<String, Object> options() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!constraints.isEmpty()) {
      m.put("constraints", constraints.toMap());
    }
    if (validation != null) {
      m.put("validation", validation.wireName());
    }
    if (expression != null) {
      m.put("expression", expression);
    }
    if (driftThresholds != null) {
      m.put("drift_thresholds", driftThresholds.toMap());
    }
    return m;
  }

  /** This version with the declarative fields of a stored {@link #options()} map. */
  public Feature withOptions(Map<String, ?> options) {
    String what = "feature '" + name + "' options";
    Options.known(options, what, OPTION_FIELDS);
    Map<String, Object> c = Options.object(options, what, "constraints");
    Map<String, Object> d = Options.object(options, what, "drift_thresholds");
    String v = Options.text(options, what, "validation");
    return new Feature(
        id,
        featureGroup,
        name,
        version,
        valueType,
        entityKeys,
        description,
        owner,
        tags,
        computationQuery,
        c == null ? Constraints.NONE : Constraints.fromMap(c),
        v == null ? null : ValidationMode.parse(v),
        Options.text(options, what, "expression"),
        d == null ? null : DriftThresholds.fromMap(d),
        statistics,
        mlflowRunId,
        createdAt);
  }

  public Feature withMetadata(FeatureSpec spec) {
    return new Feature(
        id,
        featureGroup,
        name,
        version,
        valueType,
        entityKeys,
        spec.description(),
        spec.owner(),
        spec.tags(),
        computationQuery,
        spec.constraints(),
        spec.validation(),
        expression,
        spec.driftThresholds(),
        statistics,
        mlflowRunId,
        createdAt);
  }

  public Feature withStatistics(Map<String, Object> stats) {
    return new Feature(
        id,
        featureGroup,
        name,
        version,
        valueType,
        entityKeys,
        description,
        owner,
        tags,
        computationQuery,
        constraints,
        validation,
        expression,
        driftThresholds,
        stats,
        mlflowRunId,
        createdAt);
  }

  public Feature withMlflowRunId(String runId) {
    return new Feature(
        id,
        featureGroup,
        name,
        version,
        valueType,
        entityKeys,
        description,
        owner,
        tags,
        computationQuery,
        constraints,
        validation,
        expression,
        driftThresholds,
        statistics,
        runId,
        createdAt);
  }

  private static @Nullable String wire(@Nullable ValidationMode mode) {
    return mode == null ? null : mode.wireName();
  }

  private static @Nullable Map<String, Object> thresholds(@Nullable DriftThresholds t) {
    return t == null ? null : t.toMap();
  }
}
