package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.MaterializationRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The demo's pipeline (issue 13): a generated source of HCP prescriptions (the seed's shape:
 * hcp_id, brand_id, rx_date, trx, nrx) as a CSV file beside the embedded data, a group whose
 * features are computed from it (a 30-day sum per day, the latest count) plus an on-demand share,
 * one incremental materialization and the values it wrote.
 */
final class DemoPipeline {
  static final String GROUP = "hcp_rx";

  private DemoPipeline() {}

  /** The folder of an embedded offline URL ({@code embedded}, {@code embedded:<dir>}), or null. */
  static @org.jspecify.annotations.Nullable Path dataDir(String offlineUrl) {
    if (offlineUrl.equals("embedded")) {
      return Path.of("data");
    }
    if (!offlineUrl.startsWith("embedded:")) {
      return null;
    }
    String dir = offlineUrl.substring("embedded:".length()).trim();
    return Path.of(dir.startsWith("//") ? dir.substring(2) : dir);
  }

  static void run(FeatureStore fs, Path dataDir, PrintWriter out) {
    Path csv =
        dataDir.toAbsolutePath().normalize().resolve("demo").resolve("hcp_prescriptions.csv");
    int rows = writeSource(csv);
    out.println("source: " + csv + " (" + rows + " generated prescriptions)");
    String src =
        "read_csv('"
            + csv.toString().replace("'", "''")
            + "', header = true, columns = {'hcp_id': 'VARCHAR', 'brand_id': 'VARCHAR',"
            + " 'rx_date': 'TIMESTAMPTZ', 'trx': 'BIGINT', 'nrx': 'BIGINT'})";
    define(fs, src);
    MaterializationRun run;
    try {
      run = fs.materialize(GROUP, null, null);
    } catch (FeatureStoreException e) {
      out.println("materialize " + GROUP + ": " + e.getMessage());
      return;
    }
    out.printf(
        Locale.ROOT,
        "materialize %s: %s, %s run, %,d values in %d ms (window up to %s)%n",
        GROUP,
        run.status().wireName(),
        run.kind().wireName(),
        run.rows(),
        run.durationMillis(),
        run.windowEnd());
    out.println(
        "HCP123: "
            + fs.getEntityFeatures(Map.of("hcp_id", "HCP123"), GROUP).features()
            + "  (nrx_share is on-demand: nrx_30d / trx_30d at read time)");
    MaterializationRun again = fs.materialize(GROUP, null, null);
    out.printf(
        Locale.ROOT,
        "materialize again: %,d values (incremental from the watermark)%n",
        again.rows());
  }

  private static void define(FeatureStore fs, String src) {
    fs.createFeatureGroup(
        FeatureGroup.builder(GROUP)
            .description("HCP prescription features computed from the prescriptions source")
            .owner("data-team")
            .sourceTable("hcp_prescriptions")
            .expectedUpdateFrequencyHours(24)
            .tags("pipeline", "demo")
            .build());
    fs.createFeature(
        FeatureSpec.builder(GROUP, "trx_30d")
            .valueType("int64")
            .entityKeys("hcp_id")
            .description("Prescriptions in the 30 days before each midnight")
            .computationQuery(window(src, "trx"))
            .build());
    fs.createFeature(
        FeatureSpec.builder(GROUP, "nrx_30d")
            .valueType("int64")
            .entityKeys("hcp_id")
            .description("New prescriptions in the 30 days before each midnight")
            .computationQuery(window(src, "nrx"))
            .build());
    fs.createFeature(
        FeatureSpec.builder(GROUP, "nrx_share")
            .valueType("float64")
            .entityKeys("hcp_id")
            .description("Share of new prescriptions, computed at read time")
            .expression("trx_30d == 0 ? 0.0 : double(nrx_30d) / double(trx_30d)")
            .build());
  }

  private static String window(String src, String column) {
    return "SELECT d.hcp_id, d.day AS event_timestamp, sum(s."
        + column
        + ") AS value FROM (SELECT DISTINCT hcp_id, date_trunc('day', rx_date) + INTERVAL '1 day'"
        + " AS day FROM "
        + src
        + " WHERE rx_date >= CAST(:start AS TIMESTAMPTZ) - INTERVAL '1 day' AND rx_date <"
        + " CAST(:end AS TIMESTAMPTZ)) d JOIN "
        + src
        + " s ON s.hcp_id = d.hcp_id AND s.rx_date >= d.day - INTERVAL '30 days' AND s.rx_date"
        + " < d.day GROUP BY d.hcp_id, d.day";
  }

  /** 90 days of prescriptions ending yesterday, the same every run of the same day. */
  private static int writeSource(Path csv) {
    Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
    Random random = new Random(today.getEpochSecond());
    StringBuilder text = new StringBuilder("hcp_id,brand_id,rx_date,trx,nrx\n");
    int rows = 0;
    for (int day = 90; day >= 1; day--) {
      Instant date = today.minus(Duration.ofDays(day));
      for (int h = 0; h < 40; h++) {
        if (random.nextInt(3) != 0 && h != 23) {
          continue;
        }
        String hcp = h == 23 ? "HCP123" : "HCP" + (400 + h);
        long trx = 1 + random.nextInt(12);
        long nrx = random.nextInt((int) trx + 1);
        Instant at = date.plus(Duration.ofMinutes(random.nextInt(24 * 60)));
        text.append(hcp)
            .append(',')
            .append(random.nextBoolean() ? "BRAND_A" : "BRAND_B")
            .append(',')
            .append(at.toString().replace('T', ' ').replace("Z", "+00"))
            .append(',')
            .append(trx)
            .append(',')
            .append(nrx)
            .append('\n');
        rows++;
      }
    }
    try {
      Files.createDirectories(csv.getParent());
      Files.writeString(csv, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }
}
