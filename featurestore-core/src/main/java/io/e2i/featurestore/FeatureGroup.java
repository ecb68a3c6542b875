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
    @Nullable ValidationMode validation,
    @Nullable String schedule,
    @Nullable Integer retentionDays,
    @Nullable String mlflowExperimentName,
    @Nullable String mlflowExperimentId,
    @Nullable Instant createdAt) {

  static final List<String> OPTION_FIELDS = List.of("validation", "schedule", "retention_days");

  public FeatureGroup {
    Names.check("feature group name", name);
    tags = Names.copy(tags);
    checkHours("expected_update_frequency_hours", expectedUpdateFrequencyHours);
    checkHours("max_age_hours", maxAgeHours);
    if (schedule != null) {
      Cron.parse(schedule); // a schedule the scheduler cannot read is a 400 now, not a log line
    }
    if (retentionDays != null && retentionDays <= 0) {
      throw FeatureStoreException.invalid("retention_days must be positive, got " + retentionDays);
    }
  }

  /** A group with the wave-1 fields only (no validation mode, schedule or retention). */
  public FeatureGroup(
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
    this(
        name,
        description,
        owner,
        tags,
        sourceTable,
        expectedUpdateFrequencyHours,
        maxAgeHours,
        null,
        null,
        null,
        mlflowExperimentName,
        mlflowExperimentId,
        createdAt);
  }

  /** The validation mode in force for features that declare none: the group's, or reject. */
  public ValidationMode effectiveValidation() {
    return validation == null ? ValidationMode.REJECT : validation;
  }

  /**
   * The wave-2 declarative fields as one map (validation, schedule, retention_days; only those
   * set), the form both registries store in their {@code options} column.
   */
  public java.util.Map<String, Object> options() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    if (validation != null) {
      m.put("validation", validation.wireName());
    }
    if (schedule != null) {
      m.put("schedule", schedule);
    }
    if (retentionDays != null) {
      m.put("retention_days", retentionDays);
    }
    return m;
  }

  /** This group with the declarative fields of a stored {@link #options()} map. */
  public FeatureGroup withOptions(java.util.Map<String, ?> options) {
    String what = "feature group '" + name + "' options";
    Options.known(options, what, OPTION_FIELDS);
    String v = Options.text(options, what, "validation");
    return new FeatureGroup(
        name,
        description,
        owner,
        tags,
        sourceTable,
        expectedUpdateFrequencyHours,
        maxAgeHours,
        v == null ? null : ValidationMode.parse(v),
        Options.text(options, what, "schedule"),
        Options.integer(options, what, "retention_days"),
        mlflowExperimentName,
        mlflowExperimentId,
        createdAt);
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
        .compare(
            "validation",
            validation == null ? null : validation.wireName(),
            given.validation == null ? null : given.validation.wireName())
        .compare("schedule", schedule, given.schedule)
        .compare("retention_days", retentionDays, given.retentionDays)
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
        validation,
        schedule,
        retentionDays,
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
        validation,
        schedule,
        retentionDays,
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
    private @Nullable ValidationMode validation;
    private @Nullable String schedule;
    private @Nullable Integer retentionDays;

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

    public Builder validation(@Nullable ValidationMode validation) {
      this.validation = validation;
      return this;
    }

    public Builder schedule(@Nullable String schedule) {
      this.schedule = schedule;
      return this;
    }

    public Builder retentionDays(@Nullable Integer retentionDays) {
      this.retentionDays = retentionDays;
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
          validation,
          schedule,
          retentionDays,
          mlflowExperimentName,
          null,
          null);
    }
  }
}
