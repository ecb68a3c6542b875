package io.e2i.featurestore;

import io.e2i.featurestore.spi.CachedFeatures;
import io.e2i.featurestore.spi.OnDemandEvaluator;
import io.e2i.featurestore.spi.PitQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * On-demand features: values computed at read time by an {@link OnDemandEvaluator} from other
 * (stored) features of the same group and entity and from request values. Expressions are checked
 * when a feature is defined (a 400 there, never at read); online reads fetch the inputs with the
 * requested features and add the computed values; training data joins the inputs point-in-time and
 * computes each row's value from them (request values: the spine's columns). A missing input or a
 * failing evaluation leaves the value absent, like a feature without a stored value.
 */
final class OnDemandPath {
  private final RegistryHolder holder;
  private final @Nullable OnDemandEvaluator evaluator;
  private final StoreClock clock;
  private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();

  /** An expression compiled against the input types it was checked with. */
  private record Compiled(Map<String, ValueType> types, OnDemandEvaluator.Expression expression) {}

  OnDemandPath(RegistryHolder holder, @Nullable OnDemandEvaluator evaluator, StoreClock clock) {
    this.holder = holder;
    this.evaluator = evaluator;
    this.clock = clock;
  }

  /** The evaluator on the class path (featurestore-pipelines: CEL), or null. */
  static @Nullable OnDemandEvaluator discover() {
    return ServiceLoader.load(OnDemandEvaluator.class).findFirst().orElse(null);
  }

  // ---------------------------------------------------------------- definition

  /** Checks an on-demand feature's expression before it is stored. */
  void check(FeatureSpec spec) {
    String expression = spec.expression();
    if (expression == null) {
      return;
    }
    RegistrySnapshot.GroupView view = holder.group(spec.featureGroup());
    Map<String, ValueType> inputs = new TreeMap<>();
    for (Feature f : view.latestFeatures()) {
      if (!f.onDemand() && !f.name().equals(spec.name()) && f.entityKeys().equals(keys(spec))) {
        inputs.put(f.name(), f.valueType());
      }
    }
    evaluator(spec.featureGroup() + ":" + spec.name())
        .compile(spec.featureGroup() + ":" + spec.name(), expression, inputs, spec.valueType());
  }

  private static List<String> keys(FeatureSpec spec) {
    return spec.entityKeys().stream().sorted().toList();
  }

  private OnDemandEvaluator evaluator(String feature) {
    if (evaluator == null) {
      throw FeatureStoreException.invalid(
          "feature '"
              + feature
              + "' has an expression, but no on-demand evaluator is on the class path"
              + " (featurestore-pipelines)");
    }
    return evaluator;
  }

  /** The compiled expression of an on-demand feature against the group's current input types. */
  private @Nullable Compiled expression(Feature f, RegistrySnapshot.GroupView view) {
    if (evaluator == null) {
      return null;
    }
    Map<String, ValueType> types = new TreeMap<>();
    for (Feature input : view.latestFeatures()) {
      if (!input.onDemand() && input.entityKeys().equals(f.entityKeys())) {
        types.put(input.name(), input.valueType());
      }
    }
    String key = f.id().toString();
    Compiled c = compiled.get(key);
    if (c != null && c.types().equals(types)) {
      return c;
    }
    try {
      c =
          new Compiled(
              types,
              evaluator.compile(
                  f.reference(), Objects.requireNonNull(f.expression()), types, f.valueType()));
    } catch (FeatureStoreException e) {
      // An input changed type since the definition was checked: no value until it is fixed.
      return null;
    }
    compiled.put(key, c);
    return c;
  }

  // ---------------------------------------------------------------- online reads

  /**
   * An on-demand feature ready to compute, with where each input was found in the last cached row
   * (a hint: rows of one feature list put a name at the same place; a stale hint costs a scan, and
   * a racy write of an int is harmless).
   */
  private static final class Planned {
    final Feature feature;
    final OnDemandEvaluator.Expression expression;
    final int[] hints;

    Planned(Feature feature, OnDemandEvaluator.Expression expression) {
      this.feature = feature;
      this.expression = expression;
      this.hints = new int[expression.inputs().size()];
    }
  }

  /** A group's on-demand features compiled (in name order), for one registry snapshot of it. */
  private record GroupPlan(
      RegistrySnapshot.GroupView view, Map<Feature, Planned> byFeature, List<Planned> all) {}

  private final Map<String, GroupPlan> plans = new ConcurrentHashMap<>();

