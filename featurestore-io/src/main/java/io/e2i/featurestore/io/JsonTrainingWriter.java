package io.e2i.featurestore.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * {@code {"columns":[...],"rows":[{"col":value,...},...],"row_count":n}}: rows as objects so that
 * {@code pandas.DataFrame(body["rows"])} works; keys keep the column order.
 */
final class JsonTrainingWriter extends TrainingDataWriter {
  private final JsonGenerator json;

  JsonTrainingWriter(OutputStream out) {
    try {
      this.json = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
      json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected void writeHeader() throws IOException {
    json.writeStartObject();
    json.writeArrayFieldStart("columns");
    for (String c : columns) {
      json.writeString(c);
    }
    json.writeEndArray();
    json.writeArrayFieldStart("rows");
  }

  @Override
  protected void writeRow(Object[] values) throws IOException {
    json.writeStartObject();
    for (int i = 0; i < values.length; i++) {
      json.writeFieldName(columns.get(i));
      JsonValues.write(json, values[i]);
    }
    json.writeEndObject();
  }

  @Override
  protected void writeFooter() throws IOException {
    json.writeEndArray();
    json.writeNumberField("row_count", rowCount());
    json.writeEndObject();
    json.flush();
  }
}
