package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.MaterializationRun;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Locale;

/**
 * Materialization throughput on the embedded store (issue 13): a CSV source of {@code rows}
 * prescriptions (args[0], default 1,000,000) materialized into one feature, against the floor of
 * the same rows copied by a raw {@code INSERT ... SELECT} in DuckDB into a table shaped like the
 * store's values (no validation, no index, no cache). Prints one line per measurement.
 */
public final class MaterializationBench {
  private MaterializationBench() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path dir = EmbeddedBenchData.tempDir();
    Path csv = dir.resolve("rx.csv");
    Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
    try (BufferedWriter w = Files.newBufferedWriter(csv)) {
      w.write("hcp_id,ts,trx\n");
      for (int i = 0; i < rows; i++) {
        // 100,000 entities, 10 events each, one second apart per entity.
        w.write("H" + (i % 100_000) + "," + t0.plusSeconds(i).toString() + "," + (i % 50) + "\n");
      }
    }
    String source =
        "read_csv('"
            + csv
            + "', header = true, columns = {'hcp_id': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'trx':"
            + " 'BIGINT'})";
    for (int run = 1; run <= 2; run++) {
      Path storeDir = dir.resolve("store" + run);
      try (FeatureStore fs = EmbeddedFeatureStore.open(storeDir)) {
        fs.createFeatureGroup(FeatureGroup.builder("rx").build());
        fs.createFeature(
            FeatureSpec.builder("rx", "trx")
                .valueType("int64")
                .entityKeys("hcp_id")
                .computationQuery(
                    "SELECT hcp_id, ts AS event_timestamp, trx AS value FROM "
                        + source
                        + " WHERE ts >= :start AND ts < :end")
                .build());
        long started = System.nanoTime();
        MaterializationRun r = fs.materialize("rx", null, null);
        double s = (System.nanoTime() - started) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "materialize run %d: %,d rows in %.2f s = %,.0f rows/s (%s)%n",
            run,
            r.rows(),
            s,
            r.rows() / s,
            r.status().wireName());
      }
      long started = System.nanoTime();
      try (Connection c =
              DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("raw" + run + ".duckdb"));
          Statement st = c.createStatement()) {
        st.execute(
            "CREATE TABLE feature_values (feature_id VARCHAR, entity VARCHAR, value VARCHAR,"
                + " event_timestamp BIGINT, written_at BIGINT)");
        st.execute(
            "INSERT INTO feature_values SELECT 'f', hcp_id, CAST(trx AS VARCHAR),"
                + " epoch_us(ts), epoch_us(now()) FROM "
                + source);
      }
      double s = (System.nanoTime() - started) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "raw INSERT ... SELECT run %d: %,d rows in %.2f s = %,.0f rows/s%n",
          run,
          rows,
          s,
          rows / s);
    }
    EmbeddedBenchData.delete(dir);
  }
}
