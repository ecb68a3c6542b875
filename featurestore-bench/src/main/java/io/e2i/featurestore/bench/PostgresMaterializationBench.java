package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.MaterializationRun;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Instant;
import java.util.Locale;

/**
 * Materialization throughput on PostgreSQL (issue 13: 1,000,000 source rows into one feature < 15
 * s): a source table of {@code rows} prescriptions (args[0], default 1,000,000; 100,000 entities)
 * in the same database, materialized into one feature by a fresh store per run, against the floor
 * of the same rows copied by a raw {@code INSERT ... SELECT} into a table shaped like the values
 * (no validation, no index, no cache). Prints one line per measurement.
 *
 * <pre>
 * java -cp featurestore-bench/target/benchmarks.jar \
 *     io.e2i.featurestore.bench.PostgresMaterializationBench [rows]
 * </pre>
 */
public final class PostgresMaterializationBench {
  private PostgresMaterializationBench() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    EmbeddedPostgres pg = PostgresBenchData.start();
    FeatureStore store = null;
    try {
      // The store's migrations want their schema to themselves: the source lives in its own.
      PostgresBenchData.sql(pg, "CREATE SCHEMA src");
      PostgresBenchData.sql(
          pg,
          "CREATE TABLE src.rx AS SELECT 'H' || (i % 100000) AS hcp_id,"
              + " timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second' AS ts,"
              + " (i % 50)::bigint AS trx FROM generate_series(0, "
              + (rows - 1)
              + ") AS i");
      PostgresBenchData.sql(pg, "ANALYZE src.rx");
      store = PostgresBenchData.open(pg, "none");
      for (int run = 1; run <= 2; run++) {
        String group = "rx" + run;
        store.createFeatureGroup(FeatureGroup.builder(group).sourceTable("src.rx").build());
        store.createFeature(
            FeatureSpec.builder(group, "trx")
                .valueType("int64")
                .entityKeys("hcp_id")
                .computationQuery(
                    "SELECT hcp_id, ts AS event_timestamp, trx AS value FROM src.rx"
                        + " WHERE ts >= :start AND ts < :end")
                .build());
        long started = System.nanoTime();
        MaterializationRun r =
            store.materialize(group, null, Instant.parse("2026-01-01T00:00:00Z"));
        double s = (System.nanoTime() - started) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "materialize run %d: %,d rows in %.2f s = %,.0f rows/s (%s)%n",
            run,
            r.rows(),
            s,
            r.rows() / s,
            r.status().wireName());

        long rawStart = System.nanoTime();
        PostgresBenchData.sql(
            pg,
            "CREATE TABLE src.raw"
                + run
                + " (feature_id uuid, entity text, value_json text, event_timestamp timestamptz,"
                + " written_at timestamptz)");
        PostgresBenchData.sql(
            pg,
            "INSERT INTO src.raw"
                + run
                + " SELECT gen_random_uuid(), hcp_id, trx::text, ts, now() FROM src.rx");
        double raw = (System.nanoTime() - rawStart) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "raw INSERT ... SELECT run %d: %,d rows in %.2f s = %,.0f rows/s%n",
            run,
            rows,
            raw,
            rows / raw);
      }
    } finally {
      PostgresBenchData.close(store, pg);
    }
  }
}
