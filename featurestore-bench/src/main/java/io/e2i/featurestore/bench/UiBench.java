package io.e2i.featurestore.bench;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.LineageGraph;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.TrainingSets;
import io.e2i.featurestore.embedded.EmbeddedBackendProvider;
import io.e2i.featurestore.server.FeatureServer;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.Registry;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Lineage and UI figures (issue 14): a registry of {@code --groups} groups x {@code --features}
 * features (embedded store), {@code --sets} saved training sets that all pin
 * hcp_targeting:total_trx_30d@1 (and 4 other features each), each tagged with a run. Measures the
 * search endpoint (as-you-type prefixes), the downstream lineage of that feature version (2,001
 * nodes), both over loopback HTTP after a warm-up (an upper bound of the server-side time), and the
 * web UI's first render in headless Chromium (ms from navigation start until the page's content is
 * on screen).
 *
 * <pre>
 * java -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.bench.UiBench \
 *     [--groups 1000] [--features 20] [--sets 1000] [--requests 2000]
 * </pre>
 */
public final class UiBench {
  private static final String[] TOPICS = {
    "rx",
    "claims",
    "payer",
    "digital",
    "engagement",
    "sales",
    "demographics",
    "market",
    "access",
    "email",
    "call",
    "sample",
    "formulary",
    "territory",
    "patient"
  };
  private static final String[] METRICS = {
    "total", "avg", "count", "share", "growth", "rank", "days_since", "ratio", "max", "min"
  };
  private static final String[] WINDOWS = {"7d", "30d", "90d", "365d", "ytd", "qtd"};
  private static final String[] OWNERS = {
    "growth-team", "data-team", "ml-platform", "commercial-analytics", "market-access"
  };

  private UiBench() {}

  public static void main(String[] args) throws Exception {
    int groups = intArg(args, "--groups", 1000);
    int features = intArg(args, "--features", 20);
    int sets = intArg(args, "--sets", 1000);
    int requests = intArg(args, "--requests", 2000);
    Path dir = Files.createTempDirectory("fs-uibench");
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    long t0 = System.nanoTime();
    fill(backend.registry(), groups, features, sets);
    System.out.printf(
        "registry: %d groups x %d features, %d training sets + runs, filled in %.1f s%n",
        groups, features, sets, (System.nanoTime() - t0) / 1e9);
    try (FeatureStore store =
            FeatureStores.builder()
                .registry(backend.registry())
                .offlineStore(backend.store())
                .build();
        FeatureServer server = FeatureServer.start(store, 0)) {
      HttpClient http = HttpClient.newHttpClient();
      String base = server.url();

      List<String> searches = new ArrayList<>();
      for (String word :
          List.of(
              "t",
              "to",
              "tot",
              "tota",
              "total",
              "total_trx",
              "total_trx_30",
              "h",
              "hc",
              "hcp",
              "hcp targ",
              "rx",
              "rx cla",
              "growth",
              "market access",
              "days_since",
              "30d",
              "zzz")) {
        searches.add(
            "/api/v1/search?limit=25&q=" + URLEncoder.encode(word, StandardCharsets.UTF_8));
      }
      String lineage =
          "/api/v1/lineage?direction=downstream&node="
              + URLEncoder.encode("hcp_targeting:total_trx_30d@1", StandardCharsets.UTF_8);

      time(http, base, searches, 200); // warm-up
      report("search (as-you-type prefixes, limit 25)", time(http, base, searches, requests));
      time(http, base, List.of(lineage), 100);
      report(
          "lineage downstream of hcp_targeting:total_trx_30d@1 over HTTP",
          time(http, base, List.of(lineage), Math.max(200, requests / 10)));
      long[] inProcess = new long[200];
      int nodes = 0;
      for (int i = 0; i < inProcess.length; i++) {
        long s = System.nanoTime();
        nodes =
            store
                .lineage("hcp_targeting:total_trx_30d@1", 5, LineageGraph.Direction.DOWNSTREAM)
                .nodes()
                .size();
        inProcess[i] = System.nanoTime() - s;
      }
      report("lineage in process (FeatureStore.lineage, " + nodes + " nodes)", inProcess);
      render(base);
    }
  }

