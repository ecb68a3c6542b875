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
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    q.scans = false; // the path over a copy (the two scans make no table)
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
    PgQuality own = (PgQuality) store.qualityQueries().orElseThrow();
    own.scans = false; // the path over a copy, whose relations are tables
    String expected = own.compare(ref, cur, drift);

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
      quality.scans = false;
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

  // ------------------------------------------------------------------ PgDriftScan

  private static final List<Double> PROBABILITIES =
      List.of(0.0, 0.001, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.999, 1.0);

  /** A drift's figures: what must be equal to the bit, and mean and stddev of each side. */
  private record Figures(String exact, double[] moments, double ks, int tablesDuring) {}

  /** Writes the values (null: a null value) of each side, one row per entity, both windows. */
  private QualityQueries.Window[] windows(String name, List<Double> ref, List<Double> cur) {
    var f =
        store.createFeature(
            FeatureSpec.builder("hcp", name).valueType("float64").entityKeys("id").build());
    List<FeatureWrite> rows = new ArrayList<>();
    java.time.Instant start = T0.minusSeconds(10 * 86_400);
    java.time.Instant middle = T0.minusSeconds(5 * 86_400);
    for (int side = 0; side < 2; side++) {
      List<Double> values = side == 0 ? ref : cur;
      for (int i = 0; i < values.size(); i++) {
        rows.add(
            new FeatureWrite(
                name,
                Map.of("id", "E" + i),
                values.get(i),
                (side == 0 ? start : middle).plusSeconds(1 + i % 400_000),
                "hcp"));
        if (rows.size() == 10_000) {
          store.writeBatchFeatures(rows);
          rows.clear();
        }
      }
    }
    if (!rows.isEmpty()) {
      store.writeBatchFeatures(rows);
    }
    return new QualityQueries.Window[] {
      new QualityQueries.Window(f.id(), f.valueType(), start, middle, null),
      new QualityQueries.Window(f.id(), f.valueType(), middle.plusSeconds(1), T0, null)
    };
  }

  /**
   * The drift's figures as the service reads them (the summaries with the quantiles, the bins at
   * the quantiles), bins at the given edges, KS; and the quality tables that existed meanwhile.
   */
  private static Figures figures(QualityQueries q, QualityQueries.Window[] w, double... edges) {
    return q.compare(
        w[0],
        w[1],
        c -> {
          QualityQueries.Summary[] s = c.summaries(PROBABILITIES);
          double[] at =
              new java.util.TreeSet<>(s[0].quantiles())
                  .stream().mapToDouble(Double::doubleValue).toArray();
          QualityQueries.KsResult ks = c.ks();
          String exact =
              s[0].count()
                  + " "
                  + s[0].nulls()
                  + " "
                  + s[1].count()
                  + " "
                  + s[1].nulls()
                  + " "
                  + s[0].quantiles()
                  + " "
                  + java.util.Arrays.deepToString(c.bins(at))
                  + " "
                  + java.util.Arrays.deepToString(c.bins(edges))
                  + " "
                  + ks;
          double[] moments = new double[4];
          for (int side = 0; side < 2; side++) {
            moments[2 * side] = s[side].mean() == null ? Double.NaN : s[side].mean();
            moments[2 * side + 1] = s[side].stddev() == null ? Double.NaN : s[side].stddev();
          }
          return new Figures(exact, moments, ks.statistic(), qualityTables());
        });
  }

  /**
   * The scan's figures equal the copy's: the same quantiles, bin counts and KS to the bit; mean and
   * stddev to rounding (both sum in an order the plan picks); for each limits given. Returns the
   * copy's figures.
   */
  private Figures scanEqualsCopy(
      QualityQueries.Window[] w, double[] edges, PgDriftScan.Limits... given) {
    PgDriftScan.Limits[] limits =
        given.length == 0 ? new PgDriftScan.Limits[] {PgDriftScan.Limits.DEFAULT} : given;
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    try {
      q.scans = false;
      Figures copy = figures(q, w, edges);
      assertThat(copy.tablesDuring()).isPositive(); // drift_pair (and drift_inside if spread)
      q.scans = true;
      for (PgDriftScan.Limits l : limits) {
        q.scanLimits = l;
        Figures scan = figures(q, w, edges);
        assertThat(scan.exact()).as("limits %s", l).isEqualTo(copy.exact());
        for (int i = 0; i < 4; i++) {
          if (Double.isNaN(copy.moments()[i])) {
            assertThat(scan.moments()[i]).isNaN();
          } else {
            assertThat(scan.moments()[i])
                .as("limits %s, moment %d", l, i)
                .isCloseTo(
                    copy.moments()[i],
                    org.assertj.core.data.Offset.offset(
                        1e-12 * Math.max(1, Math.abs(copy.moments()[i]))));
          }
        }
        assertThat(scan.tablesDuring()).as("no table: the rows are read where they are").isZero();
      }
      return copy;
    } finally {
      q.scans = true;
      q.scanLimits = PgDriftScan.Limits.DEFAULT;
    }
  }

  private static final PgDriftScan.Limits[] LIMITS = {
    new PgDriftScan.Limits(0, Long.MAX_VALUE, Long.MAX_VALUE), // no sample: one bucket
    new PgDriftScan.Limits(1, Long.MAX_VALUE, Long.MAX_VALUE),
    new PgDriftScan.Limits(3, Long.MAX_VALUE, Long.MAX_VALUE),
    new PgDriftScan.Limits(16, Long.MAX_VALUE, Long.MAX_VALUE),
    new PgDriftScan.Limits(200, Long.MAX_VALUE, Long.MAX_VALUE),
    PgDriftScan.Limits.DEFAULT
  };

  /** KS by a sort of both samples, as scipy's ks_2samp computes it. */
  private static double sortedKs(List<Double> a, List<Double> b) {
    double[] x =
        a.stream().filter(v -> v != null).mapToDouble(Double::doubleValue).sorted().toArray();
    double[] y =
        b.stream().filter(v -> v != null).mapToDouble(Double::doubleValue).sorted().toArray();
    int i = 0;
    int j = 0;
    double d = 0;
    while (i < x.length || j < y.length) {
      double v = j == y.length || (i < x.length && x[i] <= y[j]) ? x[i] : y[j];
      while (i < x.length && x[i] == v) {
        i++;
      }
      while (j < y.length && y[j] == v) {
        j++;
      }
      d = Math.max(d, Math.abs((double) i / x.length - (double) j / y.length));
    }
    return d;
  }

  /**
   * Ties that straddle bucket edges, values equal to an edge (the sample's values are the edges),
   * nulls on both sides, numbers on a grid and off it: the two scans give what the copy gives,
   * however few or many buckets the sample makes (none at all included), and KS is the sort's.
   */
  @Test
  void driftScanEqualsTheCopyWithTiesNullsAndValuesOnEdges() {
    java.util.Random rnd = new java.util.Random(7);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      double g = rnd.nextGaussian();
      ref.add(i % 20 == 0 ? null : i % 3 == 0 ? Math.round(g * 4) / 4.0 : g);
      double h = rnd.nextGaussian() + 0.2;
      cur.add(i % 13 == 0 ? null : i % 2 == 0 ? Math.round(h * 4) / 4.0 : h);
    }
    var w = windows("ties", ref, cur);
    Figures copy = scanEqualsCopy(w, new double[] {-1, -0.25, 0, 0.5, 0.75, 3}, LIMITS);
    assertThat(copy.ks()).isEqualTo(sortedKs(ref, cur));
  }

  /** One value fills 90 % of the rows: it gets a bucket of its own, known without reading it. */
  @Test
  void driftScanEqualsTheCopyWhenOneValueFillsMostRows() {
    java.util.Random rnd = new java.util.Random(11);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      ref.add(i % 10 != 0 ? 3.5 : rnd.nextGaussian() + 3.5);
      cur.add(i % 10 > 1 ? 3.5 : rnd.nextGaussian() * 2 + 3.5);
    }
    var w = windows("heavy", ref, cur);
    Figures copy = scanEqualsCopy(w, new double[] {Math.nextDown(3.5), 3.5, 4}, LIMITS);
    assertThat(copy.ks()).isEqualTo(sortedKs(ref, cur));
  }

  /**
   * Two close distributions whose largest KS gap lies inside a bucket (a bucket's end gap is below
   * it): the buckets whose bound beats the best end gap are read and give the sort's KS. Also a
   * constant feature and one side of nulls only.
   */
  @Test
  void driftScanFindsTheKsMaximumInsideABucket() {
    java.util.Random rnd = new java.util.Random(3);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 6000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() * 1.05 + 0.03);
    }
    var w = windows("close", ref, cur);
    double ks = sortedKs(ref, cur);
    Figures copy = scanEqualsCopy(w, new double[] {0}, LIMITS);
    assertThat(copy.ks()).isEqualTo(ks);
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    q.scanLimits = new PgDriftScan.Limits(3, Long.MAX_VALUE, Long.MAX_VALUE);
    try (PgDriftScan scan = q.scan(w[0], w[1])) {
      assertThat(scan).isNotNull();
      assertThat(scan.endGap()).as("the maximum is not at a bucket's end").isLessThan(ks);
      assertThat(scan.ks().statistic()).isEqualTo(ks);
    } finally {
      q.scanLimits = PgDriftScan.Limits.DEFAULT;
    }

    List<Double> constant = java.util.Collections.nCopies(500, 2.25);
    scanEqualsCopy(windows("constant", constant, constant), new double[] {2.25, 3}, LIMITS);
    List<Double> nulls = new ArrayList<>(java.util.Collections.nCopies(300, (Double) null));
    scanEqualsCopy(windows("nulls", ref.subList(0, 300), nulls), new double[] {0}, LIMITS);
  }

  /**
   * The first scan confirms the feature's certificate of unrewritten keys itself: rows written
   * since a drift are counted by the next (the certificate is extended), and after a key is
   * rewritten the drift reads the latest value per key (the copy's path), as the copy does.
   */
  @Test
  void driftScanSeesRowsWrittenAndRewrittenSinceTheLastDrift() {
    java.util.Random rnd = new java.util.Random(9);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() + 0.3);
    }
    var w = windows("later", ref, cur);
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    Figures first = scanEqualsCopy(w, new double[] {0});
    assertThat(first.exact()).startsWith("1000 0 1000 0 ");
    java.time.Instant at = w[0].start().plusSeconds(300_000); // in the reference window
    store.writeBatchFeatures(
        List.of(new FeatureWrite("later", Map.of("id", "New"), 9.5, at, "hcp")));
    Figures added = figures(q, w, 0);
    assertThat(added.exact()).startsWith("1001 0 1000 0 ");
    assertThat(added.tablesDuring()).isZero();
    assertThat(scanEqualsCopy(w, new double[] {0}).exact()).isEqualTo(added.exact());
    store.writeBatchFeatures(
        List.of(new FeatureWrite("later", Map.of("id", "New"), -9.5, at, "hcp")));
    Figures rewritten = figures(q, w, 0);
    assertThat(rewritten.exact()).startsWith("1001 0 1000 0 [-9.5, ");
    q.scans = false;
    assertThat(figures(q, w, 0).exact()).isEqualTo(rewritten.exact());
  }

  /**
   * A drift of windows whose rows have not moved since the last drift skips the certificate's
   * check; rows that moved make it check again: a row committed out of seq order (below the seq the
   * windows were certified through) that rewrites a key, and a key rewritten by a new row while a
   * row was removed (the windows hold as many rows as before). Both times the drift reads the
   * latest value per key, as the copy does.
   */
  @Test
  void driftScanChecksAgainWhenTheWindowsRowsMoved() throws SQLException {
    java.util.Random rnd = new java.util.Random(11);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() + 0.2);
    }
    var w = windows("moved", ref, cur);
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    Figures copy = scanEqualsCopy(w, new double[] {0});
    int checks = q.certificateChecks.get();
    assertThat(figures(q, w, 0).exact()).isEqualTo(copy.exact());
    assertThat(q.certificateChecks.get()).as("rows unmoved: no check").isEqualTo(checks);

    String database = url.substring(url.lastIndexOf('/') + 1);
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + TestPostgres.server().getPort() + "/" + database,
                "postgres",
                "");
        Statement s = c.createStatement()) {
      // the reference's first row again, with a seq below every other: committed out of order
      String first =
          " FROM feature_values WHERE feature_id = '" + w[0].featureId() + "' ORDER BY seq LIMIT 1";
      s.execute(
          "INSERT INTO feature_values (seq, feature_id, entity_key, value, event_timestamp,"
              + " written_at) SELECT -1, feature_id, entity_key, '9.5', event_timestamp,"
              + " written_at"
              + first);
      Figures outOfOrder = figures(q, w, 0);
      assertThat(q.certificateChecks.get()).isEqualTo(checks + 1);
      assertThat(outOfOrder.exact()).isEqualTo(copy.exact()); // the higher seq is the latest
    }

    var again = windows("moved2", ref, cur);
    Figures copy2 = scanEqualsCopy(again, new double[] {0});
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + TestPostgres.server().getPort() + "/" + database,
                "postgres",
                "");
        Statement s = c.createStatement()) {
      s.execute(
          "DELETE FROM feature_values WHERE seq = (SELECT max(seq) FROM feature_values"
              + " WHERE feature_id = '"
              + again[0].featureId()
              + "')");
    }
    java.time.Instant at = again[0].start().plusSeconds(1); // the reference's entity E0
    store.writeBatchFeatures(
        List.of(new FeatureWrite("moved2", Map.of("id", "E0"), 9.5, at, "hcp")));
    Figures rewritten = figures(q, again, 0);
    q.scans = false;
    try {
      assertThat(rewritten.exact()).isEqualTo(figures(q, again, 0).exact());
    } finally {
      q.scans = true;
    }
    assertThat(rewritten.exact()).isNotEqualTo(copy2.exact());
  }

  /** The same feature's windows moved by a second at each end (a monitor's next pair). */
  private static QualityQueries.Window[] moved(QualityQueries.Window[] w, int seconds) {
    return new QualityQueries.Window[] {
      new QualityQueries.Window(
          w[0].featureId(), w[0].type(), w[0].start().plusSeconds(seconds), w[0].end(), null),
      new QualityQueries.Window(
          w[1].featureId(),
          w[1].type(),
          w[1].start().plusSeconds(seconds),
          java.util.Objects.requireNonNull(w[1].end()).plusSeconds(seconds),
          null)
    };
  }

  /** The figures of the path over a copy, which reads the latest value per key when one is. */
  private static Figures copyFigures(PgQuality q, QualityQueries.Window[] w) {
    q.scans = false;
    try {
      return figures(q, w, 0);
    } finally {
      q.scans = true;
    }
  }

  private Connection direct() throws SQLException {
    String database = url.substring(url.lastIndexOf('/') + 1);
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + TestPostgres.server().getPort() + "/" + database,
        "postgres",
        "");
  }

  /**
   * A pair of windows drifted for the first time proves the feature's certificate from the writer's
   * log of writes (V13) instead of counting all its rows: with nothing written since, with rows
   * written in order since (checked by themselves), and with rows removed since (retention); a key
   * rewritten by the store since is still found, and the drift then reads the latest value per key,
   * as the copy does.
   */
  @Test
  void aNewPairOfWindowsProvesTheCertificateFromTheWriteLog() throws SQLException {
    java.util.Random rnd = new java.util.Random(21);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() + 0.2);
    }
    var w = windows("logged", ref, cur);
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    figures(q, w, 0);
    int counts = q.rowCounts();
    assertThat(counts).as("the first check counts the rows").isPositive();

    Figures unmoved = figures(q, moved(w, 1), 0);
    assertThat(q.rowCounts()).as("nothing written since: no count").isEqualTo(counts);
    assertThat(unmoved.exact()).isEqualTo(copyFigures(q, moved(w, 1)).exact());

    java.time.Instant at = w[0].start().plusSeconds(300_000); // in the reference window
    store.writeBatchFeatures(
        List.of(new FeatureWrite("logged", Map.of("id", "New"), 9.5, at, "hcp")));
    Figures added = figures(q, moved(w, 2), 0);
    assertThat(q.rowCounts()).as("rows written in order since: no count").isEqualTo(counts);
    assertThat(added.exact()).startsWith("1000 0 998 0 "); // E0 left the reference, New came
    assertThat(added.exact()).isEqualTo(copyFigures(q, moved(w, 2)).exact());

    try (Connection c = direct();
        Statement s = c.createStatement()) { // as retention removes rows
      s.execute(
          "DELETE FROM feature_values WHERE feature_id = '"
              + w[0].featureId()
              + "' AND entity_key = '{\"id\":\"E5\"}'");
    }
    Figures removed = figures(q, moved(w, 3), 0);
    assertThat(q.rowCounts()).as("rows removed since: no count").isEqualTo(counts);
    assertThat(removed.exact()).startsWith("998 0 996 0 "); // E5 gone from both
    assertThat(removed.exact()).isEqualTo(copyFigures(q, moved(w, 3)).exact());

    store.writeBatchFeatures(
        List.of(new FeatureWrite("logged", Map.of("id", "New"), -9.5, at, "hcp")));
    Figures rewritten = figures(q, moved(w, 4), 0);
    assertThat(rewritten.exact()).startsWith("997 0 995 0 [-9.5, "); // New once, its latest
    assertThat(rewritten.exact()).isEqualTo(copyFigures(q, moved(w, 4)).exact());
  }

  /**
   * A write through the store that took its seqs before the certificate's check but committed after
   * it (concurrent writers), and rewrote a key: the log's bound of that write lies below the
   * certificate's seq, so the next pair of windows counts the rows again, finds the rewrite and
   * reads the latest value per key.
   */
  @Test
  void aWriteCommittedOutOfSeqOrderMakesTheNextCheckCount() throws SQLException {
    java.util.Random rnd = new java.util.Random(22);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() + 0.2);
    }
    var w = windows("late", ref, cur);
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    java.time.Instant e7 = w[0].start().plusSeconds(1 + 7); // the reference's E7
    try (Connection late = direct()) {
      late.setAutoCommit(false);
      List<io.e2i.featurestore.spi.ValueRow> rows =
          List.of(
              new io.e2i.featurestore.spi.ValueRow(
                  w[0].featureId(), io.e2i.featurestore.EntityKey.of("id", "E7"), 42.0, e7));
      PgWriteLog.record(late, rows); // as PgOfflineStore writes, not committed yet
      PgCopy.copy(late, rows, java.time.Instant.now());
      store.writeBatchFeatures( // a later seq, committed first
          List.of(new FeatureWrite("late", Map.of("id", "New"), 0.5, e7.plusSeconds(1), "hcp")));
      figures(q, w, 0); // certified through the store's write
      int counts = q.rowCounts();
      late.commit();
      Figures after = figures(q, moved(w, 1), 0);
      assertThat(after.exact()).startsWith("1001 0 999 0 ").contains("42.0"); // E7 once: 42
      assertThat(after.exact()).isEqualTo(copyFigures(q, moved(w, 1)).exact());
      assertThat(q.rowCounts())
          .as("a write below the certificate's seq: counted")
          .isGreaterThan(counts);
    }
  }

  /**
   * A write to feature_values no writer counted (SQL by hand, an older instance) is logged by V13's
   * statement trigger: the next pair of windows counts the rows again and finds the key it rewrote,
   * though its seq is above the certificate's.
   */
  @Test
  void anUncountedWriteMakesTheNextCheckCount() throws SQLException {
    java.util.Random rnd = new java.util.Random(23);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() + 0.2);
    }
    var w = windows("uncounted", ref, cur);
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    figures(q, w, 0);
    int counts = q.rowCounts();
    try (Connection c = direct();
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp, written_at)"
              + " SELECT feature_id, entity_key, '42.0', event_timestamp, written_at"
              + " FROM feature_values WHERE feature_id = '"
              + w[0].featureId()
              + "' AND entity_key = '{\"id\":\"E7\"}' AND event_timestamp < '"
              + w[0].end()
              + "'");
    }
    Figures after = figures(q, moved(w, 1), 0);
    assertThat(after.exact()).startsWith("1000 0 999 0 ").contains("42.0"); // E7 once: 42
    assertThat(after.exact()).isEqualTo(copyFigures(q, moved(w, 1)).exact());
    assertThat(q.rowCounts()).isGreaterThan(counts);
    try (Connection c = direct();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM feature_value_writes WHERE feature_id IS NULL")) {
      rs.next();
      assertThat(rs.getLong(1)).as("the trigger logged the write").isPositive();
    }
  }

  /**
   * Partition maintenance folds the writer's log (one row per write otherwise) into one row per
   * feature for the writes before its previous fold, keeping the sums a check compares: a
   * certificate made before the fold is still proved without a count.
   */
  @Test
  void foldingTheWriteLogKeepsWhatTheCheckCompares() throws SQLException {
    java.util.Random rnd = new java.util.Random(24);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() + 0.2);
    }
    var w = windows("folded", ref, cur);
    java.time.Instant at = w[0].start().plusSeconds(300_000);
    for (int i = 0; i < 5; i++) {
      store.writeBatchFeatures(
          List.of(new FeatureWrite("folded", Map.of("id", "N" + i), 0.5 * i, at, "hcp")));
    }
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    figures(q, w, 0);
    int counts = q.rowCounts();
    String logged = "SELECT count(*), sum(rows) FROM feature_value_writes WHERE feature_id = '";
    try (Connection c = direct();
        Statement s = c.createStatement()) {
      assertThat(PgWriteLog.fold(c)).as("the first fold only marks").isZero();
      store.writeBatchFeatures(
          List.of(new FeatureWrite("folded", Map.of("id", "N5"), 2.5, at, "hcp")));
      assertThat(PgWriteLog.fold(c)).isPositive();
      try (ResultSet rs = s.executeQuery(logged + w[0].featureId() + "'")) {
        rs.next();
        assertThat(rs.getLong(1)).as("the writes before the first fold, and N5's").isEqualTo(2);
        assertThat(rs.getLong(2)).isEqualTo(2006);
      }
    }
    Figures after = figures(q, moved(w, 1), 0);
    assertThat(q.rowCounts()).as("proved from the folded log").isEqualTo(counts);
    assertThat(after.exact()).startsWith("1006 0 999 0 ");
    assertThat(after.exact()).isEqualTo(copyFigures(q, moved(w, 1)).exact());
  }

  /**
   * A sample that leaves too many distinct values in a bucket (or in KS's candidates) sends the
   * drift to the copy, with the same figures.
   */
  @Test
  void driftScanFallsBackToTheCopyWhenTheSampleIsPoor() {
    java.util.Random rnd = new java.util.Random(5);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ref.add(rnd.nextGaussian());
      cur.add(rnd.nextGaussian() + 0.5);
    }
    var w = windows("poor", ref, cur);
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    q.scans = false;
    Figures copy = figures(q, w);
    q.scans = true;
    try {
      for (PgDriftScan.Limits l :
          List.of(
              new PgDriftScan.Limits(0, 1000, Long.MAX_VALUE),
              new PgDriftScan.Limits(16, Long.MAX_VALUE, 10))) {
        q.scanLimits = l;
        Figures fallback = figures(q, w);
        assertThat(fallback.tablesDuring()).as("limits %s", l).isEqualTo(2);
        assertThat(fallback.exact()).isEqualTo(copy.exact());
        assertThat(fallback.moments()).containsExactly(copy.moments());
      }
    } finally {
      q.scanLimits = PgDriftScan.Limits.DEFAULT;
    }
  }

  /**
   * The scans read each row's value_num (V11) and cast the JSON only where it is null (rows written
   * before V11): the same figures whether all, half or none of the rows have it, and equal to the
   * copy's (which casts). A value_num that differed from the JSON would change the scan's figures,
   * so the scans do read it.
   */
  @Test
  void driftScanIsTheSameOverRowsWrittenBeforeValueNum() throws SQLException {
    java.util.Random rnd = new java.util.Random(13);
    List<Double> ref = new ArrayList<>();
    List<Double> cur = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      double g = rnd.nextGaussian();
      ref.add(i % 17 == 0 ? null : i % 3 == 0 ? Math.round(g * 4) / 4.0 : g);
      double h = rnd.nextGaussian() * 1.05 + 0.05;
      cur.add(i % 11 == 0 ? null : h);
    }
    var w = windows("before11", ref, cur);
    double[] edges = {-1, -0.25, 0, 0.5, 3};
    Figures copy = scanEqualsCopy(w, edges, LIMITS);
    assertThat(copy.ks()).isEqualTo(sortedKs(ref, cur));
    PgQuality q = (PgQuality) store.qualityQueries().orElseThrow();
    String feature = "feature_id = '" + w[0].featureId() + "'";
    assertThat(
            sqlCount(
                "SELECT count(*) FROM feature_values WHERE "
                    + feature
                    + " AND value_num"
                    + " IS NULL AND value IS NOT NULL"))
        .as("written with value_num")
        .isZero();
    sql("UPDATE feature_values SET value_num = value_num + 100 WHERE " + feature);
    assertThat(figures(q, w, edges).moments()[0])
        .as("the scan reads value_num")
        .isCloseTo(copy.moments()[0] + 100, org.assertj.core.data.Offset.offset(1e-9));
    sql("UPDATE feature_values SET value_num = (value)::float8 WHERE " + feature);
    sql("UPDATE feature_values SET value_num = NULL WHERE " + feature + " AND seq % 2 = 0");
    assertThat(scanEqualsCopy(w, edges, LIMITS).exact()).as("half").isEqualTo(copy.exact());
    sql("UPDATE feature_values SET value_num = NULL WHERE " + feature);
    assertThat(scanEqualsCopy(w, edges, LIMITS).exact()).as("none").isEqualTo(copy.exact());
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc(), "postgres", "");
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private static long sqlCount(String query) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc(), "postgres", "");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String jdbc() {
    return "jdbc:postgresql://localhost:"
        + TestPostgres.server().getPort()
        + url.substring(url.lastIndexOf('/'));
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
