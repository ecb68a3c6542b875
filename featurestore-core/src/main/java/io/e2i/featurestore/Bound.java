package io.e2i.featurestore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A computation query with its {@code :start} and {@code :end} parameters turned into JDBC {@code
 * ?} placeholders, outside string literals, quoted identifiers and comments, and never in a
 * PostgreSQL cast ({@code ::timestamptz}).
 */
record Bound(String sql, List<Object> params) {

  static Bound of(String query, Instant start, Instant end) {
    StringBuilder out = new StringBuilder(query.length());
    List<Object> params = new ArrayList<>();
    int i = 0;
    int n = query.length();
    while (i < n) {
      char c = query.charAt(i);
      if (c == '\'' || c == '"') {
        int close = closing(query, i, c);
        out.append(query, i, close);
        i = close;
      } else if (c == '-' && i + 1 < n && query.charAt(i + 1) == '-') {
        int eol = query.indexOf('\n', i);
        int stop = eol < 0 ? n : eol;
        out.append(query, i, stop);
        i = stop;
      } else if (c == ':' && (i == 0 || query.charAt(i - 1) != ':')) {
        String name = word(query, i + 1);
        if (name.equals("start") || name.equals("end")) {
          out.append('?');
          params.add(name.equals("start") ? start : end);
          i += 1 + name.length();
        } else {
          out.append(c);
          i++;
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return new Bound(out.toString(), List.copyOf(params));
  }

  /** The index after the literal opened at {@code open}; a doubled quote stays inside. */
  private static int closing(String s, int open, char quote) {
    int i = open + 1;
    while (i < s.length()) {
      if (s.charAt(i) == quote) {
        if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return s.length();
  }

  private static String word(String s, int from) {
    int i = from;
    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
      i++;
    }
    return s.substring(from, i);
  }
}
