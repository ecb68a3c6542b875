package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.Constraints;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.ValidationMode;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import io.e2i.featurestore.quality.DriftMonitor;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real browser (issue 14): headless Chromium driven by Selenium through the OS's
 * chromedriver, against a server with API keys on the embedded store. It asks for the key,
 * searches, opens each page and checks the numbers shown against the API; screenshots go to
 * target/ui-screenshots (and to docs/ui when run with -Dfs.ui.docs=true).
 *
 * <p>Needs {@code chromium} and {@code chromedriver} (Debian packages; .ci/run installs them).
 * Where they are absent the tests are skipped saying so, except under CI=true, where they fail.
 */
class UiBrowserTest {
  private static final String CHROMIUM =
      System.getenv().getOrDefault("FS_CHROMIUM", "/usr/bin/chromium");
  private static final String CHROMEDRIVER =
      System.getenv().getOrDefault("FS_CHROMEDRIVER", "/usr/bin/chromedriver");

  @TempDir static Path dir;
  static FeatureStore store;
  static FeatureServer server;
  static String key;
  static KeyedClient api;
  static WebDriver driver;
  static Path shots;

  @BeforeAll
  static void start() throws IOException {
    boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    if (!present) {
      String why =
          "UI browser tests need Chromium and chromedriver ("
              + CHROMIUM
              + ", "
              + CHROMEDRIVER
              + "): apt-get install -y chromium chromium-driver, or set FS_CHROMIUM/FS_CHROMEDRIVER";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why + " (CI must run them)");
      }
      Assumptions.abort(why);
    }
    store = EmbeddedFeatureStore.open(dir.resolve("store"));
    DiscoveryFixture.seed(store);
    refillRate(store);
    for (int i = 0; i < EXTRA_SETS; i++) {
      DiscoveryFixture.save(store, String.format("z_batch_%02d", i), "hcp_targeting:segment");
    }
    key =
        store
            .security()
            .createKey("ui_reader", new KeyScopes(List.of("*"), List.of(), List.of()), "local")
            .secret();
    server = FeatureServer.start(store, ServerOptions.defaults(0));
    api = KeyedClient.of(server.url(), key);
    shots = Path.of("target", "ui-screenshots");
    Files.createDirectories(shots);

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    // The page asks for the key once; it keeps it for the tab (session storage).
    driver.get(server.url() + "/");
    WebElement input = waitFor(By.id("key-input"));
    assertThat(driver.findElement(By.id("key-dialog")).getAttribute("open")).isNotNull();
    screenshot("key-dialog");
    input.sendKeys(key);
    driver.findElement(By.id("key-save")).click();
    waitFor(By.id("groups"));
  }

  /** Sets beyond the fixture's three, so the training-set page has a second page. */
  static final int EXTRA_SETS = 60;

  /**
   * hcp_targeting:refill_rate, a share in [0, 1] (warn mode), over the last 10 days: 200 HCPs a
   * day, the last 4 days' values moving up, and 3 values two days ago above max. Then six daily
   * monitor runs of the group (24-hour windows) up to now, kept in the drift history as the
   * scheduled monitors would keep them.
   */
  static void refillRate(FeatureStore store) {
    store.createFeature(
        FeatureSpec.builder("hcp_targeting", "refill_rate")
            .valueType("float64")
            .entityKeys("hcp_id")
            .description("Share of prescriptions refilled on time")
            .owner("growth-team")
            .constraints(new Constraints(null, 0.0, 1.0, List.of(), null, null, null, null))
            .validation(ValidationMode.WARN)
            .build());
    double[] shift = {0.15, 0.1, 0.05, 0.02};
    java.util.Random rnd = new java.util.Random(14);
    List<FeatureWrite> writes = new java.util.ArrayList<>();
    for (int day = 0; day < 10; day++) {
      for (int k = 0; k < 200; k++) {
        double v = 0.55 + (day < shift.length ? shift[day] : 0) + 0.1 * rnd.nextGaussian();
        writes.add(
            new FeatureWrite(
                "refill_rate",
                Map.of("hcp_id", "R" + day + "_" + k),
                Math.max(0, Math.min(0.99, v)),
                DiscoveryFixture.NOW.minus(Duration.ofDays(day)).minus(Duration.ofMinutes(5L * k)),
                "hcp_targeting"));
      }
    }
    for (int k = 0; k < 3; k++) {
      writes.add(
          new FeatureWrite(
              "refill_rate",
              Map.of("hcp_id", "X" + k),
              1.25,
              DiscoveryFixture.NOW.minus(Duration.ofDays(2)).minus(Duration.ofHours(k)),
              "hcp_targeting"));
    }
    store.writeBatchFeatures(writes);
    store.computeStatistics("hcp_targeting", "refill_rate");

    Instant[] now = {DiscoveryFixture.NOW.minus(Duration.ofDays(5))};
    Clock clock =
        new Clock() {
          @Override
          public ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    try (DriftMonitor monitor =
        new DriftMonitor(store, new DriftMonitor.Settings(null, Duration.ofDays(1), null), clock)) {
      for (int run = 0; run < 6; run++) {
        monitor.runGroup("hcp_targeting");
        now[0] = now[0].plus(Duration.ofDays(1));
      }
    }
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.stop();
    }
    if (store != null) {
      store.close();
    }
  }

  @BeforeEach
  void desktop() {
    driver.manage().window().setSize(new Dimension(1280, 900));
  }

  private static WebElement waitFor(By by) {
    return new WebDriverWait(driver, Duration.ofSeconds(10))
        .until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  private static void open(String hash, By ready) {
    driver.get(server.url() + "/#/" + hash);
    waitFor(ready);
  }

  private static String text(By by) {
    return driver.findElement(by).getText().trim();
  }

  private static long number(By by) {
    return Long.parseLong(text(by).replace(",", ""));
  }

  private static JsonNode get(String path) {
    KeyedClient.Response r = api.get(path);
    assertThat(r.status()).as(path).isEqualTo(200);
    return r.json();
  }

  static void screenshot(String name) throws IOException {
    Path file = shots.resolve(name + ".png");
    Files.copy(
        ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(),
        file,
        StandardCopyOption.REPLACE_EXISTING);
    if (Boolean.getBoolean("fs.ui.docs")) {
      Path docs = Path.of("..", "docs", "ui");
      Files.createDirectories(docs);
      Files.copy(file, docs.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  void theHomePageListsTheGroupsAndTrainingSetsTheApiHas() throws IOException {
    open("", By.id("groups"));
    assertThat(number(By.id("group-count")))
        .isEqualTo(get("/api/v1/feature-groups").get("feature_groups").size());
    assertThat(driver.findElements(By.cssSelector("#groups li"))).hasSize(2);
    assertThat(number(By.id("set-count")))
        .isEqualTo(get("/api/v1/training-sets").get("training_sets").size());
    screenshot("home");
  }

  @Test
  void searchAsYouTypeRanksLikeTheApiAndTheKeyboardOpensAResult() throws IOException {
    open("", By.id("groups"));
    WebElement search = driver.findElement(By.id("search"));
    search.clear();
    search.sendKeys("trx");
    WebElement first = waitFor(By.cssSelector("#search-results li a"));
    JsonNode ranked = get("/api/v1/search?limit=25&q=trx");
    List<WebElement> shown = driver.findElements(By.cssSelector("#search-results li a"));
    assertThat(shown).hasSize(ranked.get("results").size());
    assertThat(first.getText()).contains(ranked.at("/results/0/name").asText());
    assertThat(text(By.id("search-status"))).startsWith(ranked.get("total").asInt() + " match");
    screenshot("search");
    // Arrow down into the results, Enter opens the feature page.
    search.sendKeys(Keys.ARROW_DOWN);
    driver.switchTo().activeElement().sendKeys(Keys.ENTER);
    waitFor(By.id("versions"));
    assertThat(driver.getCurrentUrl()).endsWith("#/feature/hcp_targeting/total_trx_30d");
  }

  @Test
  void theGroupPageShowsTheApisFeaturesAndFreshnessCounts() throws IOException {
    open("group/hcp_demographics", By.id("fresh-total"));
    JsonNode features = get("/api/v1/feature-groups/hcp_demographics/features").get("features");
    assertThat(number(By.id("feature-count"))).isEqualTo(features.size());
    long fresh = 0;
    long stale = 0;
    long expired = 0;
    for (JsonNode r : get("/api/v1/freshness").get("data")) {
      if (r.get("feature_group").asText().equals("hcp_demographics")) {
        fresh += r.get("fresh_count").asLong();
        stale += r.get("stale_count").asLong();
        expired += r.get("expired_count").asLong();
      }
    }
    assertThat(number(By.id("fresh-total"))).isEqualTo(fresh);
    assertThat(number(By.id("stale-total"))).isEqualTo(stale);
    assertThat(number(By.id("expired-total"))).isEqualTo(expired);
    assertThat(fresh + stale + expired).isEqualTo(80); // 40 HCPs x 2 features
    // Panels whose endpoints this server has not: said so, not faked.
    waitFor(By.cssSelector("#materializations p"));
    waitFor(By.cssSelector("#drift p"));
    screenshot("group");
  }

  @Test
  void theFeaturePageShowsVersionsStatisticsHistogramLineageAndSnippets() throws IOException {
    open("feature/hcp_demographics/years_in_practice", By.id("histogram"));
    JsonNode f = get("/api/v1/feature-groups/hcp_demographics/features/years_in_practice");
    JsonNode stats = f.get("statistics");
    assertThat(number(By.cssSelector("[data-stat=count]"))).isEqualTo(stats.get("count").asLong());
    assertThat(text(By.cssSelector("[data-stat=max]")))
        .isEqualTo(String.valueOf(stats.get("max").asLong()));
    List<WebElement> bars = driver.findElements(By.cssSelector("#histogram rect"));
    assertThat(bars).hasSize(stats.get("histogram").size());
    for (int i = 0; i < bars.size(); i++) {
      assertThat(bars.get(i).getAttribute("data-count"))
          .isEqualTo(stats.get("histogram").get(i).get("count").asText());
    }
    assertThat(text(By.cssSelector("code[data-lang=python]"))).contains("get_entity_features");
    assertThat(text(By.cssSelector("code[data-lang=curl]"))).contains("/api/v1/online-features");
    screenshot("feature");
  }

  @Test
  void theImpactQuestionIsAnsweredOnTheFeaturePage() throws IOException {
    open("feature/hcp_targeting/total_trx_30d", By.id("lineage-graph"));
    assertThat(driver.findElements(By.cssSelector("#versions thead th"))).hasSize(3); // "", v1, v2
    assertThat(number(By.id("latest-version"))).isEqualTo(2);
    // v1: which training sets and runs use it?
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("lineage-version")))
        .selectByValue("1");
    driver.findElement(By.cssSelector("button[data-dir=downstream]")).click();
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(
            d ->
                d.findElement(By.id("lineage-graph")).getAttribute("aria-label").endsWith("@1")
                    && d.findElements(By.cssSelector("#lineage-graph text")).stream()
                        .noneMatch(t -> t.getText().equals("source table")));
    JsonNode downstream =
        get("/api/v1/lineage?depth=10&direction=downstream&node=hcp_targeting:total_trx_30d@1");
    long sets = 0;
    long runs = 0;
    for (JsonNode n : downstream.get("nodes")) {
      sets += n.get("type").asText().equals("training_set") ? 1 : 0;
      runs += n.get("type").asText().equals("run") ? 1 : 0;
    }
    assertThat(number(By.id("lineage-sets"))).isEqualTo(sets).isEqualTo(2);
    assertThat(number(By.id("lineage-runs"))).isEqualTo(runs).isEqualTo(2);
    assertThat(driver.findElements(By.cssSelector("#lineage-graph g[data-node]")))
        .hasSize(downstream.get("nodes").size());
    screenshot("lineage");
  }

  @Test
  void trainingSetsShowTheirPinnedVersionsAPageAtATime() throws IOException {
    open("training-sets", By.id("training-sets"));
    JsonNode all = get("/api/v1/training-sets");
    int total = all.get("total").asInt();
    assertThat(total).isEqualTo(all.get("training_sets").size()).isEqualTo(3 + EXTRA_SETS);
    assertThat(number(By.id("set-count"))).isEqualTo(total);
    assertThat(rowNames()).isEqualTo(names(get("/api/v1/training-sets?limit=50&offset=0")));
    assertThat(rowNames()).hasSize(50);
    WebElement churn = driver.findElement(By.id("ts-churn_model"));
    for (JsonNode ref : all.get("training_sets").get(0).get("features")) {
      assertThat(churn.getText()).contains(ref.asText());
    }
    assertThat(text(By.cssSelector(".pager .range"))).isEqualTo("sets 1–50 of " + total);
    screenshot("training-sets");

    // The next page by keyboard: the link takes focus and Enter follows it.
    driver.findElement(By.cssSelector(".pager a.next")).sendKeys(Keys.ENTER);
    waitFor(By.cssSelector("#training-sets[data-offset='50']"));
    List<String> second = names(get("/api/v1/training-sets?limit=50&offset=50"));
    assertThat(second).hasSize(total - 50);
    assertThat(rowNames()).isEqualTo(second);
    assertThat(text(By.cssSelector(".pager .range")))
        .isEqualTo("sets 51–" + total + " of " + total);
    assertThat(driver.findElements(By.cssSelector(".pager a.next"))).isEmpty();
    screenshot("training-sets-page-2");
    driver.findElement(By.cssSelector(".pager a.prev")).sendKeys(Keys.ENTER);
    waitFor(By.cssSelector("#training-sets[data-offset='0']"));
    assertThat(rowNames()).hasSize(50);

    // A link to one set (from a lineage graph) opens the page that holds it.
    driver.get(server.url() + "/#/training-sets#ts-z_batch_55");
    waitFor(By.cssSelector("#training-sets[data-offset='50']"));
    assertThat(driver.findElement(By.id("ts-z_batch_55")).isDisplayed()).isTrue();
  }

  private static List<String> rowNames() {
    return driver.findElements(By.cssSelector("#training-sets tbody th")).stream()
        .map(e -> e.getText().trim())
        .toList();
  }

  private static List<String> names(JsonNode list) {
    List<String> out = new java.util.ArrayList<>();
    list.get("training_sets").forEach(n -> out.add(n.get("name").asText()));
    return out;
  }

  @Test
  void theFeaturePageDrawsDriftOverTimeLikeTheApi() throws IOException {
    open("feature/hcp_targeting/refill_rate", By.id("drift-chart"));
    JsonNode runs =
        get("/api/v1/feature-groups/hcp_targeting/features/refill_rate/drift/history")
            .get("results");
    assertThat(runs).hasSize(6);
    List<WebElement> rows = driver.findElements(By.cssSelector("#drift-history tbody tr"));
    assertThat(rows).hasSize(runs.size());
    long drawn = 0;
    for (int i = 0; i < runs.size(); i++) {
      JsonNode run = runs.get(i);
      WebElement row = rows.get(i);
      assertThat(row.findElement(By.tagName("time")).getAttribute("datetime"))
          .isEqualTo(run.get("computed_at").asText());
      assertThat(row.findElement(By.cssSelector("td:last-child")).getText())
          .isEqualTo(run.get("status").asText().replace('_', ' '));
      shown(row, "data-psi", run.get("psi"));
      shown(row, "data-ks-p", run.get("ks_p_value"));
      drawn += run.get("psi").isNull() ? 0 : 1;
    }
    // One dot per run with a PSI, coloured by its status; the thresholds as lines.
    List<WebElement> dots = driver.findElements(By.cssSelector("#drift-chart circle"));
    assertThat(dots).hasSize((int) drawn);
    assertThat(drawn).isPositive();
    JsonNode thresholds = runs.get(0).get("thresholds");
    assertThat(text(By.id("drift-warn"))).isEqualTo("warn " + thresholds.get("psi_warn").asText());
    assertThat(text(By.id("drift-drift")))
        .isEqualTo("drift " + thresholds.get("psi_drift").asText());
    assertThat(text(By.id("drift-cap")))
        .contains("latest status " + runs.get(0).get("status").asText());
    ((JavascriptExecutor) driver)
        .executeScript("document.getElementById('drift-h').scrollIntoView()");
    screenshot("feature-drift");
  }

  /** The cell shows the API's number (6 significant digits) and carries it exactly. */
  private static void shown(WebElement row, String attribute, JsonNode value) {
    WebElement cell = row.findElement(By.cssSelector("[" + attribute + "]"));
    if (value.isNull()) {
      assertThat(cell.getText()).isEqualTo("—");
      return;
    }
    assertThat(Double.parseDouble(cell.getAttribute(attribute))).isEqualTo(value.asDouble());
    double shownValue = Double.parseDouble(cell.getText().replace(",", ""));
    assertThat(shownValue)
        .isCloseTo(value.asDouble(), org.assertj.core.data.Percentage.withPercentage(0.001));
  }

  @Test
  void theFeaturePageShowsItsValidationResultsForTheWindowPicked() throws IOException {
    open("feature/hcp_targeting/refill_rate", By.id("validation-checked"));
    checkValidation(30);
    assertThat(number(By.id("validation-violations"))).isEqualTo(3);
    ((JavascriptExecutor) driver)
        .executeScript("document.getElementById('con-h').scrollIntoView()");
    screenshot("feature-validation");
    // The last day only: the three values that break max are older.
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("validation-window")))
        .selectByValue("1");
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> d.findElement(By.id("validation-violations")).getText().equals("0"));
    checkValidation(1);
  }

  /** The numbers shown are the report's for the feature over the last {@code days} days. */
  private static void checkValidation(int days) {
    String start = Instant.now().minus(Duration.ofDays(days)).toString();
    KeyedClient.Response r =
        api.post("/api/v1/feature-groups/hcp_targeting/validate", "{\"start\": \"" + start + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode f = null;
    for (JsonNode x : r.json().get("features")) {
      f = x.get("feature_name").asText().equals("refill_rate") ? x : f;
    }
    assertThat(f).isNotNull();
    assertThat(number(By.id("validation-checked"))).isEqualTo(f.get("checked").asLong());
    assertThat(number(By.id("validation-nulls"))).isEqualTo(f.get("nulls").asLong());
    assertThat(number(By.id("validation-violations"))).isEqualTo(f.get("violations").asLong());
    assertThat(f.get("rules")).hasSize(2); // min and max
    for (JsonNode rule : f.get("rules")) {
      WebElement row =
          driver.findElement(
              By.cssSelector(
                  "#validation-rules tr[data-constraint='"
                      + rule.get("constraint").asText()
                      + "']"));
      assertThat(row.findElement(By.cssSelector("[data-violations]")).getText())
          .isEqualTo(rule.get("violations").asText());
      List<WebElement> examples = row.findElements(By.cssSelector(".examples li"));
      assertThat(examples).hasSize(rule.get("examples").size());
      for (int i = 0; i < examples.size(); i++) {
        assertThat(examples.get(i).getText())
            .isEqualTo("hcp_id=" + rule.at("/examples/" + i + "/hcp_id").asText());
      }
    }
  }

  @Test
  void onAPhoneNothingScrollsSideways() throws IOException {
    driver.manage().window().setSize(new Dimension(390, 844));
    open("feature/hcp_demographics/specialty", By.id("versions"));
    waitFor(By.id("lineage-graph"));
    Object overflow =
        ((JavascriptExecutor) driver)
            .executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assertThat(((Number) overflow).intValue()).isLessThanOrEqualTo(0);
    screenshot("phone-feature");
  }
}
