package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A plain left-aligned text table, for terminal output. */
final class Table {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... headers) {
    this.headers = List.of(headers);
  }

  Table row(@Nullable Object... cells) {
    List<String> r = new ArrayList<>(cells.length);
    for (Object c : cells) {
      r.add(cell(c));
    }
    rows.add(r);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out, String indent) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    }
    line(out, indent, headers, widths);
    for (List<String> r : rows) {
      line(out, indent, r, widths);
    }
  }

  private static void line(PrintWriter out, String indent, List<String> cells, int[] widths) {
    StringBuilder sb = new StringBuilder(indent);
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      sb.append(c);
      if (i < cells.size() - 1) {
        sb.append(" ".repeat(widths[i] - c.length() + 2));
      }
    }
    out.println(sb.toString().stripTrailing());
  }

  /** Text of a cell: JSON strings unquoted, other JSON as JSON, null as "-". */
  static String cell(@Nullable Object c) {
    if (c == null) {
      return "-";
    }
    if (c instanceof JsonNode n) {
      if (n.isNull() || n.isMissingNode()) {
        return "-";
      }
      return n.isTextual() ? n.textValue() : n.toString();
    }
    return c.toString();
  }
}
