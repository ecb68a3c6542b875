package io.e2i.featurestore.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * One REPEATABLE READ snapshot shared by several connections, so a read split over them (the
 * point-in-time join's chunks, a history read's features) sees a batch written meanwhile on all of
 * them or on none.
 */
final class PgSnapshots {
  private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-Fa-f-]+");

  private PgSnapshots() {}

  /**
   * The snapshot of {@code c}'s transaction (the caller has made it REPEATABLE READ), checked to be
   * hex digits and dashes, since {@link #importSql} puts it into SQL text.
   */
  static String export(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
      return checked(rs);
    }
  }

  /**
   * {@link #export} after {@code setup} (statements separated by semicolons, e.g. the transaction's
   * isolation level), all in one round trip: pgjdbc sends them together and the export's result
   * comes last.
   */
  static String export(Connection c, String setup) throws SQLException {
    try (Statement s = c.createStatement()) {
      boolean rows = s.execute(setup + "; SELECT pg_export_snapshot()");
      while (!rows) {
        if (s.getUpdateCount() == -1) {
          throw new SQLException("no snapshot id returned");
        }
        rows = s.getMoreResults();
      }
      try (ResultSet rs = s.getResultSet()) {
        return checked(rs);
      }
    }
  }

  private static String checked(ResultSet rs) throws SQLException {
    rs.next();
    String id = rs.getString(1);
    if (id == null || !SNAPSHOT_ID.matcher(id).matches()) {
      throw new SQLException("unexpected snapshot id " + id);
    }
    return id;
  }

  /** The statement that makes another transaction read the snapshot {@link #export} gave. */
  static String importSql(String snapshot) {
    return "SET TRANSACTION SNAPSHOT '" + snapshot + "'";
  }
}
