package io.e2i.featurestore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A logical group of related features, with the seed's fields. The two bounds drive freshness:
 * values are fresh while younger than {@code expectedUpdateFrequencyHours}, stale until {@code
 * maxAgeHours}, expired after; a null bound never triggers.
 */
public record FeatureGroup(
    String name,
    @Nullable String description,
    @Nullable String owner,
    List<String> tags,
    @Nullable String sourceTable,
    @Nullable Integer expectedUpdateFrequencyHours,
    @Nullable Integer maxAgeHours,
    @Nullable String mlflowExperimentName,
    @Nullable String mlflowExperimentId,
    @Nullable Instant createdAt) {

  public FeatureGroup {
    Names.check("feature group name", name);
    tags = Names.copy(tags);
    checkHours("expected_update_frequency_hours", expectedUpdateFrequencyHours);
    checkHours("max_age_hours", maxAgeHours);
  }

  private static void checkHours(String field, @Nullable Integer hours) {
    if (hours != null && hours <= 0) {
      throw FeatureStoreException.invalid(field + " must be positive, got " + hours);
    }
  }

  public @Nullable Duration expectedUpdateFrequency() {
    return expectedUpdateFrequencyHours == null
        ? null
        : Duration.ofHours(expectedUpdateFrequencyHours);
  }

  public @Nullable Duration maxAge() {
    return maxAgeHours == null ? null : Duration.ofHours(maxAgeHours);
  }

  public FreshnessStatus freshnessAt(Instant eventTimestamp, Instant now) {
    return FreshnessStatus.of(
        Duration.between(eventTimestamp, now), expectedUpdateFrequency(), maxAge());
  }

  /** True when the user-declared fields match, ignoring tracking ids and timestamps. */
  public boolean sameDefinition(FeatureGroup other) {
    return differences(other).none();
  }

  /**
   * The user-declared fields (snake_case) in which {@code given} differs from this stored group,
   * e.g. {@code [owner, max_age_hours]}; empty when the definitions are the same.
   */
  public List<String> differingFields(FeatureGroup given) {
    return differences(given).fields();
  }

  Differences differences(FeatureGroup given) {
    return new Differences()
        .compare("name", name, given.name)
        .compare("description", description, given.description)
        .compare("owner", owner, given.owner)
        .compare("tags", tags, given.tags)
        .compare("source_table", sourceTable, given.sourceTable)
        .compare(
            "expected_update_frequency_hours",
            expectedUpdateFrequencyHours,
            given.expectedUpdateFrequencyHours)
        .compare("max_age_hours", maxAgeHours, given.maxAgeHours)
        .compare("mlflow_experiment_name", mlflowExperimentName, given.mlflowExperimentName);
  }

  public FeatureGroup withMlflowExperimentId(@Nullable String experimentId) {
    return new FeatureGroup(
        name,
        description,
        owner,
        tags,
        sourceTable,
        expectedUpdateFrequencyHours,
        maxAgeHours,
        mlflowExperimentName,
        experimentId,
        createdAt);
  }

  public FeatureGroup withCreatedAt(@Nullable Instant created) {
    return new FeatureGroup(
        name,
        description,
        owner,
        tags,
        sourceTable,
        expectedUpdateFrequencyHours,
        maxAgeHours,
        mlflowExperimentName,
        mlflowExperimentId,
        created);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Builds a group definition; unset fields stay null or empty. */
  public static final class Builder {
    private final String name;
    private @Nullable String description;
    private @Nullable String owner;
    private List<String> tags = List.of();
    private @Nullable String sourceTable;
    private @Nullable Integer expectedUpdateFrequencyHours;
    private @Nullable Integer maxAgeHours;
    private @Nullable String mlflowExperimentName;

    private Builder(String name) {
      this.name = name;
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

    public Builder sourceTable(@Nullable String sourceTable) {
      this.sourceTable = sourceTable;
      return this;
    }

    public Builder expectedUpdateFrequencyHours(@Nullable Integer hours) {
      this.expectedUpdateFrequencyHours = hours;
      return this;
    }

    public Builder maxAgeHours(@Nullable Integer hours) {
      this.maxAgeHours = hours;
      return this;
    }

    public Builder mlflowExperimentName(@Nullable String experimentName) {
      this.mlflowExperimentName = experimentName;
      return this;
    }

    public FeatureGroup build() {
      return new FeatureGroup(
          name,
          description,
          owner,
          tags,
          sourceTable,
          expectedUpdateFrequencyHours,
          maxAgeHours,
          mlflowExperimentName,
          null,
          null);
    }
  }
}
