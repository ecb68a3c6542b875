package io.e2i.featurestore.io;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** Writes feature and entity values to a {@link JsonGenerator} without a serializer lookup. */
public final class JsonValues {
  private JsonValues() {}

  /**
   * Strings, numbers, booleans, timestamps (ISO-8601 text) and lists of them, as the HTTP API
   * writes them; any other number as its decimal text, anything else as its string form.
   */
  public static void write(JsonGenerator g, Object value) throws IOException {
    switch (value) {
      case null -> g.writeNull();
      case String s -> g.writeString(s);
      case Long l -> g.writeNumber(l);
      case Integer i -> g.writeNumber(i);
      case Double d -> g.writeNumber(d);
      case Boolean b -> g.writeBoolean(b);
      case Instant t -> g.writeString(t.toString());
      case List<?> list -> {
        g.writeStartArray();
        for (Object item : list) {
          write(g, item);
        }
        g.writeEndArray();
      }
      case Number n -> g.writeNumber(n.toString());
      default -> g.writeString(value.toString());
    }
  }
}
