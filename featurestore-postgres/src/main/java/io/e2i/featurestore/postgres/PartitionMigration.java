package io.e2i.featurestore.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * V6: {@code feature_values} becomes a table partitioned by month of event time, without holding
 * writes back for long on a large table (issue 15). Not in one transaction, on purpose:
 *
 * <ol>
 *   <li>{@code max(event_timestamp)} (a scan; writes go on) gives the cutoff: the start of the
 *       second month after the later of that and now;
 *   <li>a {@code CHECK (event_timestamp < cutoff) NOT VALID} (a brief exclusive lock; from now on
 *       new rows are checked), then {@code VALIDATE} (scans the table under a lock that lets writes
 *       go on);
 *   <li>one short transaction: the old table is renamed {@code feature_values_legacy}, loses its
 *       generated {@code entity_values} column (a catalog change, no rewrite), and is attached to
 *       the new partitioned {@code feature_values} as the partition of everything before the
 *       cutoff. The validated CHECK spares the attach its scan, and the old read index is adopted
 *       as the new index's partition rather than rebuilt. Monthly partitions from the cutoff on,
 *       and the views, are created in the same transaction. An empty old table is dropped instead,
 *       so a new store is monthly from the start.
 * </ol>
 *
 * Writes wait only for the brief exclusive locks; the cost that grows with the table (the scan for
 * the maximum and the validation) runs beside them. Times measured on millions of rows are in
 * docs/performance.md.
 */
public final class PartitionMigration extends OutsideTransactionMigration {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionMigration.class);
  static final String CHECK_NAME = "feature_values_legacy_range";

  public PartitionMigration() {
    super(6, "partitioned feature values");
  }

  @Override
  void run(Connection c) throws SQLException {
    migrate(c);
  }

  static void migrate(Connection c) throws SQLException {
    if (PgPartitions.isPartitioned(c)) {
      return; // a run interrupted after its last step, or done by hand
    }
    long started = System.nanoTime();
    Instant max = scalarInstant(c, "SELECT max(event_timestamp) FROM feature_values");
    Instant later = max == null || max.isBefore(Instant.now()) ? Instant.now() : max;
    YearMonth cutoff = YearMonth.from(later.atOffset(ZoneOffset.UTC)).plusMonths(2);
    String cutoffLiteral = PgPartitions.literal(cutoff);
    long scanned = System.nanoTime();
    try (Statement s = c.createStatement()) {
      s.execute("SET lock_timeout = '10s'");
      s.execute("ALTER TABLE feature_values DROP CONSTRAINT IF EXISTS " + CHECK_NAME);
      s.execute(
          "ALTER TABLE feature_values ADD CONSTRAINT "
              + CHECK_NAME
              + " CHECK (event_timestamp < "
              + cutoffLiteral
              + ") NOT VALID");
      s.execute("ALTER TABLE feature_values VALIDATE CONSTRAINT " + CHECK_NAME);
      s.execute("RESET lock_timeout");
    }
    long validated = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      try {
        swap(c, cutoff);
        break;
      } catch (SQLException e) {
        if (!"55P03".equals(e.getSQLState()) || attempt == 5) {
          throw e;
        }
        LOG.warn("feature_values busy; trying the swap again ({} of 5)", attempt);
      }
    }
    LOG.info(
        "feature_values partitioned by month: max event time scanned in {} ms, range check"
            + " validated in {} ms, swapped in {} ms (writes held only then)",
        (scanned - started) / 1_000_000,
        (validated - scanned) / 1_000_000,
        (System.nanoTime() - validated) / 1_000_000);
  }

  /**
   * The one step that holds writes: rename, attach, create months and views, in one transaction.
   */
  private static void swap(Connection c, YearMonth cutoff) throws SQLException {
    String cutoffLiteral = PgPartitions.literal(cutoff);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '10s'");
      s.execute("LOCK TABLE feature_values IN ACCESS EXCLUSIVE MODE");
      boolean empty;
      try (ResultSet rs = s.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM feature_values)")) {
        rs.next();
        empty = rs.getBoolean(1);
      }
      s.execute("DROP VIEW feature_freshness_monitor");
      s.execute("DROP VIEW feature_values_latest");
      s.execute("ALTER TABLE feature_values RENAME TO feature_values_legacy");
      s.execute("ALTER INDEX feature_values_read_idx RENAME TO feature_values_legacy_read_idx");
      s.execute(
          "ALTER TABLE feature_values_legacy RENAME CONSTRAINT feature_values_pkey"
              + " TO feature_values_legacy_pkey");
      // The sequence must outlive the legacy partition, which retention may drop one day.
      s.execute("ALTER SEQUENCE feature_values_seq_seq OWNED BY NONE");
      s.execute("ALTER TABLE feature_values_legacy DROP COLUMN entity_values");
      s.execute(PgPartitions.CREATE_PARENT);
      s.execute("ALTER SEQUENCE feature_values_seq_seq OWNED BY feature_values.seq");
      s.execute(PgPartitions.CREATE_READ_INDEX);
      YearMonth first;
      if (empty) {
        s.execute("DROP TABLE feature_values_legacy");
        first = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
      } else {
        s.execute(
            "ALTER TABLE feature_values ATTACH PARTITION feature_values_legacy"
                + " FOR VALUES FROM (MINVALUE) TO ("
                + cutoffLiteral
                + ")");
        first = cutoff;
      }
      YearMonth last = YearMonth.now(ZoneOffset.UTC).plusMonths(PgPartitions.MONTHS_AHEAD);
      for (YearMonth m = first; !m.isAfter(last); m = m.plusMonths(1)) {
        s.execute(PgPartitions.createMonth(m));
      }
      for (String view : PgPartitions.VIEWS) {
        s.execute(view);
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private static @org.jspecify.annotations.Nullable Instant scalarInstant(Connection c, String sql)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
      return t == null ? null : t.toInstant();
    }
  }
}
