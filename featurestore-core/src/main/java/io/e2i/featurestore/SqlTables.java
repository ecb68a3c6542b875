package io.e2i.featurestore;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tables a computation query reads, found lexically: every name after FROM or JOIN that is not
 * a subquery, a table function or a CTE the query defines. Not a SQL parser: it is right for the
 * queries computation_query holds (one SELECT, maybe with CTEs and joins) and errs towards naming
 * too few tables, never inventing one; a query it finds nothing in falls back to the group's
 * source_table.
 */
final class SqlTables {
  private static final String IDENT = "(?:\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*)";
  private static final Pattern SOURCE =
      Pattern.compile(
          "(?i)\\b(?:from|join)\\s+(" + IDENT + "(?:\\s*\\.\\s*" + IDENT + ")*)(\\s*\\()?");
  private static final Pattern CTE =
      Pattern.compile("(?i)(?:\\bwith(?:\\s+recursive)?|,)\\s*(" + IDENT + ")\\s+as\\s*\\(");
  private static final Pattern COMMENT = Pattern.compile("--[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);
  private static final Pattern STRING = Pattern.compile("'(?:[^']|'')*'");
  private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> NOT_TABLES =
      Set.of("select", "lateral", "unnest", "values", "only");

  private SqlTables() {}

  static List<String> named(String query) {
    String sql = STRING.matcher(COMMENT.matcher(query).replaceAll(" ")).replaceAll("''");
    Set<String> ctes = new LinkedHashSet<>();
    Matcher c = CTE.matcher(sql);
    while (c.find()) {
      ctes.add(unquote(c.group(1)).toLowerCase(Locale.ROOT));
    }
    Set<String> tables = new LinkedHashSet<>();
    Matcher m = SOURCE.matcher(sql);
    while (m.find()) {
      if (m.group(2) != null) {
        continue; // a table function: FROM read_parquet(...)
      }
      String name = unquote(m.group(1).replaceAll("\\s+", ""));
      String lower = name.toLowerCase(Locale.ROOT);
      if (!ctes.contains(lower) && !NOT_TABLES.contains(lower)) {
        tables.add(name);
      }
    }
    return new ArrayList<>(tables);
  }

  /** The identifiers an expression uses, in order of first use (outside string literals). */
  static List<String> identifiers(String expression) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m =
        WORD.matcher(STRING.matcher(expression).replaceAll("''").replaceAll("\"[^\"]*\"", ""));
    while (m.find()) {
      names.add(m.group());
    }
    return new ArrayList<>(names);
  }

  private static String unquote(String name) {
    return name.replace("\"", "");
  }
}
