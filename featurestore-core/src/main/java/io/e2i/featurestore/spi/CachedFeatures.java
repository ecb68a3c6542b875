package io.e2i.featurestore.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the online cache keeps for one key: the latest value of each feature asked for. Freshness is
 * not cached; it is computed at read time from the event timestamps.
 */
public record CachedFeatures(List<Entry> entries) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public CachedFeatures {
    entries = List.copyOf(entries);
  }

  /** One feature's cached value. */
  public record Entry(
      String featureName, int version, ValueType type, Object value, Instant eventTimestamp) {}

  /** Self-describing JSON (each entry carries its type), for caches outside the JVM. */
  public String toJson() {
    ArrayNode array = MAPPER.createArrayNode();
    for (Entry e : entries) {
      ObjectNode node = array.addObject();
      node.put("n", e.featureName());
      node.put("v", e.version());
      node.put("t", e.type().wireName());
      node.put("ts", e.eventTimestamp().toString());
      node.set("x", readTree(ValueCodec.encode(e.value())));
    }
    return array.toString();
  }

  public static CachedFeatures fromJson(String json) {
    JsonNode array = readTree(json);
    List<Entry> entries = new ArrayList<>(array.size());
    for (JsonNode node : array) {
      ValueType type = ValueType.parse(node.get("t").asText());
      entries.add(
          new Entry(
              node.get("n").asText(),
              node.get("v").asInt(),
              type,
              ValueCodec.fromNode(type, node.get("x")),
              Instant.parse(node.get("ts").asText())));
    }
    return new CachedFeatures(entries);
  }

  private static JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
