package io.e2i.featurestore.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KS statistic the store computes (SQL) and the p-value computed here against scipy's {@code
 * ks_2samp(a, b, method="asymp")} on random data, run by a real Python with scipy: {@code
 * FS_SCIPY_PYTHON}, else ~/.cache/e2i-scipy-venv (made by .ci/scipy.sh). Under CI=true a missing
 * interpreter fails the test; elsewhere it is skipped.
 */
class ScipyParityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final String SCRIPT =
      """
      import json, sys
      from scipy import stats
      out = []
      for a, b in json.load(open(sys.argv[1])):
          r = stats.ks_2samp(a, b, method="asymp")
          out.append([float(r.statistic), float(r.pvalue)])
      print(json.dumps(out))
      """;

  @TempDir Path dir;

  static Path python() {
    String env = System.getenv("FS_SCIPY_PYTHON");
    Path p =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache/e2i-scipy-venv/bin/python");
    boolean ci = "true".equals(System.getenv("CI"));
    if (!Files.isExecutable(p)) {
      if (ci) {
        throw new AssertionError("no python with scipy at " + p + "; run .ci/scipy.sh");
      }
      assumeTrue(false, "no python with scipy at " + p + " (bash .ci/scipy.sh makes one)");
    }
    return p;
  }

  /** Sizes chosen to cross scipy's branches: Durbin (small n), Pelz-Good, Smirnov's tail, ties. */
  @Test
  void ksStatisticAndAsymptoticPValueMatchScipy() throws Exception {
    Path python = python();
    int[][] cases = {
      {30, 45, 0, 0},
      {120, 90, 40, 0},
      {700, 500, 0, 0},
      {2_000, 3_000, 5, 0},
      {5_000, 4_000, 0, 1},
      {20_000, 30_000, 3, 0},
      {50_000, 40_000, 0, 0},
      {300_000, 200_000, 1, 0},
      {1_000, 1_000, 20, 1},
      {400, 600, 100, 0}
    };
    Random rnd = new Random(12);
    List<double[][]> samples = new ArrayList<>();
    for (int[] c : cases) {
      double shift = c[2] / 100.0;
      boolean ties = c[3] == 1;
      samples.add(new double[][] {draw(rnd, c[0], 0, ties), draw(rnd, c[1], shift, ties)});
    }
    List<double[]> scipy = runScipy(python, samples);
    Clock clock = Clock.fixed(T0.plusSeconds(86_400L * 100), ZoneOffset.UTC);
    try (FeatureStore store = EmbeddedStores.open(dir, clock)) {
      store.createFeatureGroup(FeatureGroup.builder("g").build());
      store.createFeature(
          FeatureSpec.builder("g", "x").valueType("float64").entityKeys("id").build());
      QualityService quality = new QualityService(store, clock);
      for (int i = 0; i < samples.size(); i++) {
        write(store, 2 * i, samples.get(i)[0]);
        write(store, 2 * i + 1, samples.get(i)[1]);
        DriftResult r = quality.drift("g", "x", DriftTest.day(2 * i), DriftTest.day(2 * i + 1));
        System.out.printf(
            "case %d (%d vs %d): ks %.12f vs scipy %.12f, p %.10g vs scipy %.10g%n",
            i, cases[i][0], cases[i][1], r.ks(), scipy.get(i)[0], r.ksPValue(), scipy.get(i)[1]);
        assertThat(r.ks()).as("case %d statistic", i).isCloseTo(scipy.get(i)[0], within(1e-9));
        assertThat(r.ksPValue()).as("case %d p-value", i).isCloseTo(scipy.get(i)[1], within(1e-6));
      }
    }
  }

  private static double[] draw(Random rnd, int n, double shift, boolean ties) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double v = rnd.nextGaussian() + shift;
      out[i] = ties ? Math.round(v * 10) / 10.0 : v;
    }
    return out;
  }

  private static void write(FeatureStore store, int day, double[] values) {
    List<FeatureWrite> batch = new ArrayList<>(values.length);
    for (int i = 0; i < values.length; i++) {
      batch.add(
          new FeatureWrite(
              "x",
              Map.of("id", "E" + i),
              values[i],
              T0.plusSeconds(day * 86_400L + i % 86_000),
              "g"));
    }
    store.writeBatchFeatures(batch);
  }

  private List<double[]> runScipy(Path python, List<double[][]> samples)
      throws IOException, InterruptedException {
    Path data = dir.resolve("samples.json");
    Path script = dir.resolve("ks.py");
    JSON.writeValue(data.toFile(), samples);
    Files.writeString(script, SCRIPT);
    Process p =
        new ProcessBuilder(python.toString(), script.toString(), data.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("python exit code, output: %s", out).isZero();
    List<double[]> results = new ArrayList<>();
    for (JsonNode pair : JSON.readTree(out)) {
      results.add(new double[] {pair.get(0).asDouble(), pair.get(1).asDouble()});
    }
    return results;
  }
}
