package io.e2i.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
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
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spines read by DuckDB itself (CSV, Parquet, SQL) give the same rows as in-memory spines. */
class EmbeddedSpineSourcesTest {
  private static final Instant T0 = Instant.parse("2025-12-18T00:00:00Z");
  @TempDir Path dir;
  private OfflineBackend backend;
  private final UUID trx = UUID.randomUUID();
  private final UUID score = UUID.randomUUID();
  private List<PitFeature> features;

  @BeforeEach
  void seed() {
    backend = EmbeddedBackendProvider.open(dir.resolve("db"));
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
                EntityKey.of(java.util.Map.of("hcp_id", String.valueOf(h), "brand_id", "B1")),
                h + hour / 10.0,
                ts));
      }
    }
    backend.store().write(rows, T0.plus(Duration.ofDays(1)));
    features =
        List.of(
            new PitFeature(trx, "trx", ValueType.INT64, List.of("hcp_id"), Duration.ofHours(2)),
            new PitFeature(score, "score", ValueType.FLOAT64, List.of("brand_id", "hcp_id"), null));
  }

  @AfterEach
  void close() {
    backend.store().close();
    backend.registry().close();
  }

  /** Spine rows in a scrambled order, with numeric hcp ids, past max age and unknown entities. */
  private static List<Object[]> spineRows() {
    List<Object[]> rows = new ArrayList<>();
    long[] hcps = {3, 0, 4, 1, 9, 2};
    int[] minutes = {95, 30, 600, 0, 60, 2000};
    for (int i = 0; i < hcps.length; i++) {
      rows.add(new Object[] {hcps[i], "B1", T0.plus(Duration.ofMinutes(minutes[i])), (long) i});
    }
    return rows;
  }

  private CollectingSink join(Spine spine) {
    CollectingSink sink = new CollectingSink();
    backend.store().pointInTimeJoin(new PitQuery(spine, features, null), sink);
    return sink;
  }

  private CollectingSink expected() {
    return join(new Spine.Rows(List.of("hcp_id", "brand_id", "ts", "label"), "ts", spineRows()));
  }

  private Path csv() throws Exception {
    StringBuilder sb = new StringBuilder("hcp_id,brand_id,ts,label\n");
    for (Object[] r : spineRows()) {
      sb.append(r[0]).append(',').append(r[1]).append(',').append(r[2]).append(',').append(r[3]);
      sb.append('\n');
    }
    return Files.writeString(dir.resolve("spine.csv"), sb.toString());
  }

  @Test
  void inMemorySpineIsCorrect() {
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
  }

  @Test
  void csvSpine() throws Exception {
    assertThat(join(new Spine.File(csv(), "ts")).rows).isEqualTo(expected().rows);
  }

  @Test
  void parquetSpine() throws Exception {
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
    assertThat(join(new Spine.File(parquet, "ts")).rows).isEqualTo(expected().rows);
  }

  @Test
  void sqlSpine() throws Exception {
    StringBuilder values = new StringBuilder();
    for (Object[] r : spineRows()) {
      values.append(values.isEmpty() ? "" : ", ");
      values.append("(").append(r[0]).append(", 'B1', TIMESTAMPTZ '").append(r[2]);
      values.append("', ").append(r[3]).append(")");
    }
    String sql = "SELECT * FROM (VALUES " + values + ") t(hcp_id, brand_id, ts, label)";
    assertThat(join(new Spine.Sql(sql, "ts")).rows).isEqualTo(expected().rows);
  }

  @Test
  void badSpinesAreNamed() throws Exception {
    assertThatThrownBy(() -> join(new Spine.File(csv(), "when")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("when");
    Path txt = Files.writeString(dir.resolve("spine.txt"), "x");
    assertThatThrownBy(() -> join(new Spine.File(txt, "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining(".csv or .parquet");
    assertThatThrownBy(() -> join(new Spine.Sql("SELECT 1 AS ts", "ts")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("hcp_id");
    assertThatThrownBy(() -> join(new Spine.Sql("SELEC nonsense", "ts")))
        .hasMessageContaining("spine query")
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT));
  }
}
