package io.e2i.featurestore;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a caller declares to create or update a feature. Updating a feature to a spec whose type,
 * entity keys or computation differ from the latest version creates a new version; other
 * differences (description, owner, tags) update the latest version in place (see {@link
 * FeatureStore#updateFeature}).
 */
public record FeatureSpec(
    String featureGroup,
    String name,
    ValueType valueType,
    List<String> entityKeys,
    @Nullable String description,
    @Nullable String owner,
    List<String> tags,
    @Nullable String computationQuery,
    Constraints constraints,
    @Nullable ValidationMode validation,
    @Nullable String expression,
    @Nullable DriftThresholds driftThresholds) {

  public FeatureSpec {
    Names.check("feature group name", featureGroup);
    Names.check("feature name", name);
    if (valueType == null) {
      throw FeatureStoreException.invalid("value_type is required");
    }
    if (entityKeys == null || entityKeys.isEmpty()) {
      throw FeatureStoreException.invalid(
          "feature '" + name + "' needs at least one entity key, e.g. [\"hcp_id\"]");
    }
    entityKeys.forEach(k -> Names.check("entity key", k));
    if (entityKeys.stream().distinct().count() != entityKeys.size()) {
      throw FeatureStoreException.invalid(
          "feature '" + name + "' repeats an entity key: " + entityKeys);
    }
    // Canonical order: key order never matters.
    entityKeys = entityKeys.stream().sorted().toList();
    tags = Names.copy(tags);
    constraints = constraints == null ? Constraints.NONE : constraints;
    constraints.checkAppliesTo(name, valueType);
    if (expression != null && expression.isBlank()) {
      throw FeatureStoreException.invalid("feature '" + name + "': expression may not be blank");
    }
    if (expression != null && computationQuery != null) {
      throw FeatureStoreException.invalid(
          "feature '"
              + name
              + "' has both a computation_query and an expression: an on-demand feature is"
              + " computed at read time from its expression, a materialized one by its query");
    }
  }

  /** The wave-1 fields only: no constraints, validation, expression or drift thresholds. */
  public FeatureSpec(
      String featureGroup,
      String name,
      ValueType valueType,
      List<String> entityKeys,
      @Nullable String description,
      @Nullable String owner,
      List<String> tags,
      @Nullable String computationQuery) {
    this(
        featureGroup,
        name,
        valueType,
        entityKeys,
        description,
        owner,
        tags,
        computationQuery,
        Constraints.NONE,
        null,
        null,
        null);
  }

  public FeatureSpec(
      String featureGroup, String name, ValueType valueType, List<String> entityKeys) {
    this(featureGroup, name, valueType, entityKeys, null, null, List.of(), null);
  }

  public static Builder builder(String featureGroup, String name) {
    return new Builder(featureGroup, name);
  }

  /** Builds a feature spec. */
  public static final class Builder {
    private final String featureGroup;
    private final String name;
    private @Nullable ValueType valueType;
    private @Nullable List<String> entityKeys;
    private @Nullable String description;
    private @Nullable String owner;
    private List<String> tags = List.of();
    private @Nullable String computationQuery;
    private Constraints constraints = Constraints.NONE;
    private @Nullable ValidationMode validation;
    private @Nullable String expression;
    private @Nullable DriftThresholds driftThresholds;

    private Builder(String featureGroup, String name) {
      this.featureGroup = featureGroup;
      this.name = name;
    }

    public Builder valueType(ValueType valueType) {
      this.valueType = valueType;
      return this;
    }

    public Builder valueType(String valueType) {
      return valueType(ValueType.parse(valueType));
    }

    public Builder entityKeys(List<String> entityKeys) {
      this.entityKeys = entityKeys;
      return this;
    }

    public Builder entityKeys(String... entityKeys) {
      return entityKeys(List.of(entityKeys));
    }

    public Builder description(@Nullable String description) {
      this.description = description;
      return this;
    }

    public Builder owner(@Nullable String owner) {
      this.owner = owner;
      return this;
    }

    public Builder tags(List<String> tags) {
      this.tags = tags;
      return this;
    }

    public Builder tags(String... tags) {
      return tags(List.of(tags));
    }

    public Builder computationQuery(@Nullable String computationQuery) {
      this.computationQuery = computationQuery;
      return this;
    }

    public Builder constraints(@Nullable Constraints constraints) {
      this.constraints = constraints == null ? Constraints.NONE : constraints;
      return this;
    }

    public Builder validation(@Nullable ValidationMode validation) {
      this.validation = validation;
      return this;
    }

    public Builder expression(@Nullable String expression) {
      this.expression = expression;
      return this;
    }

    public Builder driftThresholds(@Nullable DriftThresholds driftThresholds) {
      this.driftThresholds = driftThresholds;
      return this;
    }

    public FeatureSpec build() {
      if (valueType == null) {
        throw FeatureStoreException.invalid("value_type is required for feature '" + name + "'");
      }
      return new FeatureSpec(
          featureGroup,
          name,
          valueType,
          entityKeys == null ? List.of() : entityKeys,
          description,
          owner,
          tags,
          computationQuery,
          constraints,
          validation,
          expression,
          driftThresholds);
    }
  }
}
