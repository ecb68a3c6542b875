package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.SqlQualityQueries;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Data-quality aggregations in PostgreSQL, on the read database (a replica when configured), over
 * the logical {@code feature_values} table: a window's current values walk the read index
 * (feature_id, entity_key, event_timestamp DESC, seq DESC) with DISTINCT ON.
 */
final class PgQuality extends SqlQualityQueries {
  private final PgDatabase db;
  private final PgDatabase primary;
  private final PgUniqueKeys unique;

  /** SQL states of a CREATE TABLE the role may not run: no privilege, no schema to create in. */
  private static final java.util.Set<String> NO_CREATE = java.util.Set.of("42501", "3F000");

  /** Whether derived relations are unlogged tables; false once the role could not create one. */
  private volatile boolean unlogged = true;

  /** Reads go to {@code db} (a replica when configured); the drift history to {@code primary}. */
  PgQuality(PgDatabase db, PgDatabase primary) {
    this.db = db;
    this.primary = primary;
    this.unique = new PgUniqueKeys(db);
  }

  @Override
  protected void update(String what, String sql, Object... parameters) {
    try (Connection c = primary.connection();
        java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        ps.setObject(i + 1, parameters[i]);
      }
      ps.executeUpdate();
    } catch (SQLException e) {
      throw PgDatabase.error("writing the " + what, e);
    }
  }

  @Override
  protected <T> T query(String what, String sql, Reader<T> reader) {
    try (Connection c = db.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return reader.read(rs);
    } catch (SQLException e) {
      throw PgDatabase.error("computing the " + what, e);
    }
  }

  /**
   * On the primary, a materialized relation is an unlogged table of its own name (dropped after),
   * so the current values are derived once however many aggregations read them, and each of those
   * scans can run with parallel workers (a temporary table lives in one backend's memory, which
   * workers cannot read: at 10 M values every scan of one took twice as long); a read replica takes
   * no tables, so there each query starts with the relation as a materialized CTE. A relation not
   * materialized is a CTE that each query reads again. All queries run on one connection.
   */
  @Override
  protected <T> T withRelation(String name, String select, boolean materialize, Body<T> body) {
    boolean tables = db == primary;
    try (Connection c = db.connection()) {
      List<String> ctes = new ArrayList<>();
      Map<String, String> created = new LinkedHashMap<>(); // relation name -> table name
      try {
        if (materialize && tables) {
          createTable(c, name, "", select, created);
        } else {
          ctes.add(
              name
                  + (materialize ? " AS MATERIALIZED (" : " AS NOT MATERIALIZED (")
                  + select
                  + ")");
        }
        return body.run(
            new Querier() {
              @Override
              public <R> R query(String what, String sql, Reader<R> reader) {
                try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(renamed(with(ctes) + sql, created))) {
                  return reader.read(rs);
                } catch (SQLException e) {
                  throw PgDatabase.error("computing the " + what, e);
                }
              }

              @Override
              public void derive(String derived, String sql) {
                try {
                  if (tables) {
                    createTable(c, derived, with(ctes), sql, created);
                  } else {
                    ctes.removeIf(cte -> cte.startsWith(derived + " AS "));
                    ctes.add(derived + " AS MATERIALIZED (" + sql + ")");
                  }
                } catch (SQLException e) {
                  throw PgDatabase.error("deriving " + derived, e);
                }
              }
            });
      } finally {
        try (Statement s = c.createStatement()) {
          for (String table : created.values()) {
            s.execute("DROP TABLE IF EXISTS " + table);
          }
        }
      }
    } catch (SQLException e) {
      throw PgDatabase.error("deriving the current values", e);
    }
  }

  private static String with(List<String> ctes) {
    return ctes.isEmpty() ? "" : "WITH " + String.join(", ", ctes) + " ";
  }

  /**
   * The SQL with each relation name that is a table here replaced by the table's name, outside
   * string literals (a constraint's allowed value or a category may be any text; a doubled quote
   * inside a literal reads as two literals side by side, so it is skipped as well).
   */
  static String renamed(String sql, Map<String, String> created) {
    if (created.isEmpty()) {
      return sql;
    }
    java.util.regex.Pattern names =
        java.util.regex.Pattern.compile(
            "'[^']*'|\\b(" + String.join("|", created.keySet()) + ")\\b");
    return names
        .matcher(sql)
        .replaceAll(
            m ->
                java.util.regex.Matcher.quoteReplacement(
                    m.group(1) == null ? m.group() : created.get(m.group(1))));
  }

  /**
   * The rows of {@code select} as a new unlogged table named after the relation plus a random
   * suffix (concurrent drifts on other connections each have their own), dropped by the caller. The
   * table is never written again and lives for one call, so it needs no WAL; a crash of the server
   * empties it, a crash of this process between create and drop leaves it behind (its name starts
   * with {@code fs_quality_}). A role that may not create tables in the schema gets temporary
   * tables instead (each scanned by one process), from then on.
   */
  private void createTable(
      Connection c, String name, String with, String select, Map<String, String> created)
      throws SQLException {
    String sql = renamed(with + select, created);
    String table =
        "fs_quality_" + name + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Statement s = c.createStatement()) {
      // The copy returns every row it reads, which the planner prices high enough (0.1 a row)
      // that it never scans with parallel workers; yet the leader only writes the rows, while
      // the workers do the scan and JSONB casts, which cost more than the writing.
      s.execute("SET parallel_tuple_cost = 0.001");
      try {
        if (unlogged) {
          try {
            s.execute("CREATE UNLOGGED TABLE " + table + " AS " + sql);
          } catch (SQLException e) {
            if (!NO_CREATE.contains(e.getSQLState())) {
              throw e;
            }
            unlogged = false;
          }
        }
        if (!unlogged) {
          s.execute("CREATE TEMP TABLE " + table + " AS " + sql);
        }
      } finally {
        s.execute("RESET parallel_tuple_cost");
      }
      String replaced = created.put(name, table);
      if (replaced != null) {
        s.execute("DROP TABLE IF EXISTS " + replaced);
      }
    }
  }

  /** Known from the feature's {@link PgUniqueKeys} certificate, checked (and extended) first. */
  @Override
  protected @Nullable Long uniqueThrough(List<UUID> ids) {
    return unique.uniqueThrough(ids);
  }

  /**
   * The current values: with a {@code uniqueThrough} the rows themselves up to that seq (a scan the
   * planner may run with parallel workers), else the latest written per (entity, event time), a
   * DISTINCT ON walk of the read index (feature_id, entity_key, event_timestamp DESC, seq DESC).
   */
  @Override
  protected String current(List<UUID> ids, Window w, @Nullable Long through) {
    if (through != null) {
      return "SELECT feature_id AS f, entity_key AS entity, value AS v FROM feature_values"
          + " WHERE feature_id IN ("
          + idList(ids)
          + ") AND seq <= "
          + through
          + bounds(w);
    }
    return "SELECT DISTINCT ON (feature_id, entity_key, event_timestamp) feature_id AS f,"
        + " entity_key AS entity, value AS v FROM feature_values WHERE feature_id IN ("
        + idList(ids)
        + ")"
        + bounds(w)
        + " ORDER BY feature_id, entity_key, event_timestamp DESC, seq DESC";
  }

  /**
   * One scan for both windows of a feature whose rows are its current values: the windows of a
   * drift usually lie in the same monthly partition, which two reads would each scan in full.
   */
  @Override
  protected @Nullable String pairOfRows(Window reference, Window current, @Nullable Long through) {
    if (through == null
        || !reference.featureId().equals(current.featureId())
        || !disjoint(reference, current)) {
      return null;
    }
    String inReference = "(TRUE" + bounds(reference) + ")";
    return "SELECT CASE WHEN "
        + inReference
        + " THEN 0 ELSE 1 END AS side, value AS v FROM feature_values WHERE feature_id = '"
        + reference.featureId()
        + "' AND seq <= "
        + through
        + " AND ("
        + inReference
        + " OR (TRUE"
        + bounds(current)
        + "))";
  }

  /**
   * Whether a numeric drift reads the stored rows with {@link PgDriftScan} (two parallel scans, no
   * copy) where it can; tests turn it off to compare with the path over a copy.
   */
  volatile boolean scans = true;

  /** How finely {@link PgDriftScan} divides the values (tests make buckets of many values). */
  volatile PgDriftScan.Limits scanLimits = PgDriftScan.Limits.DEFAULT;

  /**
   * The two scans of {@link PgDriftScan} unless the feature is known to have a rewritten key; the
   * scan checks (and extends) its {@link PgUniqueKeys} certificate itself, in its own snapshot,
   * unless its windows' rows have not moved since the last check ({@link #windowRows}).
   */
  @Override
  protected @Nullable Scan scanRows(Window reference, Window current) {
    if (!scans || unique.knownRewritten(reference.featureId())) {
      return null;
    }
    return scan(reference, current);
  }

  /**
   * Per feature and pair of windows (the scan's SQL condition), the seq through which its rows were
   * certified and how many rows the windows then held, all with seq up to it: a later drift of the
   * same windows that sees the same number of rows and none with a higher seq reads the rows
   * certified, so it skips the certificate's count (a scan of all the feature's rows). A row
   * committed out of seq order changes the count, as it does the certificate's (rows removed and as
   * many committed out of order between two drifts would not, as for the certificate).
   */
  private final Map<String, long[]> windowRows = new ConcurrentHashMap<>();

  /** How many times a scan checked the certificate (tests see the checks it skipped). */
  final AtomicInteger certificateChecks = new AtomicInteger();

  /** How many times a check counted the feature's rows (tests see the counts the log spared). */
  int rowCounts() {
    return unique.rowCounts();
  }

  /** The two scans of the feature's rows in the windows, or null when a key was rewritten. */
  @Nullable PgDriftScan scan(Window reference, Window current) {
    UUID id = reference.featureId();
    String inReference = "(TRUE" + bounds(reference) + ")";
    String inCurrent = "(TRUE" + bounds(current) + ")";
    String key = id + " " + inReference + " " + inCurrent;
    return PgDriftScan.open(
        db,
        scanLimits,
        id.toString(),
        new PgDriftScan.Certifier() {
          @Override
          public long @Nullable [] known() {
            return windowRows.get(key);
          }

          @Override
          public @Nullable Long check(Connection c) throws SQLException {
            certificateChecks.incrementAndGet();
            return unique.uniqueThrough(c, id);
          }

          @Override
          public void remember(long through, long rows) {
            if (windowRows.size() >= 1024) {
              windowRows.clear(); // windows that move (the last days) are not met again
            }
            windowRows.put(key, new long[] {through, rows});
          }
        },
        inReference,
        inCurrent);
  }

  @Override
  protected String timestamp(Instant instant) {
    return "TIMESTAMPTZ '" + instant + "'";
  }

  @Override
  protected String number(String column) {
    return "(" + column + ")::float8";
  }

  @Override
  protected String text(String column) {
    return "(" + column + " #>> '{}')";
  }

  @Override
  protected String canonical(String column) {
    return "(" + column + ")::text";
  }

  @Override
  protected String listLength(String column) {
    return "jsonb_array_length(" + column + ")";
  }

  @Override
  protected String fullMatch(String expr, String patternLiteral) {
    return "(" + expr + " ~ ('^(?:' || " + patternLiteral + " || ')$'))";
  }
}
