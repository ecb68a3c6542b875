package io.e2i.featurestore.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureStoreException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataFormatTest {
  private static final Instant T = Instant.parse("2025-12-18T10:00:00Z");

  private static byte[] write(TrainingDataFormat format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TrainingDataWriter w = format.writer(out);
    w.columns(List.of("hcp_id", "ts", "label", "trx", "score", "tags"));
    w.row(new Object[] {"H1", T, "a,\"b\"", 12L, 0.5, List.of("x", "y")});
    w.row(new Object[] {"H2", T.plusSeconds(1), null, null, null, null});
    w.finish();
    return out.toByteArray();
  }

  @Test
  void csvQuotesWhatNeedsQuotingAndLeavesNullsEmpty() {
    assertThat(new String(write(TrainingDataFormat.CSV), StandardCharsets.UTF_8))
        .isEqualTo(
            "hcp_id,ts,label,trx,score,tags\n"
                + "H1,2025-12-18T10:00:00Z,\"a,\"\"b\"\"\",12,0.5,\"[\"\"x\"\",\"\"y\"\"]\"\n"
                + "H2,2025-12-18T10:00:01Z,,,,\n");
  }

  @Test
  void jsonRowsAreObjectsInColumnOrder() throws Exception {
    JsonNode root = new ObjectMapper().readTree(write(TrainingDataFormat.JSON));
    assertThat(root.get("columns")).hasSize(6);
    assertThat(root.get("row_count").asLong()).isEqualTo(2);
    JsonNode first = root.get("rows").get(0);
    assertThat(first.fieldNames())
        .toIterable()
        .containsExactly("hcp_id", "ts", "label", "trx", "score", "tags");
    assertThat(first.get("trx").asLong()).isEqualTo(12);
    assertThat(first.get("tags").get(1).asText()).isEqualTo("y");
    assertThat(root.get("rows").get(1).get("score").isNull()).isTrue();
  }

  @Test
  void parquetReadsBackTypedAndIsByteIdenticalForTheSameRows(@TempDir Path dir) throws Exception {
    byte[] first = write(TrainingDataFormat.PARQUET);
    assertThat(write(TrainingDataFormat.PARQUET)).isEqualTo(first);
    Path file = dir.resolve("t.parquet");
    Files.write(file, first);
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT hcp_id, trx, score, typeof(trx), typeof(ts) FROM '"
                    + file
                    + "' ORDER BY hcp_id")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("H1");
      assertThat(rs.getLong(2)).isEqualTo(12L);
      assertThat(rs.getDouble(3)).isEqualTo(0.5);
      assertThat(rs.getString(4)).isEqualTo("BIGINT");
      assertThat(rs.getString(5)).isEqualTo("TIMESTAMP WITH TIME ZONE");
      assertThat(rs.next()).isTrue();
      rs.getLong(2);
      assertThat(rs.wasNull()).isTrue();
    }
  }

  @Test
  void parquetColumnsOfMixedTypesWidenInsteadOfFailing(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TrainingDataWriter w = TrainingDataFormat.PARQUET.writer(out);
    w.columns(List.of("n", "mixed"));
    w.row(new Object[] {1L, 1L});
    w.row(new Object[] {0.5, true});
    w.row(new Object[] {null, "x"});
    w.finish();
    Path file = dir.resolve("mixed.parquet");
    Files.write(file, out.toByteArray());
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT typeof(n), n, typeof(mixed), mixed FROM read_parquet('" + file + "')")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("DOUBLE");
      assertThat(rs.getDouble(2)).isEqualTo(1.0);
      assertThat(rs.getString(3)).isEqualTo("VARCHAR");
      assertThat(rs.getString(4)).isEqualTo("1");
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(4)).isEqualTo("true");
    }
  }

  @Test
  void formatsParseByNameAndExtension() {
    assertThat(TrainingDataFormat.parse("CSV")).isEqualTo(TrainingDataFormat.CSV);
    assertThat(TrainingDataFormat.parse(null)).isEqualTo(TrainingDataFormat.JSON);
    assertThat(TrainingDataFormat.fromFileName("out.parquet"))
        .isEqualTo(TrainingDataFormat.PARQUET);
    assertThat(TrainingDataFormat.fromFileName("out.txt")).isNull();
    assertThatThrownBy(() -> TrainingDataFormat.parse("xml"))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("xml");
  }
}
