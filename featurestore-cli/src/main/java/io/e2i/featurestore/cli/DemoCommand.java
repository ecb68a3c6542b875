package io.e2i.featurestore.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.HealthStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The seed's Quick Start, end to end, on the configured store (embedded by default, so it runs on a
 * machine with nothing installed). Running it again adds newer values and changes no definition.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "demo",
    description =
        "Creates the seed's hcp_demographics, hcp_targeting and brand_performance groups, writes"
            + " values, reads them back and prints them.")
final class DemoCommand extends BaseCommand {

  static final String FEATURES_RESOURCE = "demo-features.yaml";

  @Mixin TrackingWait trackingWait;

  @Override
  int execute() throws IOException {
    PrintWriter out = out();
    FeatureFile features;
    try (InputStream in = DemoCommand.class.getResourceAsStream(FEATURES_RESOURCE)) {
      features = FeatureFile.parse(FEATURES_RESOURCE, in);
    }
    try (FeatureStore fs = openStore();
        TrackingWait.Handle tracked = trackingWait.on(fs, env(), err())) {
      out.println("E2I Feature Store demo on " + store.config(env()));
      HealthStatus health = fs.healthCheck();
      out.printf(
          "health_check: offline=%s online=%s tracking=%s%n",
          health.offline(), health.online(), health.tracking());

      section(out, "create_feature_group / create_feature");
      new Applier(fs, out).apply(features, false);

      section(out, "write_feature_value / write_batch_features");
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      Instant monthAgo = now.minus(Duration.ofDays(20));
      Map<String, String> hcp123 = Map.of("hcp_id", "HCP123");
      fs.writeFeatureValue("specialty", hcp123, "Oncology", now, "hcp_demographics");
      fs.writeFeatureValue("years_in_practice", hcp123, 11, monthAgo, "hcp_demographics");
      fs.writeFeatureValue("years_in_practice", hcp123, 12, now, "hcp_demographics");
      out.println(
          "wrote specialty='Oncology', years_in_practice=11 (20 days ago) and 12 for HCP123");
      int count =
          fs.writeBatchFeatures(
              List.of(
                  new FeatureWrite(
                      "specialty",
                      Map.of("hcp_id", "HCP456"),
                      "Cardiology",
                      now,
                      "hcp_demographics"),
                  new FeatureWrite(
                      "years_in_practice",
                      Map.of("hcp_id", "HCP456"),
                      15,
                      now,
                      "hcp_demographics")));
      out.println("Wrote " + count + " features (batch for HCP456)");
      count =
          fs.writeBatchFeatures(
              List.of(
                  new FeatureWrite("total_trx_30d", hcp123, 42, now, "hcp_targeting"),
                  new FeatureWrite("last_rep_visit_days_ago", hcp123, 3, now, "hcp_targeting"),
                  new FeatureWrite(
                      "brand_affinity_score",
                      Map.of("hcp_id", "HCP123", "brand_id", "BRAND_A"),
                      0.87,
                      now,
                      "hcp_targeting"),
                  new FeatureWrite(
                      "total_nrx_30d",
                      Map.of("brand_id", "BRAND_A", "geography_id", "US-NE"),
                      1250,
                      now,
                      "brand_performance"),
                  new FeatureWrite(
                      "market_share",
                      Map.of("brand_id", "BRAND_A", "geography_id", "US-NE"),
                      0.23,
                      now,
                      "brand_performance"),
                  new FeatureWrite(
                      "growth_rate_qoq",
                      Map.of("brand_id", "BRAND_A"),
                      0.051,
                      now,
                      "brand_performance")));
      out.println("Wrote " + count + " features (hcp_targeting, brand_performance)");

      section(out, "get_entity_features");
      EntityFeatures ef = fs.getEntityFeatures(hcp123, "hcp_demographics", true);
      out.println("features: " + json(ef.features()));
      out.println("metadata: " + json(Views.online("hcp_demographics", ef).get("metadata")));
      out.println("to_dict:  " + json(ef.toDict()));
      Printer.online(out, Views.online("hcp_demographics", ef));
      Printer.online(
          out, Views.online("hcp_targeting", fs.getEntityFeatures(hcp123, "hcp_targeting")));
      Printer.online(
          out,
          Views.online(
              "hcp_targeting",
              fs.getEntityFeatures(
                  Map.of("hcp_id", "HCP123", "brand_id", "BRAND_A"), "hcp_targeting")));
      Map<String, String> brand = Map.of("brand_id", "BRAND_A", "geography_id", "US-NE");
      Printer.online(
          out, Views.online("brand_performance", fs.getEntityFeatures(brand, "brand_performance")));

      section(out, "get_historical_features (last 30 days)");
      Printer.history(
          out,
          Views.history(
              fs.getHistoricalFeatures(
                  hcp123,
                  List.of("specialty", "years_in_practice"),
                  now.minus(Duration.ofDays(30)),
                  Instant.now())));

      java.nio.file.Path dataDir = DemoPipeline.dataDir(store.config(env()).offlineUrl());
      if (dataDir != null) { // the generated source is a CSV file DuckDB reads
        section(out, "pipeline: materialize a group computed from a source table");
        DemoPipeline.run(fs, dataDir, out);
      }

      section(out, "freshness monitor");
      Printer.freshness(out, Views.freshness(fs.freshnessMonitor()));
      out.println();
      out.println(
          "Next: featurestore get --group hcp_demographics --entity hcp_id=HCP123"
              + "   |   featurestore serve");
    }
    return Main.EXIT_OK;
  }

  private static void section(PrintWriter out, String title) {
    out.println();
    out.println("== " + title);
  }

  private static String json(Object value) {
    try {
      return Views.JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }
}