  static void fill(Registry registry, int groups, int features, int sets) {
    Random random = new Random(14);
    Instant now = Instant.now();
    List<String> refs = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      String topic = TOPICS[g % TOPICS.length];
      String name = g == 0 ? "hcp_targeting" : topic + "_" + String.format("%04d", g);
      registry.insertGroup(
          FeatureGroup.builder(name)
              .description("HCP " + topic + " features for segment " + (g % 37))
              .owner(OWNERS[g % OWNERS.length])
              .sourceTable(topic + "_events")
              .tags(topic, "hcp", g % 2 == 0 ? "core" : "experimental")
              .expectedUpdateFrequencyHours(24)
              .maxAgeHours(72)
              .build());
      for (int f = 0; f < features; f++) {
        String feature =
            g == 0 && f == 0
                ? "total_trx_30d"
                : METRICS[f % METRICS.length]
                    + "_"
                    + topic
                    + "_"
                    + WINDOWS[(f + g) % WINDOWS.length]
                    + "_"
                    + f;
        registry.insertFeature(
            Feature.fromSpec(
                FeatureSpec.builder(name, feature)
                    .valueType(f % 3 == 0 ? "string" : "float64")
                    .entityKeys("hcp_id")
                    .description("The " + METRICS[f % METRICS.length] + " of " + topic + " per HCP")
                    .owner(OWNERS[(g + f) % OWNERS.length])
                    .tags(topic, WINDOWS[(f + g) % WINDOWS.length])
                    .computationQuery(
                        f % 2 == 0
                            ? "SELECT hcp_id, ts AS event_timestamp, v AS value FROM "
                                + topic
                                + "_events e JOIN hcps h USING (hcp_id)"
                            : null)
                    .build(),
                1,
                now));
        refs.add(name + ":" + feature + "@1");
      }
    }
    PitQuery.Spine spine =
        new PitQuery.Spine.Rows(
            List.of("hcp_id", "event_timestamp"), "event_timestamp", List.<Object[]>of());
    for (int s = 0; s < sets; s++) {
      String name = "model_" + s;
      List<String> pinned = new ArrayList<>(List.of("hcp_targeting:total_trx_30d@1"));
      for (int i = 0; i < 4; i++) {
        pinned.add(refs.get(1 + random.nextInt(refs.size() - 1)));
      }
      registry.saveTrainingSet(
          name, TrainingSets.toJson(new TrainingSetDefinition(name, spine, pinned, now, now)));
      String set = LineageGraph.NodeType.TRAINING_SET.id(name);
      registry.replaceLineageInto(
          set,
          pinned.stream()
              .map(
                  r ->
                      new LineageGraph.Edge(
                          LineageGraph.NodeType.FEATURE_VERSION.id(r), set, "used_by"))
              .toList());
      registry.addLineageEdge(
          new LineageGraph.Edge(set, LineageGraph.NodeType.RUN.id("run" + s), "trained"));
    }
  }

  static long[] time(HttpClient http, String base, List<String> paths, int n) throws Exception {
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(base + paths.get(i % paths.size()))).GET().build();
      long s = System.nanoTime();
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      nanos[i] = System.nanoTime() - s;
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
      }
    }
    return nanos;
  }

  static void report(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%-70s n=%d p50 %.2f ms  p99 %.2f ms  max %.2f ms%n",
        what,
        sorted.length,
        sorted[sorted.length / 2] / 1e6,
        sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  /** The UI's first render: a fresh browser each time (no cache), ms since navigation start. */
  static void render(String base) {
    String chromium = System.getenv().getOrDefault("FS_CHROMIUM", "/usr/bin/chromium");
    String driverPath = System.getenv().getOrDefault("FS_CHROMEDRIVER", "/usr/bin/chromedriver");
    if (!new File(chromium).canExecute() || !new File(driverPath).canExecute()) {
      System.out.println("render: skipped, no " + chromium + " / " + driverPath);
      return;
    }
    for (String page :
        List.of(
            "/",
            "/#/group/hcp_targeting",
            "/#/feature/hcp_targeting/total_trx_30d",
            "/#/training-sets",
            "/#/training-sets/500")) {
      List<Long> ms = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments(
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
        WebDriver driver =
            new ChromeDriver(
                new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(driverPath))
                    .build(),
                options);
        try {
          driver.get(base + page);
          String rendered =
              new WebDriverWait(driver, Duration.ofSeconds(30))
                  .until(d -> d.findElement(By.tagName("body")).getAttribute("data-rendered"));
          ms.add(Long.parseLong(rendered));
        } finally {
          driver.quit();
        }
      }
      List<Long> sorted = new ArrayList<>(ms);
      sorted.sort(Long::compare);
      System.out.printf("first render of %-40s median %d ms, all %s%n", page, sorted.get(2), ms);
    }
  }

  private static int intArg(String[] args, String name, int dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return dflt;
  }
}
