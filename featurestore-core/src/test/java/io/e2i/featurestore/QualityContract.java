package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.e2i.featurestore.spi.QualityQueries;
import io.e2i.featurestore.spi.QualityQueries.RuleCount;
import io.e2i.featurestore.spi.QualityQueries.ValidationCounts;
import io.e2i.featurestore.spi.QualityQueries.Window;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Data quality (issue 12) against every backend: constraints enforced on write (reject / warn, the
 * feature's mode, else the group's, else reject), and the store's in-database aggregations
 * (validation counts, KS) where the offline store has them. Each backend module extends it.
 */
public abstract class QualityContract {
  protected static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  protected FeatureStore store;

  /** A store on empty state. */
  protected abstract FeatureStore open(Clock clock);

  @BeforeEach
  void openStore() {
    store = open(Clock.fixed(T0.plusSeconds(86_400), java.time.ZoneOffset.UTC));
    store.createFeatureGroup(FeatureGroup.builder("hcp").build());
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private static Constraints rules(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return Constraints.fromMap(m);
  }

  private Feature feature(String name, String type, Constraints c, ValidationMode mode) {
    return store.createFeature(
        FeatureSpec.builder("hcp", name)
            .valueType(type)
            .entityKeys("hcp_id")
            .constraints(c)
            .validation(mode)
            .build());
  }

  private static FeatureWrite w(String feature, String hcp, Object value, Instant t) {
    return new FeatureWrite(feature, Map.of("hcp_id", hcp), value, t, "hcp");
  }

  private List<FeatureValue> history(String feature, String hcp) {
    return store.getHistoricalFeatures(
        Map.of("hcp_id", hcp), List.of("hcp:" + feature), null, null);
  }

  @Test
  void rejectNamesFeatureEntityValueAndConstraintAndWritesNothing() {
    feature("score", "float64", rules("min", 0, "max", 1), null);
    assertThatThrownBy(
            () -> store.writeFeatureValue("score", Map.of("hcp_id", "H1"), 1.5, T0, "hcp"))
        .isInstanceOfSatisfying(
            FeatureStoreException.class,
            e -> {
              assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("hcp:score", "H1", "1.5", "max (1.0)");
            });
    assertThat(history("score", "H1")).isEmpty();
  }

  @Test
  void oneBadValueRejectsTheWholeBatch() {
    feature("score", "float64", rules("min", 0, "max", 1), ValidationMode.REJECT);
    List<FeatureWrite> batch =
        List.of(
            w("score", "H1", 0.5, T0),
            w("score", "H2", 0.7, T0),
            w("score", "H3", -2.0, T0),
            w("score", "H4", 0.1, T0));
    assertThatThrownBy(() -> store.writeBatchFeatures(batch))
        .hasMessageContaining("value #3")
        .hasMessageContaining("H3")
        .hasMessageContaining("-2.0")
        .hasMessageContaining("min (0.0)")
        .hasMessageContaining("nothing was written");
    assertThat(history("score", "H1")).isEmpty();
    assertThat(history("score", "H4")).isEmpty();
  }

  @Test
  void warnWritesTheValueAndCountsItPerConstraint() {
    feature("score", "float64", rules("min", 0, "max", 1), ValidationMode.WARN);
    store.writeBatchFeatures(
        List.of(w("score", "H1", 1.5, T0), w("score", "H2", 2.5, T0), w("score", "H3", -1.0, T0)));
    assertThat(history("score", "H1"))
        .singleElement()
        .extracting(FeatureValue::value)
        .isEqualTo(1.5);
    assertThat(store.constraintWarnings())
        .containsExactly(
            new ConstraintWarning("hcp", "score", "max", 2),
            new ConstraintWarning("hcp", "score", "min", 1));
  }

  @Test
  void theFeatureModeWinsOverTheGroupsAndTheGroupsOverTheDefault() {
    store.updateFeatureGroup(FeatureGroup.builder("hcp").validation(ValidationMode.WARN).build());
    feature("lenient", "int64", rules("max", 10), null);
    feature("strict", "int64", rules("max", 10), ValidationMode.REJECT);
    store.writeFeatureValue("lenient", Map.of("hcp_id", "H1"), 11, T0, "hcp");
    assertThat(history("lenient", "H1")).hasSize(1);
    assertThatThrownBy(
            () -> store.writeFeatureValue("strict", Map.of("hcp_id", "H1"), 11, T0, "hcp"))
        .hasMessageContaining("max (10.0)");
    store.updateFeatureGroup(FeatureGroup.builder("hcp").build());
    assertThatThrownBy(
            () -> store.writeFeatureValue("lenient", Map.of("hcp_id", "H2"), 11, T0, "hcp"))
        .hasMessageContaining("max");
  }

  @Test
  void everyKindOfRule() {
    feature(
        "specialty",
        "string",
        rules(
            "nullable",
            false,
            "pattern",
            "[A-Z][a-z]+",
            "max_length",
            10,
            "allowed",
            List.of("Oncology", "Cardiology", "oncology")),
        null);
    feature("rank", "int64", rules("allowed", List.of(1, 2, 3)), null);
    feature("codes", "list<string>", rules("min_items", 1, "max_items", 2), null);
    store.writeFeatureValue("specialty", Map.of("hcp_id", "H1"), "Oncology", T0, "hcp");
    store.writeFeatureValue("rank", Map.of("hcp_id", "H1"), 2, T0, "hcp");
    store.writeFeatureValue("codes", Map.of("hcp_id", "H1"), List.of("a", "b"), T0, "hcp");
    assertRejected("specialty", null, "nullable");
    assertRejected("specialty", "oncology", "pattern ('[A-Z][a-z]+')");
    assertRejected("specialty", "Neurology", "allowed");
    assertRejected("rank", 4, "allowed ([1, 2, 3])");
    assertRejected("codes", List.of(), "min_items (1)");
    assertRejected("codes", List.of("a", "b", "c"), "max_items (2)");
  }

  @Test
  void aRuleThatCanNeverApplyToTheTypeIsRefusedNamingItAndCreatesNothing() {
    Object[][] cases = {
      {"float64", rules("max_length", 3), "max_length applies to string values"},
      {"int64", rules("pattern", "a+"), "pattern applies to string values"},
      {"string", rules("min", 0), "min applies to int64 and float64 values"},
      {"list<float64>", rules("max", 1), "max applies to int64 and float64 values"},
      {"int64", rules("min_items", 1), "min_items applies to list values"},
      {"list<string>", rules("allowed", List.of("a")), "allowed applies to single values"},
      {"int64", rules("allowed", List.of("a")), "allowed value 'a' can never be a value"},
      {"int64", rules("allowed", List.of(1.5)), "allowed value 1.5 can never be a value"},
      {"bool", rules("allowed", List.of(1)), "allowed value 1 can never be a value"},
      {"string", rules("allowed", List.of(true)), "allowed value true can never be a value"},
    };
    for (Object[] c : cases) {
      assertThatThrownBy(() -> feature("f", (String) c[0], (Constraints) c[1], null))
          .as("%s %s", c[0], c[1])
          .isInstanceOfSatisfying(
              FeatureStoreException.class,
              e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT))
          .hasMessageContaining((String) c[2])
          .hasMessageContaining("feature 'f' of type");
    }
    assertThat(store.listFeatures("hcp")).isEmpty();
    // What fits is accepted: a whole number allowed on int64, numbers on float64, a timestamp's
    // text.
    feature("n", "int64", rules("allowed", List.of(1, 2.0)), null);
    feature("x", "float64", rules("allowed", List.of(1, 2.5), "min", 0), null);
    feature("t", "timestamp", rules("allowed", List.of("2026-01-01T00:00:00Z")), null);
  }

