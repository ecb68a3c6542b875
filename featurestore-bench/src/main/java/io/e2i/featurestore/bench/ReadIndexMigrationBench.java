package io.e2i.featurestore.bench;

import io.e2i.featurestore.postgres.PgMigrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Times migration V12 (value_num into every partition's read index, issue 15) on a big table while
 * a writer goes on: the schema at V11, {@code --rows} values (default 20,000,000) of 10 features
 * over the last 30 days filled server-side with value_num, {@code VACUUM ANALYZE} and {@code
 * CHECKPOINT}; then one thread inserts a value every 10 ms (autocommit, one row) while the
 * migration runs, and the longest and p99 insert latencies during it are printed with the
 * migration's time (its own log line splits it into the concurrent builds and the swap).
 *
 * <pre>
 * java -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.bench.ReadIndexMigrationBench --rows 20000000
 * </pre>
 */
public final class ReadIndexMigrationBench {
  private ReadIndexMigrationBench() {}

  public static void main(String[] args) throws Exception {
    long rows = 20_000_000L;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--rows")) {
        rows = Long.parseLong(args[i + 1].replace("_", ""));
      }
    }
    try (EmbeddedPostgres pg = PostgresBenchData.start()) {
      var ds = pg.getPostgresDatabase();
      PgMigrations.migrate(ds, "11");
      Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);
      long started = System.nanoTime();
      long perFeature = rows / PostgresBenchData.FEATURES;
      for (int f = 0; f < PostgresBenchData.FEATURES; f++) {
        PostgresBenchData.sql(
            pg,
            "INSERT INTO feature_values (feature_id, entity_key, value, value_num,"
                + " event_timestamp, written_at) SELECT '"
                + new UUID(0, f + 1)
                + "', '{\"hcp_id\":\"E' || lpad((n / 720)::text, 7, '0') || '\"}',"
                + " to_jsonb((n % 720) * 0.5), ((n % 720) * 0.5)::float8, timestamptz '"
                + end
                + "' - (n % 720) * interval '1 hour', now()"
                + " FROM generate_series(0::bigint, "
                + (perFeature - 1)
                + ") n");
      }
      System.out.printf(
          "filled %,d values in %.1f s%n", perFeature * 10, (System.nanoTime() - started) / 1e9);
      PostgresBenchData.sql(pg, "VACUUM ANALYZE feature_values");
      PostgresBenchData.sql(pg, "CHECKPOINT");
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean running = new AtomicBoolean(true);
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (Connection c = ds.getConnection();
                        PreparedStatement ps =
                            c.prepareStatement(
                                "INSERT INTO feature_values (feature_id, entity_key, value,"
                                    + " value_num, event_timestamp, written_at) VALUES (?,"
                                    + " '{\"hcp_id\":\"W\"}', '1.5', 1.5, now(), now())")) {
                      ps.setObject(1, new UUID(0, 1));
                      while (running.get()) {
                        long t = System.nanoTime();
                        ps.executeUpdate();
                        latencies.add(System.nanoTime() - t);
                        Thread.sleep(10);
                      }
                    } catch (SQLException | InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  });
      Thread.sleep(1000);
      int before = latencies.size();
      long migrating = System.nanoTime();
      int applied = PgMigrations.migrate(ds);
      double seconds = (System.nanoTime() - migrating) / 1e9;
      running.set(false);
      writer.join();
      List<Long> during = new ArrayList<>(latencies.subList(before, latencies.size()));
      Collections.sort(during);
      System.out.printf(
          "V12 on %,d values: %d migration(s) in %.1f s; %,d inserts meanwhile, p50 %.2f ms,"
              + " p99 %.2f ms, max %.1f ms%n",
          perFeature * 10,
          applied,
          seconds,
          during.size(),
          during.get(during.size() / 2) / 1e6,
          during.get((int) (during.size() * 0.99)) / 1e6,
          during.get(during.size() - 1) / 1e6);
    }
  }
}
