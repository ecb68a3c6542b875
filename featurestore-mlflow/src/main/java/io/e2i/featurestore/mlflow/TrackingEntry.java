package io.e2i.featurestore.mlflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.StatisticsMaps;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One queued tracking call, self-contained: it carries everything needed to replay it after a
 * restart, when the tracker no longer has the registry's objects. Plain strings and lists so the
 * journal format does not depend on the domain records' shape.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TrackingEntry(
    @JsonProperty("seq") long seq,
    @JsonProperty("op") Op op,
    @JsonProperty("enqueued_at") String enqueuedAt,
    @JsonProperty("group") GroupInfo group,
    @JsonProperty("feature") @Nullable FeatureInfo feature,
    @JsonProperty("statistics") @Nullable Map<String, Object> statistics) {

  enum Op {
    group,
    feature,
    statistics,
    /** Data-quality tags and metrics: {"computed_at", "tags": {...}, "metrics": {...}}. */
    quality
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record GroupInfo(
      @JsonProperty("name") String name,
      @JsonProperty("experiment_name") String experimentName,
      @JsonProperty("experiment_id") @Nullable String experimentId,
      @JsonProperty("description") @Nullable String description,
      @JsonProperty("owner") @Nullable String owner,
      @JsonProperty("tags") List<String> tags) {

    static GroupInfo of(FeatureGroup g) {
      String experiment =
          g.mlflowExperimentName() == null || g.mlflowExperimentName().isBlank()
              ? "feature_group/" + g.name()
              : g.mlflowExperimentName();
      return new GroupInfo(
          g.name(), experiment, g.mlflowExperimentId(), g.description(), g.owner(), g.tags());
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record FeatureInfo(
      @JsonProperty("id") String id,
      @JsonProperty("group") String group,
      @JsonProperty("name") String name,
      @JsonProperty("version") int version,
      @JsonProperty("value_type") String valueType,
      @JsonProperty("entity_keys") List<String> entityKeys,
      @JsonProperty("description") @Nullable String description,
      @JsonProperty("owner") @Nullable String owner,
      @JsonProperty("tags") List<String> tags,
      @JsonProperty("computation_query") @Nullable String computationQuery,
      @JsonProperty("run_id") @Nullable String runId,
      @JsonProperty("created_at") @Nullable String createdAt) {

    static FeatureInfo of(Feature f) {
      return new FeatureInfo(
          f.id().toString(),
          f.featureGroup(),
          f.name(),
          f.version(),
          f.valueType().wireName(),
          f.entityKeys(),
          f.description(),
          f.owner(),
          f.tags(),
          f.computationQuery(),
          f.mlflowRunId(),
          f.createdAt() == null ? null : f.createdAt().toString());
    }
  }

  static TrackingEntry group(FeatureGroup g) {
    return new TrackingEntry(0, Op.group, Instant.now().toString(), GroupInfo.of(g), null, null);
  }

  static TrackingEntry feature(FeatureGroup g, Feature f) {
    return new TrackingEntry(
        0, Op.feature, Instant.now().toString(), GroupInfo.of(g), FeatureInfo.of(f), null);
  }

  static TrackingEntry statistics(FeatureGroup g, Feature f, FeatureStatistics s) {
    return new TrackingEntry(
        0,
        Op.statistics,
        Instant.now().toString(),
        GroupInfo.of(g),
        FeatureInfo.of(f),
        StatisticsMaps.toMap(s));
  }

  static TrackingEntry quality(
      FeatureGroup g,
      Feature f,
      Map<String, String> tags,
      Map<String, Double> metrics,
      Instant at) {
    Map<String, Object> payload = new java.util.LinkedHashMap<>();
    payload.put("computed_at", at.toString());
    payload.put("tags", tags);
    payload.put("metrics", metrics);
    return new TrackingEntry(
        0, Op.quality, Instant.now().toString(), GroupInfo.of(g), FeatureInfo.of(f), payload);
  }

  TrackingEntry withSeq(long n) {
    return new TrackingEntry(n, op, enqueuedAt, group, feature, statistics);
  }

  Instant enqueuedInstant() {
    return Instant.parse(enqueuedAt);
  }
}
