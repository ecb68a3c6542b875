package io.e2i.featurestore.embedded;

import io.e2i.featurestore.spi.PitQuery;
import java.sql.Connection;
import java.sql.SQLException;

/** Point-in-time joins in DuckDB. */
final class PitJoin {
  private PitJoin() {}

  static Void run(Connection c, PitQuery query, PitQuery.RowSink sink) throws SQLException {
    throw new UnsupportedOperationException(
        "the embedded store does not support training data yet");
  }
}
