package io.e2i.featurestore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A logical group of related features, with the seed's fields. The two bounds drive freshness:
 * values are fresh while younger than {@code expectedUpdateFrequencyHours}, stale until {@code
 * maxAgeHours}, expired after; a null bound never triggers.
 */
public record FeatureGroup(
    String name,
    String description,
    String owner,
    List<String> tags,
    String sourceTable,
    Integer expectedUpdateFrequencyHours,
    Integer maxAgeHours,
    String mlflowExperimentName,
    String mlflowExperimentId,
    Instant createdAt) {

  public FeatureGroup {
    Names.check("feature group name", name);
    tags = Names.copy(tags);
    checkHours("expected_update_frequency_hours", expectedUpdateFrequencyHours);
    checkHours("max_age_hours", maxAgeHours);
  }

  private static void checkHours(String field, Integer hours) {
    if (hours != null && hours <= 0) {
      throw FeatureStoreException.invalid(field + " must be positive, got " + hours);
    }
  }

  public Duration expectedUpdateFrequency() {
    return expectedUpdateFrequencyHours == null
        ? null
        : Duration.ofHours(expectedUpdateFrequencyHours);
  }

  public Duration maxAge() {
    return maxAgeHours == null ? null : Duration.ofHours(maxAgeHours);
  }

  public FreshnessStatus freshnessAt(Instant eventTimestamp, Instant now) {
    return FreshnessStatus.of(
        Duration.between(eventTimestamp, now), expectedUpdateFrequency(), maxAge());
  }

  /** True when the user-declared fields match, ignoring tracking ids and timestamps. */
  public boolean sameDefinition(FeatureGroup other) {
    return name.equals(other.name)
        && Objects.equals(description, other.description)
        && Objects.equals(owner, other.owner)
        && tags.equals(other.tags)
        && Objects.equals(sourceTable, other.sourceTable)
        && Objects.equals(expectedUpdateFrequencyHours, other.expectedUpdateFrequencyHours)
        && Objects.equals(maxAgeHours, other.maxAgeHours)
        && Objects.equals(mlflowExperimentName, other.mlflowExperimentName);
  }

  public FeatureGroup withMlflowExperimentId(String experimentId) {
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

  public FeatureGroup withCreatedAt(Instant created) {
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
    private String description;
    private String owner;
    private List<String> tags = List.of();
    private String sourceTable;
    private Integer expectedUpdateFrequencyHours;
    private Integer maxAgeHours;
    private String mlflowExperimentName;

    private Builder(String name) {
      this.name = name;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder owner(String owner) {
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

    public Builder sourceTable(String sourceTable) {
      this.sourceTable = sourceTable;
      return this;
    }

    public Builder expectedUpdateFrequencyHours(Integer hours) {
      this.expectedUpdateFrequencyHours = hours;
      return this;
    }

    public Builder maxAgeHours(Integer hours) {
      this.maxAgeHours = hours;
      return this;
    }

    public Builder mlflowExperimentName(String experimentName) {
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
