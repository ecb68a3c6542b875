package io.e2i.featurestore.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.PitQuery.PitFeature;
import io.e2i.featurestore.spi.PitQuery.Spine;
import io.e2i.featurestore.spi.ValueRow;
import io.e2i.featurestore.testing.CollectingSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spine-source suite every offline store passes: spines read from CSV, Parquet and SQL give the
 * same columns and rows as in-memory spines, and bad spines are named as the caller's mistake.
 *
 * <p>A store's test extends this class and says how to open and close its {@link OfflineStore} and
 * how to write a SQL spine in its dialect; store-only behaviour (a SQL spine on PostgreSQL cannot
 * write, say) stays in the subclass. Not named {@code *Test}: it runs only through subclasses.
 */
public abstract class SpineSourcesContract {
  protected static final Instant T0 = Instant.parse("2025-12-18T00:00:00Z");

  /** A fresh directory per test; stores may keep their files here. */
  @TempDir protected Path dir;

  protected OfflineStore store;
  private final UUID trx = UUID.randomUUID();
  private final UUID score = UUID.randomUUID();
  private List<PitFeature> features;

  protected SpineSourcesContract() {}

  /** Opens an empty offline store for one test; {@code dir} is a fresh temporary directory. */
  protected abstract OfflineStore openStore(Path dir);

  /** Closes what {@link #openStore} opened. */
  protected abstract void closeStore(OfflineStore store);

  /**
   * A SQL query, in the store's dialect, selecting {@code rows} as columns {@code (hcp_id,
   * brand_id, ts, label)} with 64-bit integers and zoned timestamps; usually {@link #valuesSpine}.
   */
  protected abstract String sqlSpine(List<Object[]> rows);

  /**
   * {@code SELECT * FROM (VALUES (…), …) t(hcp_id, brand_id, ts, label)} with {@code integerCast}
   * (such as {@code "::bigint"}, or empty) after every integer literal and {@code TIMESTAMPTZ}
   * literals in UTC.
   */
  protected static String valuesSpine(List<Object[]> rows, String integerCast) {
    StringBuilder values = new StringBuilder();
    for (Object[] r : rows) {
      values.append(values.isEmpty() ? "" : ", ");
      values.append("(").append(r[0]).append(integerCast).append(", '").append(r[1]);
      values.append("', TIMESTAMPTZ '").append(r[2]).append("', ").append(r[3]);
      values.append(integerCast).append(")");
    }
    return "SELECT * FROM (VALUES " + values + ") t(hcp_id, brand_id, ts, label)";
  }

  @BeforeEach
  void seedSpineSources() {
    store = openStore(dir);
    List<ValueRow> rows = new ArrayList<>();
    for (int h = 0; h < 5; h++) {
      for (int hour = 0; hour < 10; hour++) {
        Instant ts = T0.plus(Duration.ofHours(hour));
        rows.add(
            new ValueRow(
                trx, EntityKey.of("hcp_id", String.valueOf(h)), (long) (h * 100 + hour), ts));
        rows.add(
            new ValueRow(
                score,
                EntityKey.of(Map.of("hcp_id", String.valueOf(h), "brand_id", "B1")),
                h + hour / 10.0,
                ts));
      }
    }
    store.write(rows, T0.plus(Duration.ofDays(1)));
    features =
        List.of(
            new PitFeature(trx, "trx", ValueType.INT64, List.of("hcp_id"), Duration.ofHours(2)),
            new PitFeature(score, "score", ValueType.FLOAT64, List.of("brand_id", "hcp_id"), null));
  }

  @AfterEach
  void closeSpineSources() {
    closeStore(store);
  }

  /** Spine rows in a scrambled order, with numeric hcp ids, past max age and unknown entities. */
  protected static List<Object[]> spineRows() {
    List<Object[]> rows = new ArrayList<>();
    long[] hcps = {3, 0, 4, 1, 9, 2};
    int[] minutes = {95, 30, 600, 0, 60, 2000};
    for (int i = 0; i < hcps.length; i++) {
      rows.add(new Object[] {hcps[i], "B1", T0.plus(Duration.ofMinutes(minutes[i])), (long) i});
    }
    return rows;
  }

  /** Joins the seeded features onto {@code spine}. */
  protected CollectingSink join(Spine spine) {
    CollectingSink sink = new CollectingSink();
    store.pointInTimeJoin(new PitQuery(spine, features, null), sink);
    return sink;
  }

