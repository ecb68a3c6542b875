package io.e2i.featurestore;

import io.e2i.featurestore.spi.OnDemandEvaluator;
import io.e2i.featurestore.spi.PitQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
import java.util.function.Function;
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

  /** A group's on-demand features compiled, for one registry snapshot of the group. */
  private record GroupPlan(RegistrySnapshot.GroupView view, Map<Feature, Compiled> all) {}

  private final Map<String, GroupPlan> plans = new ConcurrentHashMap<>();

  /** The group's on-demand features, compiled once per registry snapshot (reads stay cheap). */
  private GroupPlan plan(RegistrySnapshot.GroupView view) {
    GroupPlan p = plans.get(view.group().name());
    if (p != null && p.view() == view) {
      return p;
    }
    Map<Feature, Compiled> all = new LinkedHashMap<>();
    for (Feature f : onDemandOf(view, List.of())) {
      Compiled c = expression(f, view);
      if (c != null) {
        all.put(f, c);
      }
    }
    p = new GroupPlan(view, all);
    plans.put(view.group().name(), p);
    return p;
  }

  /** Reads with {@code reads}, adding the group's requested on-demand features. */
  EntityFeatures read(OnlineRequest request, Function<OnlineRequest, EntityFeatures> reads) {
    RegistrySnapshot.GroupView view = holder.group(request.featureGroup());
    GroupPlan plan = plan(view);
    if (plan.all().isEmpty()) {
      return reads.apply(request);
    }
    List<Feature> onDemand =
        request.featureNames().isEmpty()
            ? List.copyOf(plan.all().keySet())
            : onDemandOf(view, request.featureNames());
    if (onDemand.isEmpty()) {
      return reads.apply(request);
    }
    Map<Feature, Compiled> expressions = new LinkedHashMap<>();
    for (Feature f : onDemand) {
      Compiled c = plan.all().containsKey(f) ? plan.all().get(f) : expression(f, view);
      if (c != null) {
        expressions.put(f, c);
      }
    }
    OnlineRequest stored = request;
    Set<String> hidden = Set.of();
    if (!request.featureNames().isEmpty()) {
      Set<String> names = new LinkedHashSet<>();
      Set<String> onDemandNames = new LinkedHashSet<>();
      onDemand.forEach(f -> onDemandNames.add(f.name()));
      for (String n : request.featureNames()) {
        if (!onDemandNames.contains(FeatureRef.parse(n).name())) {
          names.add(n);
        }
      }
      Set<String> requested = new LinkedHashSet<>(names);
      expressions.values().forEach(c -> names.addAll(c.expression().inputs()));
      Set<String> extra = new LinkedHashSet<>(names);
      extra.removeAll(requested);
      hidden = extra;
      stored = names.isEmpty() ? null : request.withFeatureNames(List.copyOf(names));
    }
    EntityFeatures base =
        stored == null
            ? new EntityFeatures(EntityKey.of(request.entityValues()), Map.of(), Map.of())
            : reads.apply(stored);
    return withOnDemand(base, expressions, hidden, request.requestValues());
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

  private EntityFeatures withOnDemand(
      EntityFeatures base,
      Map<Feature, Compiled> expressions,
      Set<String> hidden,
      Map<String, ?> request) {
    Map<String, Object> values = new TreeMap<>(base.features());
    Map<String, FeatureMetadata> metadata = new TreeMap<>(base.metadata());
    for (Map.Entry<Feature, Compiled> e : expressions.entrySet()) {
      Feature f = e.getKey();
      OnDemandEvaluator.Expression x = e.getValue().expression();
      Map<String, Object> inputs = new HashMap<>();
      Instant newest = null;
      FreshnessStatus worst = FreshnessStatus.FRESH;
      boolean complete = true;
      for (String input : x.inputs()) {
        Object v = base.features().get(input);
        FeatureMetadata m = base.metadata().get(input);
        if (v == null || m == null) {
          complete = false;
          break;
        }
        inputs.put(input, v);
        newest = newest == null || m.eventTimestamp().isAfter(newest) ? m.eventTimestamp() : newest;
        worst = m.freshnessStatus().ordinal() > worst.ordinal() ? m.freshnessStatus() : worst;
      }
      Object value = complete ? x.evaluate(inputs, request) : null;
      if (value != null) {
        values.put(f.name(), value);
        metadata.put(
            f.name(),
            new FeatureMetadata(
                f.featureGroup(), f.version(), newest == null ? clock.now() : newest, worst));
      }
    }
    for (String h : hidden) {
      values.remove(h);
      metadata.remove(h);
    }
    return new EntityFeatures(base.entity(), values, metadata);
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
          Map<String, Object> inputs = new HashMap<>();
          boolean complete = true;
          for (int k = 0; k < in.columns().length; k++) {
            Object x = values[spine + in.columns()[k]];
            if (x == null) {
              complete = false;
              break;
            }
            inputs.put(in.names().get(k), x);
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
