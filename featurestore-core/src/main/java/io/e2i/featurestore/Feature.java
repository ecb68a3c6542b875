package io.e2i.featurestore;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One version of a registered feature. Each version has its own id; stored values belong to a
 * version. {@code entityKeys} are sorted.
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
    Map<String, Object> statistics,
    @Nullable String mlflowRunId,
    Instant createdAt) {

  public Feature {
    Objects.requireNonNull(id, "id");
    entityKeys = List.copyOf(entityKeys);
    tags = tags == null ? List.of() : List.copyOf(tags);
    statistics = statistics == null ? Map.of() : Map.copyOf(statistics);
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
        Map.of(),
        null,
        createdAt);
  }

  /** "group:feature@version", the reference form used in training data requests. */
  public String reference() {
    return featureGroup + ":" + name + "@" + version;
  }

  /** True when the spec changes what values mean: type, keys or computation. */
  public boolean definitionDiffers(FeatureSpec spec) {
    return valueType != spec.valueType()
        || !entityKeys.equals(spec.entityKeys())
        || !Objects.equals(computationQuery, spec.computationQuery());
  }

  /** True when the spec changes only descriptive fields. */
  public boolean metadataDiffers(FeatureSpec spec) {
    return !Objects.equals(description, spec.description())
        || !Objects.equals(owner, spec.owner())
        || !tags.equals(spec.tags());
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
        .compare("description", description, spec.description())
        .compare("owner", owner, spec.owner())
        .compare("tags", tags, spec.tags());
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
        statistics,
        runId,
        createdAt);
  }
}
