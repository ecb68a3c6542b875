package io.e2i.featurestore.spi;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

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
      String featureName,
      int version,
      ValueType type,
      @Nullable Object value,
      Instant eventTimestamp) {}

  /**
   * Self-describing JSON (each entry carries its type), for caches outside the JVM. The event time
   * is written twice: {@code ts} as ISO-8601 text (what every version reads) and {@code us} as
   * epoch microseconds, which reads without a date parser (the parse was an eighth of a Redis hit's
   * CPU).
   */
  public String toJson() {
    ArrayNode array = MAPPER.createArrayNode();
    for (Entry e : entries) {
      ObjectNode node = array.addObject();
      node.put("n", e.featureName());
      node.put("v", e.version());
      node.put("t", e.type().wireName());
      Instant ts = e.eventTimestamp();
      node.put("ts", ts.toString());
      if (ts.getNano() % 1_000 == 0) { // always, for stored times; else the text is exact
        node.put(
            "us",
            Math.addExact(
                Math.multiplyExact(ts.getEpochSecond(), 1_000_000L), ts.getNano() / 1_000));
      }
      node.set("x", readTree(ValueCodec.encode(e.value())));
    }
    return array.toString();
  }

  /**
   * Reads {@link #toJson()}, streaming; entries without {@code us} (older writers) parse {@code
   * ts}.
   */
  public static CachedFeatures fromJson(String json) {
    try (JsonParser p = MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IllegalArgumentException("cached features must be a JSON array: " + json);
      }
      List<Entry> entries = new ArrayList<>();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        entries.add(entry(p));
      }
      return new CachedFeatures(entries);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Entry entry(JsonParser p) throws IOException {
    String name = null;
    int version = 0;
    ValueType type = null;
    String tsText = null;
    long micros = 0;
    boolean hasMicros = false;
    JsonNode value = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken token = p.nextToken();
      switch (field) {
        case "n" -> name = p.getText();
        case "v" -> version = p.getIntValue();
        case "t" -> type = ValueType.parse(p.getText());
        case "ts" -> tsText = p.getText();
        case "us" -> {
          micros = p.getLongValue();
          hasMicros = true;
        }
        case "x" ->
            value = token == JsonToken.VALUE_NULL ? NullNode.getInstance() : p.readValueAsTree();
        default -> p.skipChildren();
      }
    }
    if (name == null || type == null || (tsText == null && !hasMicros)) {
      throw new IllegalArgumentException("cached entry lacks its name, type or event time");
    }
    Instant ts =
        hasMicros
            ? Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L)
            : Instant.parse(tsText);
    return new Entry(name, version, type, ValueCodec.fromStoredNode(type, value), ts);
  }

  private static JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