  @Test
  void maxLengthCountsCharacters() {
    feature("name", "string", rules("max_length", 3), null);
    store.writeFeatureValue("name", Map.of("hcp_id", "H1"), "été", T0, "hcp");
    assertRejected("name", "abcd", "max_length (3)");
  }

  private void assertRejected(String feature, Object value, String constraint) {
    List<FeatureWrite> one = new ArrayList<>();
    one.add(w(feature, "HX", value, T0));
    assertThatThrownBy(() -> store.writeBatchFeatures(one))
        .as("%s = %s", feature, value)
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining(constraint);
  }

  @Test
  void changedConstraintsApplyToTheNextWriteWithoutANewVersion() {
    feature("visits", "int64", Constraints.NONE, null);
    store.writeFeatureValue("visits", Map.of("hcp_id", "H1"), 50, T0, "hcp");
    Feature updated =
        store.updateFeature(
            FeatureSpec.builder("hcp", "visits")
                .valueType("int64")
                .entityKeys("hcp_id")
                .constraints(rules("max", 10))
                .build());
    assertThat(updated.version()).isEqualTo(1);
    assertThatThrownBy(
            () -> store.writeFeatureValue("visits", Map.of("hcp_id", "H1"), 50, T0, "hcp"))
        .hasMessageContaining("max (10.0)");
  }

