package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureMetadata;
import io.e2i.featurestore.FeatureValue;
import io.e2i.featurestore.FreshnessReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Results in the HTTP API's JSON shape (snake_case), so that local and {@code --server} runs print
 * through the same code and {@code --json} output matches what the server answers.
 */
final class Views {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);

  private Views() {}

  static JsonNode online(String group, EntityFeatures ef) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("entity_values", ef.entity().values());
    m.put("feature_group", group);
    m.put("features", ef.features());
    Map<String, Object> meta = new LinkedHashMap<>();
    ef.metadata().forEach((name, md) -> meta.put(name, metadata(md)));
    m.put("metadata", meta);
    return JSON.valueToTree(m);
  }

  private static Map<String, Object> metadata(FeatureMetadata md) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("feature_group", md.featureGroup());
    m.put("version", md.version());
    m.put("event_timestamp", text(md.eventTimestamp()));
    m.put("freshness_status", md.freshnessStatus().wireName());
    return m;
  }

  static JsonNode history(List<FeatureValue> values) {
    List<Map<String, Object>> rows = new ArrayList<>(values.size());
    for (FeatureValue v : values) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("feature_group", v.featureGroup());
      m.put("feature_name", v.featureName());
      m.put("version", v.version());
      m.put("entity_values", v.entity().values());
      m.put("value", v.value());
      m.put("event_timestamp", text(v.eventTimestamp()));
      m.put("written_at", text(v.writtenAt()));
      m.put(
          "freshness_status", v.freshnessStatus() == null ? null : v.freshnessStatus().wireName());
      rows.add(m);
    }
    return JSON.valueToTree(rows);
  }

  static JsonNode freshness(List<FreshnessReport> reports) {
    List<Map<String, Object>> rows = new ArrayList<>(reports.size());
    for (FreshnessReport r : reports) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("feature_group", r.featureGroup());
      m.put("feature_name", r.featureName());
      m.put("version", r.version());
      m.put("total_entities", r.totalEntities());
      m.put("fresh_count", r.freshCount());
      m.put("stale_count", r.staleCount());
      m.put("expired_count", r.expiredCount());
      m.put("last_event_timestamp", text(r.lastEventTimestamp()));
      m.put(
          "time_since_last_event",
          r.timeSinceLastEvent() == null ? null : r.timeSinceLastEvent().toString());
      m.put(
          "time_since_last_event_seconds",
          r.timeSinceLastEvent() == null ? null : r.timeSinceLastEvent().toMillis() / 1000.0);
      m.put("checked_at", text(r.checkedAt()));
      rows.add(m);
    }
    return JSON.valueToTree(rows);
  }

  static JsonNode tree(Object value) {
    return JSON.valueToTree(value);
  }

  static String pretty(JsonNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static @Nullable String text(@Nullable Instant t) {
    return t == null ? null : t.toString();
  }
}
