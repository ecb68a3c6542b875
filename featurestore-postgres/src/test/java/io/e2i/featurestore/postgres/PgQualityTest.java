package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.QualityContract;
import io.e2i.featurestore.spi.QualityQueries;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Data quality on PostgreSQL through the provider path; each test starts empty. */
class PgQualityTest extends QualityContract {
  private static String url;

  @BeforeAll
  static void database() {
    url = TestPostgres.newMigratedDatabase();
  }

  @Override
  protected FeatureStore open(Clock clock) {
    TestPostgres.truncate(url);
    PgContractTest.BackendProviderHolder.Backend b = PgContractTest.BackendProviderHolder.open(url);
    return FeatureStores.builder()
        .registry(b.registry())
        .offlineStore(b.store())
        .clock(clock)
        .build();
  }

  /**
   * A drift's relations are unlogged tables (so parallel workers can scan them) that exist only
   * during the call: dropped after it, also when the work over them fails.
   */
  @Test
  void driftTablesExistOnlyDuringTheCall() {
    var f =
        store.createFeature(
            FeatureSpec.builder("hcp", "x").valueType("float64").entityKeys("id").build());
    List<FeatureWrite> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      rows.add(new FeatureWrite("x", Map.of("id", "E" + i), i * 0.5, T0.plusSeconds(i), "hcp"));
    }
    store.writeBatchFeatures(rows);
    QualityQueries q = store.qualityQueries().orElseThrow();
    var ref = new QualityQueries.Window(f.id(), f.valueType(), T0, T0.plusSeconds(99), null);
    var cur = new QualityQueries.Window(f.id(), f.valueType(), T0.plusSeconds(100), null, null);
    int during =
        q.compare(
            ref,
            cur,
            c -> {
              c.summaries(List.of(0.1, 0.5, 0.9));
              c.ks();
              return qualityTables();
            });
    assertThat(during).isEqualTo(2); // the values, and those in the quantiles' and KS's buckets
    assertThat(qualityTables()).isZero();
    assertThatThrownBy(
            () ->
                q.compare(
                    ref,
                    cur,
                    c -> {
                      c.summaries(List.of(0.5));
                      throw new IllegalStateException("the work over the tables failed");
                    }))
        .hasMessageContaining("failed");
    assertThat(qualityTables()).isZero();
  }

  /**
   * A role that may not create tables in the schema still gets its drift: the relations fall back
   * to temporary tables, with the same results as the unlogged tables give, and nothing is left.
   */
  @Test
  void driftWithoutCreateRightsFallsBackToTemporaryTables() throws SQLException {
    var f =
        store.createFeature(
            FeatureSpec.builder("hcp", "y").valueType("float64").entityKeys("id").build());
    List<FeatureWrite> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double x = (i * 37 % 101) + (i >= 150 ? 7.5 : 0);
      rows.add(new FeatureWrite("y", Map.of("id", "E" + i), x, T0.plusSeconds(i), "hcp"));
    }
    store.writeBatchFeatures(rows);
    var ref = new QualityQueries.Window(f.id(), f.valueType(), T0, T0.plusSeconds(149), null);
    var cur = new QualityQueries.Window(f.id(), f.valueType(), T0.plusSeconds(150), null, null);
    java.util.function.Function<QualityQueries.Comparison, String> drift =
        c ->
            java.util.Arrays.toString(c.summaries(List.of(0.1, 0.5, 0.9)))
                + java.util.Arrays.deepToString(c.bins(new double[] {10, 50, 90}))
                + c.ks();
    String expected = store.qualityQueries().orElseThrow().compare(ref, cur, drift);

    String database = url.substring(url.lastIndexOf('/') + 1);
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + TestPostgres.server().getPort() + "/" + database,
                "postgres",
                "");
        Statement s = c.createStatement()) {
      s.execute("DROP ROLE IF EXISTS fs_no_create");
      s.execute("CREATE ROLE fs_no_create LOGIN PASSWORD 'nc'");
      s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
      s.execute("GRANT USAGE ON SCHEMA public TO fs_no_create");
      s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO fs_no_create");
    }
    String restricted =
        "postgresql://fs_no_create:nc@localhost:"
            + TestPostgres.server().getPort()
            + "/"
            + database;
    PgDatabase db = PgDatabase.open(restricted, Map.of());
    try {
      PgQuality quality = new PgQuality(db, db);
      String first = quality.compare(ref, cur, drift);
      String again = quality.compare(ref, cur, drift); // now straight to temporary tables
      assertThat(first).isEqualTo(expected);
      assertThat(again).isEqualTo(expected);
      assertThat(qualityTables()).isZero();
    } finally {
      db.close();
    }
  }

  /** The tables' names replace the relations' names in the SQL, never inside a literal. */
  @Test
  void allowedValuesThatNameARelationStayValues() {
    var f =
        store.createFeature(
            FeatureSpec.builder("hcp", "state")
                .valueType("string")
                .entityKeys("id")
                .validation(io.e2i.featurestore.ValidationMode.WARN)
                .constraints(
                    io.e2i.featurestore.Constraints.fromMap(
                        Map.of("allowed", List.of("checked", "it's checked", "drift_pair"))))
                .build());
    store.writeBatchFeatures(
        List.of(
            new FeatureWrite("state", Map.of("id", "A"), "checked", T0, "hcp"),
            new FeatureWrite("state", Map.of("id", "B"), "it's checked", T0, "hcp"),
            new FeatureWrite("state", Map.of("id", "C"), "drift_pair", T0, "hcp"),
            new FeatureWrite("state", Map.of("id", "D"), "other", T0, "hcp")));
    QualityQueries q = store.qualityQueries().orElseThrow();
    var all = new QualityQueries.Window(f.id(), f.valueType(), null, null, null);
    QualityQueries.ValidationCounts counts = q.validate(all, f.constraints(), 5);
    assertThat(counts.checked()).isEqualTo(4);
    assertThat(counts.rules().getFirst().violations()).isEqualTo(1);
    assertThat(counts.rules().getFirst().examples()).containsExactly("{\"id\":\"D\"}");
  }

  @Test
  void renamingSkipsLiterals() {
    assertThat(
            PgQuality.renamed(
                "SELECT 'checked', 'it''s checked' FROM checked WHERE t = 'x checked'",
                Map.of("checked", "fs_quality_checked_1")))
        .isEqualTo(
            "SELECT 'checked', 'it''s checked' FROM fs_quality_checked_1 WHERE t = 'x checked'");
  }

  private static int qualityTables() {
    try {
      return countQualityTables();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int countQualityTables() throws SQLException {
    String jdbc =
        "jdbc:postgresql://localhost:"
            + TestPostgres.server().getPort()
            + url.substring(url.lastIndexOf('/'));
    try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT count(*) FROM pg_class WHERE relname LIKE 'fs_quality_%'")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