  /** The join of the in-memory spine: what every other source must give. */
  protected CollectingSink expected() {
    return join(new Spine.Rows(List.of("hcp_id", "brand_id", "ts", "label"), "ts", spineRows()));
  }

  /** The spine rows as a CSV file in {@code dir}. */
  protected Path csv() throws Exception {
    StringBuilder sb = new StringBuilder("hcp_id,brand_id,ts,label\n");
    for (Object[] r : spineRows()) {
      sb.append(r[0]).append(',').append(r[1]).append(',').append(r[2]).append(',').append(r[3]);
      sb.append('\n');
    }
    return Files.writeString(dir.resolve("spine.csv"), sb.toString());
  }

  @Test
  public void inMemorySpineIsCorrect() {
    CollectingSink out = expected();
    assertThat(out.columns).containsExactly("hcp_id", "brand_id", "ts", "label", "trx", "score");
    assertThat(out.rows)
        .extracting(r -> r.subList(3, 6))
        .containsExactly(
            Arrays.asList(0L, 301L, 3.1), // 95 min: the 60-min value
            Arrays.asList(1L, 0L, 0.0),
            Arrays.asList(2L, 409L, 4.9), // 10 h: last value at 9 h, within 2 h
            Arrays.asList(3L, 100L, 1.0),
            Arrays.asList(4L, null, null), // nobody wrote hcp 9
            Arrays.asList(5L, null, 2.9)); // 2000 min: trx older than its max age
    assertThat(out.rows.getFirst().subList(0, 3))
        .containsExactly(3L, "B1", T0.plus(Duration.ofMinutes(95)));
  }

  @Test
  public void csvSpine() throws Exception {
    CollectingSink out = join(new Spine.File(csv(), "ts"));
    assertThat(out.columns).isEqualTo(expected().columns);
    assertThat(out.rows).isEqualTo(expected().rows);
  }

  @Test
  public void parquetSpine() throws Exception {
    Path parquet = dir.resolve("spine.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute(
          "COPY (SELECT * FROM read_csv_auto('"
              + csv()
              + "')) TO '"
              + parquet
              + "' (FORMAT parquet)");
    }
    CollectingSink out = join(new Spine.File(parquet, "ts"));
    assertThat(out.columns).isEqualTo(expected().columns);
    assertThat(out.rows).isEqualTo(expected().rows);
  }

  @Test
  public void sqlSpine() {
    CollectingSink out = join(new Spine.Sql(sqlSpine(spineRows()), "ts"));
    assertThat(out.columns).isEqualTo(expected().columns);
    assertThat(out.rows).isEqualTo(expected().rows);
  }

  /** A zone-less timestamp and plain int columns, as a hand-written query would have them. */
  @Test
  public void plainSqlSpine() {
    String plain =
        valuesSpine(spineRows(), "").replace("TIMESTAMPTZ '", "TIMESTAMP '").replace("Z'", "'");
    assertThat(join(new Spine.Sql(plain, "ts")).rows).isEqualTo(expected().rows);
  }

  @Test
  public void badSpinesAreNamed() throws Exception {
    assertThatThrownBy(() -> join(new Spine.File(csv(), "when")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("when");
    Path txt = Files.writeString(dir.resolve("spine.txt"), "x");
    assertThatThrownBy(() -> join(new Spine.File(txt, "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining(".csv or .parquet");
    assertThatThrownBy(() -> join(new Spine.File(dir.resolve("missing.csv"), "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("missing.csv");
    assertThatThrownBy(() -> join(new Spine.Sql("SELECT 1 AS ts", "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("hcp_id");
    assertThatThrownBy(() -> join(new Spine.Sql("SELECT now() AS ts", "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("hcp_id");
    assertThatThrownBy(() -> join(new Spine.Sql("SELEC nonsense", "ts")))
        .hasMessageContaining("spine query failed")
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> join(new Spine.Sql("SELEKT 1", "ts")))
        .hasMessageContaining("spine query failed")
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT));
    assertThatThrownBy(
            () -> join(new Spine.Sql("SELECT 1 AS hcp_id, 'x' AS brand_id, 'soon' AS ts", "ts")))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT));
    // the store still joins after all of these
    assertThat(expected().rows).hasSize(6);
  }
}
