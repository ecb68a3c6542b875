package io.e2i.featurestore.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * V12: the read index carries {@code value_num} (V11) beside the value, so a history read sends a
 * number as its 8 bytes of {@code float8} without leaving the index (issue 15, measured in
 * docs/performance.md). Every partition's part of the index is rebuilt without holding writes back
 * for the build, so not in one transaction, on purpose:
 *
 * <ol>
 *   <li>the new index on the parent alone ({@code CREATE INDEX ... ON ONLY}: a catalog entry,
 *       invalid until every partition has its part; a month attached from now on, e.g. by a store
 *       instance creating one ahead, gets its part built empty with it);
 *   <li>per partition, {@code CREATE INDEX CONCURRENTLY} (writes go on; it waits for transactions
 *       older than it, e.g. a long training-data join) and {@code ALTER INDEX ... ATTACH
 *       PARTITION}; the parent index turns valid with the last;
 *   <li>one short transaction: the old index is dropped and the new one takes its name (and each
 *       part {@code <partition>_read_idx}). This takes the table's exclusive lock for a catalog
 *       change, waiting at most 10 s for running queries (then tried again, 5 times).
 * </ol>
 *
 * Flyway must not hold a transaction open meanwhile: {@link PgMigrations} uses a session advisory
 * lock instead of its default transactional one, which a concurrent index build would wait for
 * forever. A run interrupted in step 2 leaves an invalid part, which the next run drops and builds
 * again. Until step 3 the old index serves reads; the history's SQL needs the new one only to stay
 * index-only (with the old one it reads {@code value_num} from the heap: right, but slower).
 */
public final class ReadIndexMigration extends OutsideTransactionMigration {
  private static final Logger LOG = LoggerFactory.getLogger(ReadIndexMigration.class);
  static final String INDEX = "feature_values_read_idx";
  static final String BUILDING = "feature_values_read_v12_idx";
  static final String KEY_AND_INCLUDE =
      "(feature_id, entity_key, event_timestamp DESC, seq DESC)"
          + " INCLUDE (value, value_num, written_at)";

  public ReadIndexMigration() {
    super(12, "value_num in the read index");
  }

  @Override
  void run(Connection c) throws SQLException {
    migrate(c);
  }

  static void migrate(Connection c) throws SQLException {
    if (hasValueNum(c, INDEX)) {
      return; // done by an earlier run, or by hand
    }
    long started = System.nanoTime();
    inShortTransaction(
        c,
        s ->
            s.execute(
                "CREATE INDEX IF NOT EXISTS "
                    + BUILDING
                    + " ON ONLY feature_values "
                    + KEY_AND_INCLUDE));
    List<String> built = new ArrayList<>();
    for (List<String> missing = unindexed(c); !missing.isEmpty(); missing = unindexed(c)) {
      for (String partition : missing) {
        build(c, partition);
        built.add(partition);
      }
    }
    long attached = System.nanoTime();
    inShortTransaction(
        c,
        s -> {
          if (!valid(c, BUILDING)) {
            throw new SQLException(BUILDING + " is not valid after every partition was attached");
          }
          s.execute("DROP INDEX IF EXISTS " + INDEX);
          s.execute("ALTER INDEX " + BUILDING + " RENAME TO " + INDEX);
          for (String partition : built) {
            s.execute("ALTER INDEX " + part(partition) + " RENAME TO " + partition + "_read_idx");
          }
        });
    LOG.info(
        "read index rebuilt with value_num: {} partitions built concurrently in {} ms (writes go"
            + " on), swapped in {} ms (writes held only then)",
        built.size(),
        (attached - started) / 1_000_000,
        (System.nanoTime() - attached) / 1_000_000);
  }

  /** A partition's part of the index while it is built (renamed once the old index is gone). */
  private static String part(String partition) {
    return partition + "_read12_idx";
  }

  /** Builds one partition's part concurrently (after dropping a part a failed run left invalid). */
  private static void build(Connection c, String partition) throws SQLException {
    String name = part(partition);
    try (Statement s = c.createStatement()) {
      if (exists(c, name) && !valid(c, name)) {
        s.execute("DROP INDEX CONCURRENTLY IF EXISTS " + name);
      }
      s.execute(
          "CREATE INDEX CONCURRENTLY IF NOT EXISTS "
              + name
              + " ON "
              + partition
              + " "
              + KEY_AND_INCLUDE);
    }
    inShortTransaction(c, s -> s.execute("ALTER INDEX " + BUILDING + " ATTACH PARTITION " + name));
  }

  /** Partitions with no part of the new index attached yet. */
  private static List<String> unindexed(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT t.relname FROM pg_inherits p JOIN pg_class t ON t.oid = p.inhrelid"
                    + " WHERE p.inhparent = 'feature_values'::regclass AND NOT EXISTS ("
                    + "SELECT 1 FROM pg_inherits ip JOIN pg_index x ON x.indexrelid = ip.inhrelid"
                    + " WHERE ip.inhparent = '"
                    + BUILDING
                    + "'::regclass AND x.indrelid = t.oid) ORDER BY t.relname")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** Whether the index exists and includes value_num. */
  static boolean hasValueNum(Connection c, String index) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a"
                + " ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)"
                + " WHERE x.indexrelid = to_regclass(?) AND a.attname = 'value_num')")) {
      ps.setString(1, index);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  private static boolean exists(Connection c, String index) throws SQLException {
    return flag(c, "SELECT to_regclass(?) IS NOT NULL", index);
  }

  private static boolean valid(Connection c, String index) throws SQLException {
    return flag(
        c,
        "SELECT coalesce((SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(?)),"
            + " false)",
        index);
  }

  private static boolean flag(Connection c, String sql, String index) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, index);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  @FunctionalInterface
  private interface Work {
    void run(Statement s) throws SQLException;
  }

  /**
   * One transaction that waits at most 10 s for a lock (running queries hold the table's shared
   * locks; writes queue behind a waiting exclusive lock), tried again up to 5 times.
   */
  private static void inShortTransaction(Connection c, Work work) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL lock_timeout = '10s'");
        work.run(s);
        c.commit();
        return;
      } catch (SQLException e) {
        c.rollback();
        if (!"55P03".equals(e.getSQLState()) || attempt == 5) {
          throw e;
        }
        LOG.warn("feature_values busy; trying again ({} of 5)", attempt);
      } finally {
        c.setAutoCommit(true);
      }
    }
  }
}