  // ------------------------------------------------------------- in-database aggregations

  private QualityQueries queries() {
    assumeTrue(store.qualityQueries().isPresent(), "this store has no quality queries");
    return store.qualityQueries().orElseThrow();
  }

  @Test
  void validationCountsViolationsPerConstraintInTheWindowWithExamples() {
    QualityQueries q = queries();
    Feature f =
        feature(
            "score", "float64", rules("nullable", false, "min", 0, "max", 1), ValidationMode.WARN);
    List<FeatureWrite> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(w("score", "H" + i, i < 3 ? 5.0 : 0.5, T0.plusSeconds(i)));
    }
    batch.add(w("score", "H10", -1.0, T0.plusSeconds(10)));
    List<FeatureWrite> withNull = new ArrayList<>(batch);
    withNull.add(
        new FeatureWrite("score", Map.of("hcp_id", "H11"), null, T0.plusSeconds(11), "hcp"));
    // outside the window, and a superseded value (rewritten with a good one)
    withNull.add(w("score", "H12", 9.0, T0.minusSeconds(3600)));
    withNull.add(w("score", "H13", 9.0, T0.plusSeconds(5)));
    store.writeBatchFeatures(withNull);
    store.writeFeatureValue("score", Map.of("hcp_id", "H13"), 0.2, T0.plusSeconds(5), "hcp");

