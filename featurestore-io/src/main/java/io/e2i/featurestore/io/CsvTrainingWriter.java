package io.e2i.featurestore.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** RFC 4180 CSV with a header; null is an empty cell, lists are JSON text. */
final class CsvTrainingWriter extends TrainingDataWriter {
  private final BufferedWriter out;

  CsvTrainingWriter(OutputStream out) {
    this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
  }

  @Override
  protected void writeHeader() throws IOException {
    writeLine(columns.toArray());
  }

  @Override
  protected void writeRow(Object[] values) throws IOException {
    writeLine(values);
  }

  private void writeLine(Object[] values) throws IOException {
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.write(',');
      }
      out.write(escape(text(values[i])));
    }
    out.write('\n');
  }

  static String escape(String s) {
    boolean quote = false;
    for (int i = 0; i < s.length() && !quote; i++) {
      char c = s.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
  }

  @Override
  protected void writeFooter() throws IOException {
    out.flush();
  }

  List<String> columnNames() {
    return columns;
  }
}