  /** The group's on-demand features, compiled once per registry snapshot (reads stay cheap). */
  private GroupPlan plan(RegistrySnapshot.GroupView view) {
    GroupPlan p = plans.get(view.group().name());
    if (p != null && p.view() == view) {
      return p;
    }
    Map<Feature, Planned> all = new LinkedHashMap<>();
    for (Feature f : onDemandOf(view, List.of())) {
      Compiled c = expression(f, view);
      if (c != null) {
        all.put(f, new Planned(f, c.expression()));
      }
    }
    p = new GroupPlan(view, Collections.unmodifiableMap(all), List.copyOf(all.values()));
    plans.put(view.group().name(), p);
    return p;
  }

  /**
   * Reads with {@code reads}, adding the group's requested on-demand features. They compute from
   * the read's cached row, and the answer is built once with the computed values in place.
   */
  EntityFeatures read(OnlineRequest request, ReadPath reads) {
    RegistrySnapshot.GroupView view = holder.group(request.featureGroup());
    GroupPlan plan = plan(view);
    if (plan.byFeature().isEmpty()) {
      return reads.getEntityFeatures(request);
    }
    if (request.featureNames().isEmpty()) {
      // Every latest feature: unique names in name order, like the plan's.
      return answer(reads.row(request), plan.all(), Set.of(), request.requestValues(), true);
    }
    List<Feature> onDemand = onDemandOf(view, request.featureNames());
    if (onDemand.isEmpty()) {
      return reads.getEntityFeatures(request);
    }
    List<Planned> planned = new ArrayList<>();
    for (Feature f : onDemand) {
      Planned p = plan.byFeature().get(f);
      if (p == null) {
        Compiled c = expression(f, view); // an older version, asked for by number
        p = c == null ? null : new Planned(f, c.expression());
      }
      if (p != null) {
        planned.add(p);
      }
    }
    Set<String> names = new LinkedHashSet<>();
    Set<String> onDemandNames = new LinkedHashSet<>();
    onDemand.forEach(f -> onDemandNames.add(f.name()));
    for (String n : request.featureNames()) {
      if (!onDemandNames.contains(FeatureRef.parse(n).name())) {
        names.add(n);
      }
    }
    Set<String> requested = new LinkedHashSet<>(names);
    planned.forEach(p -> names.addAll(p.expression.inputs()));
    Set<String> hidden = new LinkedHashSet<>(names);
    hidden.removeAll(requested);
    ReadPath.Row row =
        names.isEmpty()
            ? new ReadPath.Row(
                EntityKey.of(request.entityValues()),
                view.group(),
                new CachedFeatures(List.of()),
                clock.now())
            : reads.row(request.withFeatureNames(List.copyOf(names)));
    return answer(row, planned, hidden, request.requestValues(), false);
  }

  /** The on-demand features a request asks for: all of the group's, or those named. */
  private static List<Feature> onDemandOf(RegistrySnapshot.GroupView view, List<String> names) {
    List<Feature> out = new ArrayList<>();
    if (names.isEmpty()) {
      for (Feature f : view.latestFeatures()) {
        if (f.onDemand()) {
          out.add(f);
        }
      }
      return out;
    }
    for (String n : names) {
      FeatureRef ref = FeatureRef.parse(n);
      Feature f =
          ref.version() == null
              ? view.latest(ref.name()).orElse(null)
              : view.version(ref.name(), ref.version()).orElse(null);
      if (f != null && f.onDemand()) {
        out.add(f);
      }
    }
    return out;
  }

  /**
   * The answer: the row's stored values (less {@code hidden}, the inputs read only to compute) and
   * the computed ones, in name order. A computed value replaces a stored one of the same name; a
   * value that cannot be computed leaves the name as stored (usually absent).
   */
  private EntityFeatures answer(
      ReadPath.Row row,
      List<Planned> planned,
      Set<String> hidden,
      Map<String, ?> request,
      boolean uniqueNames) {
    int n = planned.size();
    @Nullable Object[] computed = new Object[n];
    @Nullable FeatureMetadata[] computedMetadata = new FeatureMetadata[n];
    for (int k = 0; k < n; k++) {
      compute(row, planned.get(k), request, uniqueNames, computed, computedMetadata, k);
    }
    List<CachedFeatures.Entry> entries = row.cached().entries();
    if (!hidden.isEmpty() || !inNameOrder(entries) || !inNameOrder(planned)) {
      return byName(row, planned, hidden, computed, computedMetadata);
    }
    FeatureGroup group = row.group();
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, FeatureMetadata> metadata = new LinkedHashMap<>();
    int k = 0;
    for (CachedFeatures.Entry e : entries) {
      String name = e.featureName();
      for (; k < n && planned.get(k).feature.name().compareTo(name) < 0; k++) {
        putComputed(values, metadata, planned.get(k), computed[k], computedMetadata[k]);
      }
      if (k < n && planned.get(k).feature.name().equals(name) && computed[k] != null) {
        putComputed(values, metadata, planned.get(k), computed[k], computedMetadata[k]);
      } else {
        values.put(name, e.value());
        metadata.put(
            name,
            new FeatureMetadata(
                group.name(),
                e.version(),
                e.eventTimestamp(),
                group.freshnessAt(e.eventTimestamp(), row.at())));
      }
      if (k < n && planned.get(k).feature.name().equals(name)) {
        k++;
      }
    }
    for (; k < n; k++) {
      putComputed(values, metadata, planned.get(k), computed[k], computedMetadata[k]);
    }
    return new EntityFeatures(row.entity(), values, metadata);
  }

