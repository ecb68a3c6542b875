package io.e2i.featurestore.cli;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.ValueType;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Loads a CSV or Parquet file of entity keys, an event timestamp and feature columns into a group.
 * The file is read by an in-memory DuckDB into a table once, then scanned twice: first every cell
 * is checked (unknown columns, missing keys, bad values, bad timestamps), then the values are
 * written in batches. A bad file thus writes nothing; a file that fits one batch is written in one
 * transaction.
 */
final class Ingester {

  record Result(long rows, long values, int batches) {}

  /** One feature column and the feature it feeds. */
  private record Column(int index, String name, Feature feature) {}

  private final FeatureStore store;
  private final String group;
  private final List<String> entityKeysOption; // empty: inferred from the group's features
  private final String timestampColumn;
  private final int batchSize;
  private final ProgressOut progress;

  /** Where progress bars go, and whether to draw them. */
  record ProgressOut(PrintWriter err, boolean enabled) {}

  Ingester(
      FeatureStore store,
      String group,
      List<String> entityKeys,
      String timestampColumn,
      int batchSize,
      ProgressOut progress) {
    this.store = store;
    this.group = group;
    this.entityKeysOption = entityKeys;
    this.timestampColumn = timestampColumn;
    this.batchSize = batchSize;
    this.progress = progress;
  }

