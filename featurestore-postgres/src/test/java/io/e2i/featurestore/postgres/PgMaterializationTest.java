package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.MaterializationContract;
import io.e2i.featurestore.spi.PipelineBackend;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * Materialization on a real PostgreSQL, from a source table that grows; the second instance of the
 * lock test is a second connection pool on the same database (another server).
 */
class PgMaterializationTest extends MaterializationContract {
  private String url;
  private final List<AutoCloseable> others = new ArrayList<>();

  @Override
  protected FeatureStore open(Clock clock) {
    url = TestPostgres.newMigratedDatabase();
    sql("CREATE TABLE rx_source (hcp_id TEXT, ts TIMESTAMPTZ, trx BIGINT, specialty TEXT)");
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return build(b.registry(), b.store(), clock);
  }

  @AfterEach
  void closeOthers() throws Exception {
    for (AutoCloseable c : others) {
      c.close();
    }
  }

  private Connection connect() throws SQLException {
    String jdbc =
        "jdbc:postgresql://localhost:"
            + TestPostgres.server().getPort()
            + url.substring(url.lastIndexOf('/'));
    return DriverManager.getConnection(jdbc, "postgres", "");
  }

  private void sql(String statement) {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected void appendSource(List<Object[]> rows) {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement("INSERT INTO rx_source VALUES (?,?,?,?)")) {
      for (Object[] r : rows) {
        ps.setString(1, (String) r[0]);
        ps.setObject(2, OffsetDateTime.ofInstant((Instant) r[1], ZoneOffset.UTC));
        ps.setLong(3, (Long) r[2]);
        ps.setString(4, (String) r[3]);
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected String source() {
    return "rx_source";
  }

  /**
   * Materialized numbers go through the write path with their value_num (V11), the double
   * PostgreSQL's cast of their JSON gives; strings get none.
   */
  @org.junit.jupiter.api.Test
  void materializedNumbersHaveTheirValueNum() throws SQLException {
    defineRx("rx");
    appendSource(
        List.<Object[]>of(
            rx("H1", T0.plus(java.time.Duration.ofDays(1)), 9_007_199_254_740_993L, "Onc"),
            rx("H2", T0.plus(java.time.Duration.ofDays(1)), -5, "Card"),
            rx("H1", T0.plus(java.time.Duration.ofDays(2)), 0, "Onc")));
    org.assertj.core.api.Assertions.assertThat(store.materialize("rx", null, null).rows())
        .isEqualTo(6);
    try (Connection c = connect();
        Statement s = c.createStatement();
        java.sql.ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FILTER (WHERE jsonb_typeof(value) = 'number'),"
                    + " count(*) FILTER (WHERE CASE WHEN jsonb_typeof(value) = 'number'"
                    + " THEN float8send(value_num) = float8send((value)::float8) END),"
                    + " count(*) FILTER (WHERE jsonb_typeof(value) = 'string'"
                    + " AND value_num IS NULL) FROM feature_values")) {
      rs.next();
      org.assertj.core.api.Assertions.assertThat(
              new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)})
          .containsExactly(3, 3, 3);
    }
  }

  @Override
  protected PipelineBackend.GroupLock lockElsewhere(String group) {
    PgContractTest.BackendProviderHolder.Backend other =
        PgContractTest.BackendProviderHolder.open(url);
    others.add(other.store());
    others.add(other.registry());
    return other.store().pipelines().tryLock(group);
  }
}
