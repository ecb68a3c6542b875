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

  @Override
  protected PipelineBackend.GroupLock lockElsewhere(String group) {
    PgContractTest.BackendProviderHolder.Backend other =
        PgContractTest.BackendProviderHolder.open(url);
    others.add(other.store());
    others.add(other.registry());
    return other.store().pipelines().tryLock(group);
  }
}