  Result ingest(Path file, boolean dryRun) {
    if (!Files.isRegularFile(file)) {
      throw FeatureStoreException.invalid("file " + file + " not found");
    }
    String reader = reader(file);
    List<Feature> groupFeatures =
        store
            .getFeatureGroup(group)
            .map(g -> store.listFeatures(g.name()))
            .orElseThrow(
                () -> FeatureStoreException.notFound("feature group '" + group + "' not found"));
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = db.createStatement()) {
      trySet(st, "SET TimeZone = 'UTC'");
      try {
        st.execute("CREATE TEMP TABLE src AS SELECT * FROM " + reader);
      } catch (SQLException e) {
        throw FeatureStoreException.invalid(
            "cannot read " + file + ": " + firstLine(e.getMessage()));
      }
      List<String> names = new ArrayList<>();
      List<String> types = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("DESCRIBE src")) {
        while (rs.next()) {
          names.add(rs.getString("column_name"));
          types.add(rs.getString("column_type"));
        }
      }
      Layout layout = layout(file, names, groupFeatures);
      long total;
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM src")) {
        rs.next();
        total = rs.getLong(1);
      }
      String select = select(names, types);

      // Pass 1: check every cell; keep the writes while they fit one batch (null once not).
      List<FeatureWrite> pending = new ArrayList<>();
      long values = 0;
      ProgressBar check =
          new ProgressBar(progress.err(), "checking", total, progress.enabled() && total > 100_000);
      try (ResultSet rs = st.executeQuery(select)) {
        long row = 0;
        while (rs.next()) {
          row++;
          List<FeatureWrite> writes = convert(file, layout, rs, row);
          values += writes.size();
          if (pending != null) {
            pending.addAll(writes);
            if (pending.size() > batchSize) {
              pending = null;
            }
          }
          check.update(row);
        }
      } catch (RuntimeException e) {
        check.abort();
        throw e;
      }
      if (total > 100_000) {
        check.finish(total);
      }
      if (dryRun) {
        return new Result(total, values, 0);
      }

      // Pass 2: write.
      ProgressBar bar = new ProgressBar(progress.err(), "writing", total, progress.enabled());
      int batches = 0;
      try {
        if (pending != null) {
          if (!pending.isEmpty()) {
            store.writeBatchFeatures(pending);
            batches = 1;
          }
          bar.update(total);
        } else {
          List<FeatureWrite> batch = new ArrayList<>(batchSize + 16);
          try (ResultSet rs = st.executeQuery(select)) {
            long row = 0;
            while (rs.next()) {
              row++;
              batch.addAll(convert(file, layout, rs, row));
              if (batch.size() >= batchSize) {
                store.writeBatchFeatures(batch);
                batches++;
                batch.clear();
                bar.update(row);
              }
            }
          }
          if (!batch.isEmpty()) {
            store.writeBatchFeatures(batch);
            batches++;
          }
        }
      } catch (RuntimeException e) {
        bar.abort();
        if (batches > 0 && e instanceof FeatureStoreException fse) {
          throw new FeatureStoreException(
              fse.code(),
              fse.getMessage()
                  + " (the first "
                  + batches
                  + " batches of "
                  + batchSize
                  + " values were written)",
              fse);
        }
        throw e;
      }
      bar.finish(total);
      return new Result(total, values, batches);
    } catch (SQLException e) {
      throw FeatureStoreException.invalid("cannot read " + file + ": " + firstLine(e.getMessage()));
    }
  }

  /** Which columns are entity keys, which the timestamp, and which feed which feature. */
  private record Layout(
      int timestampIndex, Map<String, Integer> entityKeyIndex, List<Column> features) {}

  private Layout layout(Path file, List<String> names, List<Feature> groupFeatures) {
    Map<String, Feature> byName = new LinkedHashMap<>();
    groupFeatures.forEach(f -> byName.put(f.name(), f));
    int ts = names.indexOf(timestampColumn);
    if (ts < 0) {
      throw FeatureStoreException.invalid(
          file
              + " has no timestamp column '"
              + timestampColumn
              + "' (columns: "
              + String.join(", ", names)
              + "); name it with --timestamp-column");
    }
    Set<String> keyNames = new LinkedHashSet<>();
    if (!entityKeysOption.isEmpty()) {
      for (String k : entityKeysOption) {
        if (!names.contains(k)) {
          throw FeatureStoreException.invalid(
              file
                  + " is missing entity key column '"
                  + k
                  + "' (columns: "
                  + String.join(", ", names)
                  + ")");
        }
        keyNames.add(k);
      }
    } else {
      Set<String> groupKeys = new LinkedHashSet<>();
      groupFeatures.forEach(f -> groupKeys.addAll(f.entityKeys()));
      for (String n : names) {
        if (groupKeys.contains(n)) {
          keyNames.add(n);
        }
      }
    }
    Map<String, Integer> keyIndex = new LinkedHashMap<>();
    keyNames.forEach(k -> keyIndex.put(k, names.indexOf(k)));
    List<Column> features = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (i == ts || keyIndex.containsKey(n)) {
        continue;
      }
      Feature f = byName.get(n);
      if (f == null) {
        throw FeatureStoreException.notFound(
            file
                + ": column '"
                + n
                + "' is not a feature of group '"
                + group
                + "' (features: "
                + String.join(", ", byName.keySet())
                + ")");
      }
      for (String k : f.entityKeys()) {
        if (!keyIndex.containsKey(k)) {
          throw FeatureStoreException.invalid(
              file
                  + " is missing entity key column '"
                  + k
                  + "' that feature '"
                  + n
                  + "' needs (it takes "
                  + f.entityKeys()
                  + ")");
        }
      }
      features.add(new Column(i, n, f));
    }
    if (features.isEmpty()) {
      throw FeatureStoreException.invalid(
          file
              + " has no feature columns of group '"
              + group
              + "' (features: "
              + String.join(", ", byName.keySet())
              + ")");
    }
    return new Layout(ts, keyIndex, features);
  }

  private List<FeatureWrite> convert(Path file, Layout layout, ResultSet rs, long row)
      throws SQLException {
    String where = file.getFileName() + " row " + row;
    Object tsCell = rs.getObject(layout.timestampIndex() + 1);
    if (tsCell == null || tsCell.toString().isBlank()) {
      throw FeatureStoreException.invalid(
          where + ": timestamp column '" + timestampColumn + "' is empty");
    }
    Instant ts = Times.parseAbsolute(tsCell.toString().trim());
    if (ts == null) {
      throw FeatureStoreException.invalid(
          where
              + ": malformed timestamp '"
              + tsCell
              + "' in column '"
              + timestampColumn
              + "'; expected ISO-8601 such as 2025-12-18T10:15:30Z");
    }
    Map<String, String> keys = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> k : layout.entityKeyIndex().entrySet()) {
      Object v = rs.getObject(k.getValue() + 1);
      if (v == null || v.toString().isBlank()) {
        keys.put(k.getKey(), null);
      } else {
        keys.put(k.getKey(), v.toString().trim());
      }
    }
    List<FeatureWrite> writes = new ArrayList<>(layout.features().size());
    for (Column c : layout.features()) {
      Object cell = rs.getObject(c.index() + 1);
      if (cell == null) {
        continue; // an empty cell: no value for this feature in this row
      }
      Map<String, String> entity = new LinkedHashMap<>();
      for (String k : c.feature().entityKeys()) {
        String v = keys.get(k);
        if (v == null) {
          throw FeatureStoreException.invalid(
              where + ": entity key '" + k + "' is empty (feature '" + c.name() + "' needs it)");
        }
        entity.put(k, v);
      }
      Object value;
      ValueType type = c.feature().valueType();
      try {
        value = value(type, cell);
      } catch (IllegalArgumentException e) {
        throw FeatureStoreException.typeMismatch(
            where
                + ": column '"
                + c.name()
                + "' ("
                + type.wireName()
                + ") for entity "
                + io.e2i.featurestore.EntityKey.of(entity)
                + ": "
                + e.getMessage());
      }
      if (value != null) {
        writes.add(new FeatureWrite(c.name(), entity, value, ts, group));
      }
    }
    return writes;
  }

  /** A cell as a value of the feature's type: text is parsed, typed cells are normalized. */
  static @Nullable Object value(ValueType type, Object cell) throws SQLException {
    if (cell instanceof String s) {
      if (type == ValueType.TIMESTAMP) {
        Instant t = s.isBlank() ? null : Times.parseAbsolute(s.trim());
        if (t == null && !s.isBlank()) {
          throw new IllegalArgumentException("malformed timestamp '" + s + "'");
        }
        return t;
      }
      return type.parseText(s);
    }
    if (cell instanceof Array array) {
      Object[] elements = (Object[]) array.getArray();
      List<Object> list = new ArrayList<>(elements.length);
      for (Object e : elements) {
        list.add(e instanceof BigDecimal d ? d.doubleValue() : e);
      }
      return type.normalize(list);
    }
    if (cell instanceof BigDecimal d && type == ValueType.FLOAT64) {
      return d.doubleValue();
    }
    if (cell instanceof java.time.OffsetDateTime || cell instanceof java.time.LocalDateTime) {
      return type.normalize(cell.toString());
    }
    return type.normalize(cell);
  }

  /** Timestamp-like columns are read as text in UTC, so no JVM time zone ever applies. */
  private static String select(List<String> names, List<String> types) {
    StringBuilder sb = new StringBuilder("SELECT ");
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      String col = '"' + names.get(i).replace("\"", "\"\"") + '"';
      String t = types.get(i).toUpperCase(Locale.ROOT);
      if (t.startsWith("TIMESTAMP") || t.equals("DATE")) {
        sb.append("CAST(").append(col).append(" AS VARCHAR)");
      } else {
        sb.append(col);
      }
    }
    return sb.append(" FROM src").toString();
  }

  private static String reader(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    String path = "'" + file.toAbsolutePath().toString().replace("'", "''") + "'";
    if (name.endsWith(".parquet") || name.endsWith(".pq")) {
      return "read_parquet(" + path + ")";
    }
    if (name.endsWith(".csv")
        || name.endsWith(".csv.gz")
        || name.endsWith(".tsv")
        || name.endsWith(".txt")) {
      // Every cell as text: the feature's type decides how to parse it, and errors name the cell.
      return "read_csv_auto(" + path + ", header = true, all_varchar = true)";
    }
    throw FeatureStoreException.invalid(
        "cannot ingest " + file + ": expected a .csv, .tsv or .parquet file");
  }

  private static void trySet(Statement st, String sql) {
    try {
      st.execute(sql);
    } catch (SQLException e) {
      // Without ICU, TIMESTAMPTZ text is UTC anyway.
    }
  }

  private static String firstLine(@Nullable String s) {
    if (s == null) {
      return "(no message)";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
