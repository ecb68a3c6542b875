package io.e2i.featurestore.pipelines;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.PipelineBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Suggests features from a source table: windowed aggregations (count, sum, avg, min, max, last
 * over 7, 30 and 90 days) of each numeric column and counts per category of each low-cardinality
 * string column, each as a computation_query that materialization runs unchanged. Columns are
 * ranked by coverage (non-null share) times spread (coefficient of variation, or normalized entropy
 * of categories), or, with a label column, by |correlation| with the label (numeric) and mutual
 * information with it (categories; the label binned at its mean when it has many values).
 *
 * <p>The generated SQL is plain enough for both PostgreSQL and DuckDB: each value is the aggregate
 * over the window before midnight UTC of each day on which the entity had a source row (a day
 * without rows yields no value, so a window's value changes only on active days).
 */
public final class FeatureSuggester {
  static final int[] WINDOWS = {7, 30, 90};
  static final String[] AGGREGATIONS = {"count", "sum", "avg", "min", "max", "last"};
  static final int MAX_CATEGORIES = 20;
  private static final int SAMPLE = 10_000;

  /** One suggested feature. */
  public record Candidate(
      String name, String valueType, String column, String query, double score, String why) {}

  private final FeatureStore store;
  private final String source;
  private final String entity;
  private final String timestamp;
  private final @Nullable String label;

  public FeatureSuggester(
      FeatureStore store, String source, String entity, String timestamp, @Nullable String label) {
    this.store = store;
    this.source = source;
    this.entity = entity;
    this.timestamp = timestamp;
    this.label = label;
  }

  /** The candidates, best first. */
  public List<Candidate> suggest() {
    Sample sample = sample();
    for (String required :
        label == null ? List.of(entity, timestamp) : List.of(entity, timestamp, label)) {
      if (!sample.columns.contains(required)) {
        throw FeatureStoreException.invalid(
            "source " + source + " has no column '" + required + "'; columns: " + sample.columns);
      }
    }
    List<Candidate> out = new ArrayList<>();
    for (int i = 0; i < sample.columns.size(); i++) {
      String c = sample.columns.get(i);
      if (c.equals(entity) || c.equals(timestamp) || c.equals(label)) {
        continue;
      }
      if (sample.numeric[i]) {
        numeric(c, out);
      } else if (sample.text[i] && sample.distinct.get(i).size() <= MAX_CATEGORIES) {
        categorical(c, out);
      }
    }
    out.sort(Comparator.comparingDouble(Candidate::score).reversed());
    return out;
  }

  private static final class Sample {
    List<String> columns = List.of();
    boolean[] numeric = new boolean[0];
    boolean[] text = new boolean[0];
    List<java.util.Set<Object>> distinct = new ArrayList<>();
  }

  private Sample sample() {
    try {
      return readSample();
    } catch (FeatureStoreException e) {
      if (e.code() != FeatureStoreException.Code.INVALID_ARGUMENT) {
        throw e;
      }
      throw FeatureStoreException.invalid(unreadable(source, e.getMessage()));
    }
  }

  /**
   * Why {@code source} could not be read, naming it: the source is pasted into SQL, so a file path
   * given as is made the database answer only "Parser Error: syntax error".
   */
  static String unreadable(String source, @Nullable String failure) {
    String hint =
        "; expected a table name or a table function such as read_csv('data.csv') or"
            + " read_parquet('data.parquet')";
    boolean pathLike = !source.contains("(") && (source.contains("/") || source.contains("\\"));
    if (pathLike) {
      String kind = source.endsWith(".parquet") ? "read_parquet" : "read_csv";
      return "cannot read source '"
          + source
          + "': a file path is no table; to read a file, give "
          + kind
          + "('"
          + source
          + "') as the source"
          + (isFile(source) ? "" : " (and no file " + source + " exists)");
    }
    String said = failure == null ? "" : failure.replaceFirst("^query failed: ", "");
    return "cannot read source '" + source + "'" + hint + " (" + said + ")";
  }

  private static boolean isFile(String path) {
    try {
      return java.nio.file.Files.isRegularFile(java.nio.file.Path.of(path));
    } catch (java.nio.file.InvalidPathException e) {
      return false;
    }
  }

  private Sample readSample() {
    Sample s = new Sample();
    store.querySource(
        "SELECT * FROM " + source + " LIMIT " + SAMPLE,
        new PipelineBackend.RowSink() {
          @Override
          public void columns(List<String> names) {
            s.columns = names;
            s.numeric = new boolean[names.size()];
            s.text = new boolean[names.size()];
            java.util.Arrays.fill(s.numeric, true);
            java.util.Arrays.fill(s.text, true);
            names.forEach(n -> s.distinct.add(new java.util.HashSet<>()));
          }

          @Override
          public void row(Object[] values) {
            for (int i = 0; i < values.length; i++) {
              Object v = values[i];
              if (v == null) {
                continue;
              }
              s.numeric[i] &= v instanceof Number;
              s.text[i] &= v instanceof String;
              if (s.distinct.get(i).size() <= MAX_CATEGORIES) {
                s.distinct.get(i).add(v);
              }
            }
          }
        });
    return s;
  }

  private static String q(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private List<Object[]> rows(String sql) {
    List<Object[]> rows = new ArrayList<>();
    store.querySource(
        sql,
        new PipelineBackend.RowSink() {
          @Override
          public void columns(List<String> names) {}

          @Override
          public void row(Object[] values) {
            rows.add(values);
          }
        });
    return rows;
  }

  private static double num(@Nullable Object v) {
    return v instanceof Number n ? n.doubleValue() : 0.0;
  }

  private void numeric(String c, List<Candidate> out) {
    String col = q(c);
    Object[] r =
        rows("SELECT count(*), count("
                + col
                + "), avg(CAST("
                + col
                + " AS DOUBLE PRECISION)), stddev_samp(CAST("
                + col
                + " AS DOUBLE PRECISION))"
                + (label == null
                    ? ""
                    : ", corr(CAST("
                        + col
                        + " AS DOUBLE PRECISION), CAST("
                        + q(label)
                        + " AS DOUBLE PRECISION))")
                + " FROM "
                + source)
            .getFirst();
    double coverage = num(r[0]) == 0 ? 0 : num(r[1]) / num(r[0]);
    double mean = num(r[2]);
    double sd = num(r[3]);
    double score;
    String why;
    if (label == null) {
      double cv = mean == 0 ? (sd > 0 ? 1 : 0) : sd / Math.abs(mean);
      score = coverage * (cv / (1 + cv));
      why =
          String.format(Locale.ROOT, "coverage %.2f, coefficient of variation %.2f", coverage, cv);
    } else {
      double corr = Math.abs(num(r[4]));
      score = corr;
      why =
          String.format(
              Locale.ROOT, "|correlation| with %s %.3f, coverage %.2f", label, corr, coverage);
    }
    for (int w : WINDOWS) {
      for (String agg : AGGREGATIONS) {
        String value =
            switch (agg) {
              case "count" -> "count(s." + col + ")";
              case "last" ->
                  "CAST((array_agg(s."
                      + col
                      + " ORDER BY s."
                      + q(timestamp)
                      + " DESC))[1] AS DOUBLE PRECISION)";
              default -> "CAST(" + agg + "(s." + col + ") AS DOUBLE PRECISION)";
            };
        // Finer windows first among equals: a stable order for the same score.
        double rank = score - w * 1e-9;
        out.add(
            new Candidate(
                name(agg + "_" + c + "_" + w + "d"),
                agg.equals("count") ? "int64" : "float64",
                c,
                windowQuery(value, w),
                rank,
                agg + " of " + c + " over " + w + " days; " + why));
      }
    }
  }

  private void categorical(String c, List<Candidate> out) {
    String col = q(c);
    String labelBin = null;
    if (label != null) {
      List<Object[]> distinct =
          rows(
              "SELECT count(DISTINCT "
                  + q(label)
                  + "), avg(CAST("
                  + q(label)
                  + " AS DOUBLE PRECISION)) FROM "
                  + source);
      labelBin =
          num(distinct.getFirst()[0]) <= 10
              ? "CAST(" + q(label) + " AS VARCHAR)"
              : "CASE WHEN CAST("
                  + q(label)
                  + " AS DOUBLE PRECISION) > "
                  + num(distinct.getFirst()[1])
                  + " THEN 'high' ELSE 'low' END";
    }
    List<Object[]> counts =
        rows(
            "SELECT "
                + col
                + ", "
                + (labelBin == null ? "''" : labelBin)
                + ", count(*) FROM "
                + source
                + " GROUP BY 1, 2");
    double total = 0;
    double nonNull = 0;
    Map<String, Double> byCategory = new TreeMap<>();
    Map<String, Double> byLabel = new HashMap<>();
    Map<String, Double> joint = new HashMap<>();
    for (Object[] r : counts) {
      double n = num(r[2]);
      total += n;
      if (r[0] == null) {
        continue;
      }
      nonNull += n;
      String cat = String.valueOf(r[0]);
      String lab = String.valueOf(r[1]);
      byCategory.merge(cat, n, Double::sum);
      byLabel.merge(lab, n, Double::sum);
      joint.merge(cat + "\u0000" + lab, n, Double::sum);
    }
    double coverage = total == 0 ? 0 : nonNull / total;
    double score;
    String why;
    if (label == null) {
      double entropy = 0;
      for (double n : byCategory.values()) {
        double p = n / nonNull;
        entropy -= p * Math.log(p);
      }
      double normalized = byCategory.size() <= 1 ? 0 : entropy / Math.log(byCategory.size());
      score = coverage * normalized;
      why =
          String.format(
              Locale.ROOT, "coverage %.2f, normalized entropy %.2f", coverage, normalized);
    } else {
      double mi = 0;
      for (Map.Entry<String, Double> e : joint.entrySet()) {
        String[] parts = e.getKey().split("\u0000", -1);
        double pxy = e.getValue() / nonNull;
        double px = byCategory.getOrDefault(parts[0], 0.0) / nonNull;
        double py = byLabel.getOrDefault(parts[1], 0.0) / nonNull;
        mi += pxy * Math.log(pxy / (px * py));
      }
      score = mi;
      why =
          String.format(
              Locale.ROOT,
              "mutual information with %s %.4f nats, coverage %.2f",
              label,
              mi,
              coverage);
    }
    for (int w : WINDOWS) {
      for (String category : byCategory.keySet()) {
        String literal = "'" + category.replace("'", "''") + "'";
        out.add(
            new Candidate(
                name("count_" + c + "_" + category + "_" + w + "d"),
                "int64",
                c,
                windowQuery("count(*) FILTER (WHERE s." + col + " = " + literal + ")", w),
                score - w * 1e-9,
                "rows with " + c + " = " + category + " over " + w + " days; " + why));
      }
    }
  }

  /** A feature name from free text: lower case letters, digits and underscores. */
  public static String name(String text) {
    String n = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("_+", "_");
    n = n.replaceAll("^_|_$", "");
    return Character.isLetter(n.isEmpty() ? '0' : n.charAt(0)) ? n : "f_" + n;
  }

  /**
   * The aggregate {@code value} over the {@code days} before midnight UTC closing each day on which
   * the entity had a row, for the days whose midnight is in the run's window.
   */
  private String windowQuery(String value, int days) {
    String e = q(entity);
    String t = q(timestamp);
    return "SELECT d."
        + e
        + ", d.day AS event_timestamp, "
        + value
        + " AS value FROM (SELECT DISTINCT "
        + e
        + ", date_trunc('day', "
        + t
        + ") + INTERVAL '1 day' AS day FROM "
        + source
        + " WHERE "
        + t
        + " >= CAST(:start AS TIMESTAMPTZ) - INTERVAL '1 day' AND "
        + t
        + " < CAST(:end AS TIMESTAMPTZ)) d JOIN "
        + source
        + " s ON s."
        + e
        + " = d."
        + e
        + " AND s."
        + t
        + " >= d.day - INTERVAL '"
        + days
        + " days' AND s."
        + t
        + " < d.day GROUP BY d."
        + e
        + ", d.day";
  }

  /** The candidates as a features YAML file for {@code featurestore apply}. */
  public static String yaml(String group, String source, List<Candidate> candidates) {
    StringBuilder y = new StringBuilder();
    y.append("# Suggested by `featurestore suggest` from ")
        .append(source)
        .append(", best first.\n");
    y.append("# Review, then `featurestore apply` this file and `featurestore materialize ")
        .append(group)
        .append("`.\n");
    y.append("groups:\n");
    y.append("  - name: ").append(group).append('\n');
    y.append("    description: ").append(json("Candidate features from " + source)).append('\n');
    y.append("    source_table: ").append(json(source)).append('\n');
    y.append("    expected_update_frequency_hours: 24\n");
    y.append("    tags: [suggested]\n");
    y.append("    features:\n");
    Map<String, Candidate> unique = new LinkedHashMap<>();
    candidates.forEach(c -> unique.putIfAbsent(c.name(), c));
    for (Candidate c : unique.values()) {
      y.append("      - name: ").append(c.name()).append('\n');
      y.append("        value_type: ").append(c.valueType()).append('\n');
      y.append("        entity_keys: [").append(entityOf(c)).append("]\n");
      y.append("        description: ")
          .append(json(String.format(Locale.ROOT, "score %.4f: %s", c.score(), c.why())))
          .append('\n');
      y.append("        tags: [suggested]\n");
      y.append("        computation_query: ").append(json(c.query())).append('\n');
    }
    return y.toString();
  }

  private static String entityOf(Candidate c) {
    // "SELECT d."<entity>", ..." : the entity column is the query's first identifier.
    String q = c.query();
    int start = q.indexOf("d.\"") + 3;
    return q.substring(start, q.indexOf('"', start)).replace("\"\"", "\"");
  }

  /** A YAML double-quoted scalar (JSON's string syntax is valid YAML). */
  static String json(String text) {
    StringBuilder s = new StringBuilder("\"");
    for (char ch : text.toCharArray()) {
      switch (ch) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        case '\t' -> s.append("\\t");
        default -> {
          if (ch < 0x20) {
            s.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
          } else {
            s.append(ch);
          }
        }
      }
    }
    return s.append('"').toString();
  }
}