  private static void putComputed(
      Map<String, Object> values,
      Map<String, FeatureMetadata> metadata,
      Planned p,
      @Nullable Object value,
      @Nullable FeatureMetadata m) {
    if (value != null && m != null) {
      values.put(p.feature.name(), value);
      metadata.put(p.feature.name(), m);
    }
  }

  /** The general case (hidden inputs, repeated names): sorted maps, a computed value last wins. */
  private static EntityFeatures byName(
      ReadPath.Row row,
      List<Planned> planned,
      Set<String> hidden,
      @Nullable Object[] computed,
      @Nullable FeatureMetadata[] computedMetadata) {
    EntityFeatures base = row.toEntityFeatures();
    Map<String, Object> values = new TreeMap<>(base.features());
    Map<String, FeatureMetadata> metadata = new TreeMap<>(base.metadata());
    for (int k = 0; k < planned.size(); k++) {
      putComputed(values, metadata, planned.get(k), computed[k], computedMetadata[k]);
    }
    for (String h : hidden) {
      values.remove(h);
      metadata.remove(h);
    }
    return new EntityFeatures(base.entity(), values, metadata);
  }

  private static boolean inNameOrder(List<CachedFeatures.Entry> entries) {
    for (int i = 1; i < entries.size(); i++) {
      if (entries.get(i - 1).featureName().compareTo(entries.get(i).featureName()) >= 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean inNameOrder(Iterable<Planned> planned) {
    String previous = null;
    for (Planned p : planned) {
      String name = p.feature.name();
      if (previous != null && previous.compareTo(name) >= 0) {
        return false;
      }
      previous = name;
    }
    return true;
  }

  /**
   * Computes one on-demand feature from the row into {@code values[k]} and {@code metadata[k]}
   * (null when an input has no value or the expression fails): its event time is the newest
   * input's, its freshness the worst input's.
   */
  private void compute(
      ReadPath.Row row,
      Planned p,
      Map<String, ?> request,
      boolean uniqueNames,
      @Nullable Object[] values,
      @Nullable FeatureMetadata[] metadata,
      int k) {
    List<String> inputs = p.expression.inputs();
    List<CachedFeatures.Entry> entries = row.cached().entries();
    Object[] args = new Object[inputs.size()];
    Instant newest = null;
    FreshnessStatus worst = FreshnessStatus.FRESH;
    for (int i = 0; i < args.length; i++) {
      CachedFeatures.Entry e = find(entries, inputs.get(i), p.hints, i, uniqueNames);
      Object v = e == null ? null : e.value();
      if (e == null || v == null) {
        return;
      }
      args[i] = v;
      Instant ts = e.eventTimestamp();
      newest = newest == null || ts.isAfter(newest) ? ts : newest;
      FreshnessStatus status = row.group().freshnessAt(ts, row.at());
      worst = status.ordinal() > worst.ordinal() ? status : worst;
    }
    Object value = p.expression.evaluate(args, request);
    if (value != null) {
      Feature f = p.feature;
      values[k] = value;
      metadata[k] =
          new FeatureMetadata(
              f.featureGroup(), f.version(), newest == null ? clock.now() : newest, worst);
    }
  }

  /**
   * The row's entry of {@code name}; the last one when a name repeats (two versions read), as a map
   * of the row would keep. With unique names the hint is tried first.
   */
  private static CachedFeatures.@Nullable Entry find(
      List<CachedFeatures.Entry> entries, String name, int[] hints, int slot, boolean uniqueNames) {
    int hint = hints[slot];
    if (uniqueNames && hint < entries.size() && entries.get(hint).featureName().equals(name)) {
      return entries.get(hint);
    }
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (entries.get(i).featureName().equals(name)) {
        hints[slot] = i;
        return entries.get(i);
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- training data

  /** What a training-data join runs: the stored columns, and the sink that adds computed ones. */
  record Join(List<PitQuery.PitFeature> columns, PitQuery.RowSink sink) {}

  /**
   * Replaces the on-demand columns of a join by their inputs (joined point-in-time as hidden
   * columns), and wraps the sink so each row gets its computed values in the requested order.
   */
  Join forTraining(List<Feature> features, List<PitQuery.PitFeature> named, PitQuery.RowSink sink) {
    if (features.stream().noneMatch(Feature::onDemand)) {
      return new Join(named, sink);
    }
    List<PitQuery.PitFeature> joined = new ArrayList<>();
    Map<String, Integer> storedColumn = new HashMap<>(); // group:name -> index among joined
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      if (!f.onDemand()) {
        storedColumn.put(f.featureGroup() + ":" + f.name(), joined.size());
        joined.add(named.get(i));
      }
    }
    List<Slot> slots = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      if (!f.onDemand()) {
        int column = Objects.requireNonNull(storedColumn.get(f.featureGroup() + ":" + f.name()));
        slots.add(new Slot(column, null, null));
        continue;
      }
      RegistrySnapshot.GroupView view = holder.group(f.featureGroup());
      Compiled c = expression(f, view);
      if (c == null) {
        slots.add(new Slot(-1, null, null));
        continue;
      }
      List<String> inputs = List.copyOf(c.expression().inputs());
      int[] at = new int[inputs.size()];
      for (int k = 0; k < inputs.size(); k++) {
        String key = f.featureGroup() + ":" + inputs.get(k);
        Integer idx = storedColumn.get(key);
        if (idx == null) {
          Feature input = view.latest(inputs.get(k)).orElseThrow();
          idx = joined.size();
          storedColumn.put(key, idx);
          joined.add(
              new PitQuery.PitFeature(
                  input.id(),
                  "__on_demand_input_" + idx,
                  input.valueType(),
                  input.entityKeys(),
                  view.group().maxAge()));
        }
        at[k] = idx;
      }
      slots.add(new Slot(-1, c.expression(), new Inputs(inputs, at)));
    }
    List<String> outputNames = named.stream().map(PitQuery.PitFeature::column).toList();
    return new Join(joined, new ComputingSink(sink, outputNames, joined.size(), slots));
  }

  private record Inputs(List<String> names, int[] columns) {}

  /** One output column: a stored column's index, or an expression over stored columns. */
  private record Slot(
      int stored, OnDemandEvaluator.@Nullable Expression expression, @Nullable Inputs inputs) {}

  /** Turns rows of spine + stored columns into rows of spine + requested columns. */
  private static final class ComputingSink implements PitQuery.RowSink {
    private final PitQuery.RowSink out;
    private final List<String> outputNames;
    private final int storedCount;
    private final List<Slot> slots;
    private List<String> spineColumns = List.of();

    ComputingSink(
        PitQuery.RowSink out, List<String> outputNames, int storedCount, List<Slot> slots) {
      this.out = out;
      this.outputNames = outputNames;
      this.storedCount = storedCount;
      this.slots = slots;
    }

    @Override
    public void columns(List<String> names) {
      spineColumns = List.copyOf(names.subList(0, names.size() - storedCount));
      List<String> columns = new ArrayList<>(spineColumns);
      columns.addAll(outputNames);
      out.columns(columns);
    }

    @Override
    public void row(Object[] values) {
      int spine = spineColumns.size();
      Object[] row = Arrays.copyOf(values, spine + slots.size());
      Map<String, Object> request = null;
      for (int i = 0; i < slots.size(); i++) {
        Slot s = slots.get(i);
        Object v = null;
        if (s.expression() == null) {
          v = s.stored() < 0 ? null : values[spine + s.stored()];
        } else {
          Inputs in = Objects.requireNonNull(s.inputs());
          Object[] inputs = new Object[in.columns().length];
          boolean complete = true;
          for (int k = 0; k < in.columns().length; k++) {
            Object x = values[spine + in.columns()[k]];
            if (x == null) {
              complete = false;
              break;
            }
            inputs[k] = x;
          }
          if (complete) {
            if (request == null) {
              request = new HashMap<>();
              for (int c = 0; c < spine; c++) {
                if (values[c] != null) {
                  request.put(spineColumns.get(c), values[c]);
                }
              }
            }
            v = s.expression().evaluate(inputs, request);
          }
        }
        row[spine + i] = v;
      }
      out.row(row);
    }
  }
}
