package io.e2i.featurestore.quality;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureRef;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.ValidationMode;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.QualityQueries;
import io.e2i.featurestore.spi.QualityQueries.Comparison;
import io.e2i.featurestore.spi.QualityQueries.Summary;
import io.e2i.featurestore.spi.QualityQueries.Window;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Validation reports and drift over a store's values, aggregated by its offline store ({@link
 * QualityQueries}): only counts, quantiles and sums reach the JVM.
 */
public final class QualityService {
  /** Entities listed per broken constraint in a validation report. */
  public static final int EXAMPLES = 5;

  /** Categories of a non-numeric feature that get their own bin; the rest share "other". */
  static final int CATEGORIES = 20;

  private static final List<Double> DECILES = List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);

  private final FeatureStore store;
  private final Clock clock;

  public QualityService(FeatureStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  private QualityQueries queries() {
    return store
        .qualityQueries()
        .orElseThrow(
            () ->
                new FeatureStoreException(
                    FeatureStoreException.Code.INVALID_ARGUMENT,
                    "this offline store does not compute validation reports or drift"));
  }

  private FeatureGroup group(String name) {
    return store
        .getFeatureGroup(name)
        .orElseThrow(
            () -> FeatureStoreException.notFound("feature group '" + name + "' not found"));
  }

  /** Checks the stored values of every feature of the group (latest versions) in [start, end]. */
  public ValidationReport validate(
      String groupName, @Nullable Instant start, @Nullable Instant end) {
    checkWindow(start, end, "start", "end");
    FeatureGroup group = group(groupName);
    List<Feature> latest = store.listFeatures(groupName);
    List<QualityQueries.ValidationCounts> all =
        queries()
            .validate(
                latest.stream()
                    .map(
                        f ->
                            new QualityQueries.Check(
                                new Window(f.id(), f.valueType(), start, end, null),
                                f.constraints()))
                    .toList(),
                EXAMPLES);
    List<ValidationReport.FeatureReport> features = new ArrayList<>();
    for (int i = 0; i < latest.size(); i++) {
      Feature f = latest.get(i);
      var counts = all.get(i);
      List<ValidationReport.RuleReport> rules =
          counts.rules().stream()
              .map(
                  r ->
                      new ValidationReport.RuleReport(r.constraint(), r.violations(), r.examples()))
              .toList();
      ValidationMode mode = f.validation() != null ? f.validation() : group.effectiveValidation();
      features.add(
          new ValidationReport.FeatureReport(
              f.name(),
              f.version(),
              f.valueType().wireName(),
              mode,
              f.constraints(),
              counts.checked(),
              counts.nulls(),
              rules));
    }
    return new ValidationReport(groupName, start, end, features, clock.instant());
  }

  /** Compares the feature's current window with its reference. */
  public DriftResult drift(
      String groupName, String featureName, DriftWindow reference, DriftWindow current) {
    FeatureGroup group = group(groupName);
    Feature latest =
        store
            .getFeature(groupName, featureName)
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature '" + groupName + ":" + featureName + "' not found"));
    Resolved ref = resolve(group, latest, reference, "reference");
    Resolved cur = resolve(group, latest, current, "current");
    boolean numeric = latest.valueType().isNumeric() && !latest.valueType().isList();
    return queries()
        .compare(
            ref.window(),
            cur.window(),
            q -> drift(q, groupName, featureName, latest, numeric, ref, cur));
  }

  private DriftResult drift(
      Comparison q,
      String groupName,
      String featureName,
      Feature latest,
      boolean numeric,
      Resolved ref,
      Resolved cur) {
    Summary[] summaries = q.summaries(numeric ? DECILES : List.of());
    Summary rs = summaries[0];
    Summary cs = summaries[1];
    long refValues = rs.count() - rs.nulls();
    long curValues = cs.count() - cs.nulls();
    boolean both = refValues > 0 && curValues > 0;
    List<DriftResult.Bin> bins = new ArrayList<>();
    Double ks = null;
    Double ksP = null;
    Double psi = null;
    Double js = null;
    if (both) {
      long[][] counts = numeric ? numericBins(q, rs, bins) : categoryBins(q, bins);
      psi = DriftMath.psi(counts[0], counts[1]);
      js = DriftMath.jsDistance(counts[0], counts[1]);
      if (numeric) {
        QualityQueries.KsResult r = q.ks();
        ks = r.statistic();
        ksP = KolmogorovSmirnov.pValue(r.statistic(), r.n1(), r.n2());
      }
    }
    return new DriftResult(
        groupName,
        featureName,
        ref.side(rs),
        cur.side(cs),
        psi,
        ks,
        ksP,
        js,
        meanShift(rs, cs),
        stddevShift(rs, cs),
        bins,
        DriftMath.status(psi, latest.effectiveDriftThresholds()),
        latest.effectiveDriftThresholds(),
        clock.instant());
  }

  private static long[][] numericBins(Comparison q, Summary rs, List<DriftResult.Bin> bins) {
    double[] edges =
        new TreeSet<>(rs.quantiles()).stream().mapToDouble(Double::doubleValue).toArray();
    long[][] counts = q.bins(edges);
    long[] r = counts[0];
    long[] c = counts[1];
    for (int i = 0; i <= edges.length; i++) {
      String label =
          edges.length == 0
              ? "all"
              : i == 0
                  ? "<= " + edges[0]
                  : i == edges.length
                      ? "> " + edges[i - 1]
                      : "(" + edges[i - 1] + ", " + edges[i] + "]";
      bins.add(new DriftResult.Bin(label, r[i], c[i]));
    }
    return counts;
  }

  private static long[][] categoryBins(Comparison q, List<DriftResult.Bin> bins) {
    List<String> categories = List.copyOf(q.topValues(CATEGORIES).keySet());
    long[][] counts = q.valueCounts(categories);
    for (int i = 0; i <= categories.size(); i++) {
      bins.add(
          new DriftResult.Bin(
              i == categories.size() ? "other" : categories.get(i), counts[0][i], counts[1][i]));
    }
    return counts;
  }

  private static @Nullable Double meanShift(Summary r, Summary c) {
    if (r.mean() == null || c.mean() == null || r.stddev() == null || r.stddev() == 0) {
      return null;
    }
    return (c.mean() - r.mean()) / r.stddev();
  }

  private static @Nullable Double stddevShift(Summary r, Summary c) {
    if (r.stddev() == null || c.stddev() == null || r.stddev() == 0) {
      return null;
    }
    return c.stddev() / r.stddev() - 1;
  }

  /** A side resolved to a feature version and a window of its values. */
  private record Resolved(Window window, int version, @Nullable String trainingSet) {
    DriftResult.Side side(Summary s) {
      return new DriftResult.Side(
          version,
          window.start(),
          window.end(),
          window.writtenAsOf(),
          trainingSet,
          s.count(),
          s.nulls(),
          s.mean(),
          s.stddev());
    }
  }

  private Resolved resolve(FeatureGroup group, Feature latest, DriftWindow side, String what) {
    return switch (side) {
      case DriftWindow.Range r -> {
        checkWindow(r.start(), r.end(), what + ".start", what + ".end");
        yield new Resolved(
            new Window(latest.id(), latest.valueType(), r.start(), r.end(), null),
            latest.version(),
            null);
      }
      case DriftWindow.TrainingSet t -> trainingSet(group, latest, t.name(), what);
    };
  }

  private Resolved trainingSet(FeatureGroup group, Feature latest, String name, String what) {
    TrainingSetDefinition set =
        store
            .trainingSet(name)
            .orElseThrow(
                // A 400, not a 404: the URL's feature exists; the body names a set that does not.
                () ->
                    FeatureStoreException.invalid(
                        what + ": training set '" + name + "' not found"));
    Integer version = null;
    for (String text : set.featureRefs()) {
      FeatureRef ref = FeatureRef.parse(text);
      if (group.name().equals(ref.featureGroup()) && latest.name().equals(ref.name())) {
        version = ref.version();
      }
    }
    if (version == null) {
      throw FeatureStoreException.invalid(
          what
              + ": training set '"
              + name
              + "' does not use feature '"
              + group.name()
              + ":"
              + latest.name()
              + "' (it uses "
              + set.featureRefs()
              + ")");
    }
    int v = version;
    Feature pinned =
        store
            .getFeature(group.name(), latest.name(), v)
            .orElseThrow(
                () -> FeatureStoreException.notFound(what + ": version " + v + " is gone"));
    Instant[] range = spineRange(set.spine());
    Instant start = range == null ? null : range[0];
    if (start != null && group.maxAgeHours() != null) {
      start = start.minus(Duration.ofHours(group.maxAgeHours()));
    }
    Instant end = range == null ? set.asOf() : range[1];
    return new Resolved(
        new Window(pinned.id(), pinned.valueType(), start, end, set.asOf()), v, name);
  }

  /** Earliest and latest spine timestamps of an in-memory spine, or null for a SQL/file spine. */
  private static Instant @Nullable [] spineRange(PitQuery.Spine spine) {
    if (!(spine instanceof PitQuery.Spine.Rows rows)) {
      return null;
    }
    int col = rows.columns().indexOf(rows.timestampColumn());
    Instant min = null;
    Instant max = null;
    for (Object[] row : rows.rows()) {
      Object v = col < 0 ? null : row[col];
      Instant t = v instanceof Instant i ? i : v instanceof String s ? parse(s) : null;
      if (t == null) {
        continue;
      }
      min = min == null || t.isBefore(min) ? t : min;
      max = max == null || t.isAfter(max) ? t : max;
    }
    return min == null || max == null ? null : new Instant[] {min, max};
  }

  private static @Nullable Instant parse(String s) {
    try {
      return (Instant) ValueType.TIMESTAMP.normalize(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A window given by the caller: its bounds in years 0000 to 9999 (as over HTTP), in order. */
  private static void checkWindow(
      @Nullable Instant start, @Nullable Instant end, String startName, String endName) {
    ValueType.checkTimeArgument(startName, start);
    ValueType.checkTimeArgument(endName, end);
    if (start != null && end != null && start.isAfter(end)) {
      throw FeatureStoreException.invalid(
          startName + " (" + start + ") is after " + endName + " (" + end + ")");
    }
  }
}
