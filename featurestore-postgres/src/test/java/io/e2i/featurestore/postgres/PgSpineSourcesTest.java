package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.io.SpineSourcesContract;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.PitQuery.Spine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SQL spines (run on PostgreSQL) and file spines (CSV, Parquet) give the same rows as in-memory
 * spines; a SQL spine cannot write; bad spines are named.
 */
class PgSpineSourcesTest extends SpineSourcesContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected OfflineStore openStore(Path dir) {
    TestPostgres.truncate(url);
    return PgContractTest.BackendProviderHolder.open(url).store();
  }

  @Override
  protected void closeStore(OfflineStore store) {
    store.close();
  }

  /** PostgreSQL types bare integer literals as int4: cast them so the columns are bigint. */
  @Override
  protected String sqlSpine(List<Object[]> rows) {
    return valuesSpine(rows, "::bigint");
  }

  @Test
  void sqlSpineCannotWrite() {
    String delete =
        "WITH gone AS (DELETE FROM feature_values RETURNING entity_key)"
            + " SELECT 1 AS hcp_id, 'B1' AS brand_id, now() AS ts FROM gone";
    assertThatThrownBy(() -> join(new Spine.Sql(delete, "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("read-only");
    assertThat(expected().rows.getFirst().get(4)).isEqualTo(301L);
  }

  @Test
  void badSpineTimestampNamesItsRow() {
    assertThatThrownBy(
            () -> join(new Spine.Sql("SELECT 1 AS hcp_id, 'x' AS brand_id, 'soon' AS ts", "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("row 1");
    // the pool is still healthy after it
    assertThat(expected().rows).hasSize(6);
  }
}
