package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.ValueRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The writer's log of its writes ({@code feature_value_writes}, V13): per write transaction and
 * feature, how many rows it added and a seq below all of them (the sequence's last value, read
 * before the COPY takes its rows' seqs). With it the unrewritten-keys certificate of a feature
 * ({@link PgUniqueKeys}) is proved by a lookup instead of a count of all the feature's rows: a
 * write whose bound lies below the certificate's seq may hold rows at or below it (committed out of
 * seq order) and changes the sum of those; a write through {@code feature_values} that no writer
 * counted is logged as uncounted by V13's statement trigger. Rows removed by retention are not
 * logged: a removal cannot make two rows share a key.
 *
 * <p>Insert-only, one row per feature and write: concurrent writers never wait on a row lock.
 */
final class PgWriteLog {
  private PgWriteLog() {}

  /**
   * Logs a write of {@code rows} on {@code c}, in the transaction of their COPY and before it (so
   * the bound is below every seq the COPY takes), and marks the transaction's writes as counted.
   * One statement; with autocommit off the driver sends it with the transaction's BEGIN.
   */
  static void record(Connection c, List<ValueRow> rows) throws SQLException {
    Map<UUID, Long> perFeature = new HashMap<>();
    for (ValueRow r : rows) {
      perFeature.merge(r.featureId(), 1L, Long::sum);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO feature_value_writes (feature_id, rows, seq_above)"
                + " SELECT u.f, u.n, s.bound FROM unnest(?::uuid[], ?::bigint[]) u(f, n),"
                + " (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS bound"
                + " FROM feature_values_seq_seq) s"
                + " WHERE set_config('featurestore.counted_write', 'on', true) = 'on'")) {
      ps.setArray(1, c.createArrayOf("uuid", perFeature.keySet().toArray()));
      ps.setArray(2, c.createArrayOf("bigint", perFeature.values().toArray()));
      ps.executeUpdate();
    }
  }

  /**
   * Folds the log so that it stays small (one row per write otherwise): the rows logged before the
   * previous fold become one row per feature (their sum, and the lowest bound), in one transaction;
   * uncounted writes likewise (their sum is what a check compares). A certificate whose "below" sum
   * this changes (made before the previous fold, with writes logged after it and before that fold)
   * counts its rows once more; sums are kept, so no other answer changes. Each fold leaves a mark
   * (no feature, no rows, the sequence's value then) for the next. Run by partition maintenance
   * (one instance at a time). Returns the folded rows written.
   */
  static long fold(Connection c) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (java.sql.Statement s = c.createStatement()) {
      long folded = 0;
      try (java.sql.ResultSet rs =
          s.executeQuery(
              "SELECT max(seq_above) FROM feature_value_writes"
                  + " WHERE feature_id IS NULL AND rows = 0")) {
        rs.next();
        long previous = rs.getLong(1);
        if (!rs.wasNull()) {
          // RETURNING: only rows this statement removed are summed, whatever else runs
          folded =
              s.executeUpdate(
                  "WITH d AS (DELETE FROM feature_value_writes WHERE seq_above < "
                      + previous
                      + " AND rows > 0 RETURNING feature_id, rows, seq_above)"
                      + " INSERT INTO feature_value_writes (feature_id, rows, seq_above)"
                      + " SELECT feature_id, sum(rows), min(seq_above) FROM d GROUP BY 1");
        }
      }
      s.execute("DELETE FROM feature_value_writes WHERE feature_id IS NULL AND rows = 0");
      s.execute(
          "INSERT INTO feature_value_writes (feature_id, rows, seq_above) SELECT NULL, 0,"
              + " CASE WHEN is_called THEN last_value ELSE last_value - 1 END"
              + " FROM feature_values_seq_seq");
      c.commit();
      return folded;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /**
   * One row: the feature's counted rows whose bound lies below {@code through} (they may hold rows
   * at or below it), those at or above it (all their rows above it), the uncounted writes, and the
   * sequence's last value (read after the statement's snapshot: at least every visible row's seq;
   * null for a role that may not read the sequence, e.g. a read-only one, which then counts rows
   * whenever some were written since).
   */
  static String check(String feature, long through) {
    return "SELECT coalesce(sum(rows) FILTER (WHERE feature_id = "
        + feature
        + " AND seq_above < "
        + through
        + "), 0), coalesce(sum(rows) FILTER (WHERE feature_id = "
        + feature
        + " AND seq_above >= "
        + through
        + "), 0), coalesce(sum(rows) FILTER (WHERE feature_id IS NULL), 0),"
        + " CASE WHEN has_sequence_privilege('feature_values_seq_seq', 'SELECT, USAGE')"
        + " THEN pg_sequence_last_value('feature_values_seq_seq') END"
        + " FROM feature_value_writes WHERE feature_id = "
        + feature
        + " OR feature_id IS NULL";
  }
}