    ValidationCounts counts =
        q.validate(
            new Window(f.id(), f.valueType(), T0, T0.plusSeconds(60), null), f.constraints(), 5);
    assertThat(counts.checked()).isEqualTo(13);
    assertThat(counts.nulls()).isEqualTo(1);
    Map<String, RuleCount> byRule = new LinkedHashMap<>();
    counts.rules().forEach(r -> byRule.put(r.constraint(), r));
    assertThat(byRule.keySet()).containsExactly("nullable", "min", "max");
    assertThat(byRule.get("nullable").violations()).isEqualTo(1);
    assertThat(byRule.get("min").violations()).isEqualTo(1);
    assertThat(byRule.get("max").violations()).isEqualTo(3);
    assertThat(byRule.get("max").examples())
        .containsExactlyInAnyOrder(
            "{\"hcp_id\":\"H0\"}", "{\"hcp_id\":\"H1\"}", "{\"hcp_id\":\"H2\"}");
    assertThat(byRule.get("min").examples()).containsExactly("{\"hcp_id\":\"H10\"}");
  }

  @Test
  void validationOfStringAndListRules() {
    QualityQueries q = queries();
    Feature s =
        feature(
            "specialty",
            "string",
            rules("pattern", "[A-Z][a-z]+", "max_length", 8, "allowed", List.of("Oncology", "x'y")),
            ValidationMode.WARN);
    Feature l =
        feature("codes", "list<int64>", rules("min_items", 1, "max_items", 2), ValidationMode.WARN);
    store.writeBatchFeatures(
        List.of(
            w("specialty", "H1", "Oncology", T0),
            w("specialty", "H2", "cardiology", T0),
            w("specialty", "H3", "Neurologyyy", T0),
            w("specialty", "H4", "x'y", T0),
            w("codes", "H1", List.of(), T0),
            w("codes", "H2", List.of(1, 2, 3), T0),
            w("codes", "H3", List.of(1), T0)));
    Map<String, Long> sv =
        violations(
            q.validate(new Window(s.id(), s.valueType(), null, null, null), s.constraints(), 2));
    assertThat(sv)
        .containsExactly(
            Map.entry("allowed", 2L), Map.entry("pattern", 2L), Map.entry("max_length", 2L));
    Map<String, Long> lv =
        violations(
            q.validate(new Window(l.id(), l.valueType(), null, null, null), l.constraints(), 2));
    assertThat(lv).containsExactly(Map.entry("min_items", 1L), Map.entry("max_items", 1L));
  }

  /**
   * A store may remember that a feature had no rewritten (entity, event time) when it last looked;
   * values written or rewritten after that must still count as the store's current values.
   */
  @Test
  void valuesWrittenOrRewrittenAfterAnEarlierCheckCount() {
    QualityQueries q = queries();
    Feature f = feature("score", "float64", rules("max", 1), ValidationMode.WARN);
    Window all = new Window(f.id(), f.valueType(), null, null, null);
    store.writeBatchFeatures(List.of(w("score", "H1", 5.0, T0), w("score", "H2", 0.5, T0)));
    assertThat(violations(q.validate(all, f.constraints(), 2))).containsEntry("max", 1L);
    store.writeBatchFeatures(List.of(w("score", "H3", 7.0, T0.plusSeconds(1))));
    ValidationCounts added = q.validate(all, f.constraints(), 2);
    assertThat(added.checked()).isEqualTo(3);
    assertThat(violations(added)).containsEntry("max", 2L);
    store.writeBatchFeatures(
        List.of(w("score", "H1", 0.5, T0), w("score", "H3", 0.7, T0.plusSeconds(1))));
    ValidationCounts rewritten = q.validate(all, f.constraints(), 2);
    assertThat(rewritten.checked()).isEqualTo(3);
    assertThat(violations(rewritten)).containsEntry("max", 0L);
    QualityQueries.KsResult ks = q.ks(all, all);
    assertThat(ks.n1()).isEqualTo(3);
    assertThat(ks.statistic()).isZero();
  }

  /** A group's features checked together: each feature's rules see only its own values. */
  @Test
  void validationOfSeveralFeaturesAtOnceKeepsTheirValuesApart() {
    QualityQueries q = queries();
    Feature n = feature("score", "float64", rules("min", 0, "max", 1), ValidationMode.WARN);
    Feature s =
        feature("specialty", "string", rules("pattern", "[A-Z][a-z]+"), ValidationMode.WARN);
    store.writeBatchFeatures(
        List.of(
            w("score", "H1", 0.5, T0),
            w("score", "H2", 3.0, T0),
            w("specialty", "H1", "Oncology", T0),
            w("specialty", "H2", "x", T0),
            w("specialty", "H3", "y", T0)));
    List<ValidationCounts> counts =
        q.validate(
            List.of(
                new QualityQueries.Check(
                    new Window(s.id(), s.valueType(), null, null, null), s.constraints()),
                new QualityQueries.Check(
                    new Window(n.id(), n.valueType(), null, null, null), n.constraints())),
            5);
    assertThat(counts.get(0).checked()).isEqualTo(3);
    assertThat(violations(counts.get(0))).containsExactly(Map.entry("pattern", 2L));
    assertThat(counts.get(0).rules().getFirst().examples())
        .containsExactly("{\"hcp_id\":\"H2\"}", "{\"hcp_id\":\"H3\"}");
    assertThat(counts.get(1).checked()).isEqualTo(2);
    assertThat(violations(counts.get(1)))
        .containsExactly(Map.entry("min", 0L), Map.entry("max", 1L));
    assertThat(counts.get(1).rules().get(1).examples()).containsExactly("{\"hcp_id\":\"H2\"}");
  }

  private static Map<String, Long> violations(ValidationCounts counts) {
    Map<String, Long> m = new LinkedHashMap<>();
    counts.rules().forEach(r -> m.put(r.constraint(), r.violations()));
    return m;
  }

  @Test
  void ksStatisticIsTheLargestGapBetweenTheEmpiricalDistributions() {
    QualityQueries q = queries();
    Feature f = feature("x", "float64", Constraints.NONE, null);
    Random rnd = new Random(7);
    double[] a = new double[300];
    double[] b = new double[200];
    List<FeatureWrite> batch = new ArrayList<>();
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.round(rnd.nextGaussian() * 20) / 10.0; // ties on purpose
      batch.add(w("x", "A" + i, a[i], T0));
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = Math.round((rnd.nextGaussian() + 0.3) * 20) / 10.0;
      batch.add(w("x", "B" + i, b[i], T0.plusSeconds(3600)));
    }
    store.writeBatchFeatures(batch);
    QualityQueries.KsResult ks =
        q.ks(
            new Window(f.id(), f.valueType(), T0, T0, null),
            new Window(f.id(), f.valueType(), T0.plusSeconds(1), null, null));
    assertThat(ks.n1()).isEqualTo(300);
    assertThat(ks.n2()).isEqualTo(200);
    assertThat(ks.statistic()).isEqualTo(bruteForceKs(a, b));
  }

  /**
   * A drift's quantiles (linear interpolation between order statistics, numpy's default), the
   * counts of the bins they bound and KS equal a sort's on skewed data with ties: most values crowd
   * a few of the store's equal buckets of the range while a heavy tail stretches the range.
   */
  @Test
  void driftQuantilesBinsAndKsEqualASortsOnSkewedDataWithTies() {
    QualityQueries q = queries();
    Feature f = feature("x", "float64", Constraints.NONE, null);
    Random rnd = new Random(11);
    double[] a = new double[6000];
    double[] b = new double[4000];
    List<FeatureWrite> batch = new ArrayList<>();
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.round(Math.exp(rnd.nextGaussian() * 2) * 100) / 100.0;
      batch.add(w("x", "A" + i, a[i], T0));
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = Math.round(Math.exp(rnd.nextGaussian() * 2 + 0.2) * 100) / 100.0;
      batch.add(w("x", "B" + i, b[i], T0.plusSeconds(3600)));
    }
    store.writeBatchFeatures(batch);
    List<Double> ps = List.of(0.0, 0.1, 0.25, 0.37, 0.5, 0.9, 0.999, 1.0);
    double[] sorted = a.clone();
    Arrays.sort(sorted);
    List<Double> expected = new ArrayList<>();
    for (double p : ps) {
      double h = (sorted.length - 1) * p;
      int lo = (int) Math.floor(h);
      int hi = (int) Math.ceil(h);
      expected.add(lo == hi ? sorted[lo] : sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo));
    }
    double[] edges =
        expected.stream().distinct().sorted().mapToDouble(Double::doubleValue).toArray();
    q.compare(
        new Window(f.id(), f.valueType(), T0, T0, null),
        new Window(f.id(), f.valueType(), T0.plusSeconds(1), null, null),
        c -> {
          QualityQueries.Summary[] s = c.summaries(ps);
          assertThat(s[0].count()).isEqualTo(a.length);
          assertThat(s[1].count()).isEqualTo(b.length);
          assertThat(s[0].quantiles()).isEqualTo(expected);
          long[][] bins = c.bins(edges);
          assertThat(bins[0]).isEqualTo(binCounts(a, edges));
          assertThat(bins[1]).isEqualTo(binCounts(b, edges));
          assertThat(c.ks().statistic()).isEqualTo(bruteForceKs(a, b));
          return null;
        });
  }

  /**
   * Window bounds are inclusive: a value at the instant where the reference ends and the current
   * window starts belongs to both sides (a store that reads both windows in one pass must see that
   * they overlap), and windows one microsecond apart share nothing.
   */
  @Test
  void driftWindowsSharingAnInstantCountItsValueOnBothSides() {
    QualityQueries q = queries();
    Feature f = feature("x", "float64", Constraints.NONE, null);
    Instant t1 = T0.plusSeconds(10);
    store.writeBatchFeatures(
        List.of(
            w("x", "A", 1.0, T0),
            w("x", "B", 2.0, T0),
            w("x", "C", 3.0, t1),
            w("x", "D", 4.0, T0.plusSeconds(20))));
    long[] shared =
        q.compare(
            new Window(f.id(), f.valueType(), T0, t1, null),
            new Window(f.id(), f.valueType(), t1, null, null),
            c -> {
              QualityQueries.Summary[] s = c.summaries(List.of(0.5));
              return new long[] {s[0].count(), s[1].count()};
            });
    assertThat(shared).containsExactly(3, 2);
    long[] apart =
        q.compare(
            new Window(f.id(), f.valueType(), T0, t1.minusNanos(1_000), null),
            new Window(f.id(), f.valueType(), t1, null, null),
            c -> {
              QualityQueries.Summary[] s = c.summaries(List.of(0.5));
              assertThat(s[1].mean()).isEqualTo(3.5);
              return new long[] {s[0].count(), s[1].count()};
            });
    assertThat(apart).containsExactly(2, 2);
  }

  /** One value on both sides: quantiles are that value, one bin holds everything, KS is 0. */
  @Test
  void driftOfAConstantFeature() {
    QualityQueries q = queries();
    Feature f = feature("x", "float64", Constraints.NONE, null);
    store.writeBatchFeatures(
        List.of(
            w("x", "A", 3.0, T0), w("x", "B", 3.0, T0), w("x", "C", 3.0, T0.plusSeconds(3600))));
    q.compare(
        new Window(f.id(), f.valueType(), T0, T0, null),
        new Window(f.id(), f.valueType(), T0.plusSeconds(1), null, null),
        c -> {
          assertThat(c.summaries(List.of(0.1, 0.9))[0].quantiles()).containsExactly(3.0, 3.0);
          assertThat(c.bins(new double[] {3.0})).isEqualTo(new long[][] {{2, 0}, {1, 0}});
          assertThat(c.ks().statistic()).isZero();
          return null;
        });
  }

  /** Counts of x <= edges[0], edges[i-1] < x <= edges[i], x > edges[last]. */
  private static long[] binCounts(double[] values, double[] edges) {
    long[] out = new long[edges.length + 1];
    for (double v : values) {
      int i = 0;
      while (i < edges.length && v > edges[i]) {
        i++;
      }
      out[i]++;
    }
    return out;
  }

  /** scipy's ks_2samp statistic: searchsorted counts over the union, divided in double. */
  static double bruteForceKs(double[] a, double[] b) {
    double[] x = a.clone();
    double[] y = b.clone();
    Arrays.sort(x);
    Arrays.sort(y);
    double d = 0;
    for (double v : concat(x, y)) {
      double f1 = (double) upper(x, v) / x.length;
      double f2 = (double) upper(y, v) / y.length;
      d = Math.max(d, Math.abs(f1 - f2));
    }
    return d;
  }

  private static int upper(double[] sorted, double v) {
    int n = 0;
    while (n < sorted.length && sorted[n] <= v) {
      n++;
    }
    return n;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
