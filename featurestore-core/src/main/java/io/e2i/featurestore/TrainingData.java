package io.e2i.featurestore;

import io.e2i.featurestore.spi.LineageEvents;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.Registry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time training sets. References, spine and output columns are checked before the offline
 * store runs the join, so a bad request fails before any row reaches the sink; the definition is
 * saved only after the join succeeded, with versions and as-of pinned, so a re-run returns the same
 * rows.
 */
final class TrainingData {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingData.class);
  private final RegistryHolder holder;
  private final Resolver resolver;
  private final Registry registry;
  private final OfflineStore offline;
  private final StoreClock clock;
  private final LineagePath lineage;
  private final LineageEvents events;
  private final OnDemandPath onDemand;

  TrainingData(
      RegistryHolder holder,
      Resolver resolver,
      Registry registry,
      OfflineStore offline,
      StoreClock clock,
      LineagePath lineage,
      LineageEvents events,
      OnDemandPath onDemand) {
    this.onDemand = onDemand;
    this.holder = holder;
    this.resolver = resolver;
    this.registry = registry;
    this.offline = offline;
    this.clock = clock;
    this.lineage = lineage;
    this.events = events;
  }

  TrainingSetDefinition getTrainingData(TrainingDataRequest request, PitQuery.RowSink sink) {
    String saveAs = request.saveAs();
    return reported(
        saveAs == null ? "training_data" : LineageGraph.NodeType.TRAINING_SET.id(saveAs),
        request,
        sink);
  }

  /**
   * Builds and reports the build as a lineage run (OpenLineage): inputs the pinned feature
   * versions, output the saved set. Reporting never fails the build.
   */
  private TrainingSetDefinition reported(
      String job, TrainingDataRequest request, PitQuery.RowSink sink) {
    Instant started = clock.now();
    UUID runId = UUID.randomUUID();
    try {
      TrainingSetDefinition definition = build(request, sink);
      String saveAs = request.saveAs();
      report(
          new LineageEvents.Run(
              runId,
              job,
              started,
              clock.now(),
              featureNodes(definition.featureRefs()),
              saveAs == null ? List.of() : List.of(LineageGraph.NodeType.TRAINING_SET.id(saveAs)),
              null));
      return definition;
    } catch (RuntimeException e) {
      report(
          new LineageEvents.Run(
              runId,
              job,
              started,
              clock.now(),
              featureNodes(request.featureRefs()),
              List.of(),
              String.valueOf(e.getMessage())));
      throw e;
    }
  }

  private static List<String> featureNodes(List<String> refs) {
    return refs.stream().map(LineageGraph.NodeType.FEATURE_VERSION::id).toList();
  }

  private void report(LineageEvents.Run run) {
    try {
      events.runFinished(run);
    } catch (RuntimeException e) {
      LOG.warn("lineage event for {} not sent: {}", run.job(), e.toString());
    }
  }

  private TrainingSetDefinition build(TrainingDataRequest request, PitQuery.RowSink sink) {
    // Pinning as-of to "now" when unset makes every run, saved or not, reproducible later.
    // A future as-of would let later writes into a re-run, so it is pinned to now as well.
    Instant now = clock.now();
    Instant asOf = request.asOf() == null || request.asOf().isAfter(now) ? now : request.asOf();
    List<Feature> features = new ArrayList<>();
    for (String text : request.featureRefs()) {
      features.add(resolveForTraining(FeatureRef.parse(text)));
    }
    PitQuery.Spine spine = checkSpine(request.spine(), features);
    // On-demand columns are computed per row from their inputs, joined point-in-time.
    OnDemandPath.Join plan = onDemand.forTraining(features, pitColumns(features, spine), sink);
    join(spine, plan.columns(), asOf, plan.sink());
    TrainingSetDefinition definition =
        new TrainingSetDefinition(
            request.saveAs() == null ? "unsaved" : request.saveAs(),
            spine,
            features.stream().map(Feature::reference).toList(),
            asOf,
            clock.now());
    if (request.saveAs() != null) {
      registry.saveTrainingSet(definition.name(), TrainingSets.toJson(definition));
      lineage.trainingSetSaved(definition.name(), definition.featureRefs());
    }
    return definition;
  }

  private void join(
      PitQuery.Spine spine,
      List<PitQuery.PitFeature> columns,
      Instant asOf,
      PitQuery.RowSink sink) {
    try {
      offline.pointInTimeJoin(new PitQuery(spine, columns, asOf), sink);
    } catch (FeatureStoreException e) {
      throw e;
    } catch (UnsupportedOperationException e) {
      // A store that cannot do what the request asks (e.g. a spine kind) is a bad request here.
      throw FeatureStoreException.invalid(String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      throw FeatureStoreException.fromBackend("training data", e);
    }
  }

  TrainingSetDefinition rerunTrainingSet(String name, PitQuery.RowSink sink) {
    TrainingSetDefinition saved =
        trainingSet(name)
            .orElseThrow(
                () -> FeatureStoreException.notFound("training set '" + name + "' not found"));
    reported(
        LineageGraph.NodeType.TRAINING_SET.id(name),
        new TrainingDataRequest(saved.spine(), saved.featureRefs(), saved.asOf(), null),
        sink);
    return saved;
  }

  List<TrainingSetDefinition> listTrainingSets() {
    return registry.loadTrainingSets().values().stream()
        .map(TrainingSets::fromJson)
        .sorted(Comparator.comparing(TrainingSetDefinition::name))
        .toList();
  }

  /** The registry pages, so a page parses only its own definitions. */
  TrainingSetList listTrainingSets(int offset, int limit) {
    checkPage(offset, limit);
    List<TrainingSetDefinition> page =
        registry.loadTrainingSets(offset, limit).stream().map(TrainingSets::fromJson).toList();
    return new TrainingSetList(page, registry.countTrainingSets());
  }

  /**
   * As {@link #listTrainingSets(int, int)}, the registry keeping the sets within {@code groups}.
   */
  TrainingSetList listTrainingSets(int offset, int limit, java.util.Set<String> groups) {
    checkPage(offset, limit);
    Set<String> within = Set.copyOf(groups);
    List<TrainingSetDefinition> page =
        registry.loadTrainingSets(offset, limit, within).stream()
            .map(TrainingSets::fromJson)
            .toList();
    return new TrainingSetList(page, registry.countTrainingSets(within));
  }

  private static void checkPage(int offset, int limit) {
    if (offset < 0 || limit < 0) {
      throw FeatureStoreException.invalid(
          "training set page: offset and limit must not be negative, got "
              + offset
              + " and "
              + limit);
    }
  }

  java.util.Optional<TrainingSetDefinition> trainingSet(String name) {
    String json = registry.loadTrainingSet(name);
    return json == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(TrainingSets.fromJson(json));
  }

  /**
   * Unlike online reads there is no entity to pick among same-named features, so a bare name must
   * be unique across groups.
   */
  private Feature resolveForTraining(FeatureRef ref) {
    if (ref.featureGroup() != null) {
      return resolver.inGroup(ref);
    }
    List<Feature> named = holder.snapshot().latestNamed(ref.name());
    if (named.size() != 1) {
      throw FeatureStoreException.invalid(
          "training data needs 'group:feature' references; '"
              + ref
              + "' "
              + (named.isEmpty()
                  ? "is not a feature"
                  : "is in groups " + named.stream().map(Feature::featureGroup).toList()));
    }
    return resolver.inGroup(
        new FeatureRef(named.getFirst().featureGroup(), ref.name(), ref.version()));
  }

  /** Checks in-memory spines up front, so a bad row is named before any work is done. */
  private static PitQuery.Spine checkSpine(PitQuery.Spine spine, List<Feature> features) {
    if (!(spine instanceof PitQuery.Spine.Rows rows)) {
      return spine;
    }
    int ts = rows.columns().indexOf(rows.timestampColumn());
    if (ts < 0) {
      throw FeatureStoreException.invalid(
          "spine has no timestamp column '"
              + rows.timestampColumn()
              + "'; columns: "
              + rows.columns());
    }
    checkEntityKeyColumns(rows, features);
    List<Object[]> normalized = new ArrayList<>(rows.rows().size());
    for (int i = 0; i < rows.rows().size(); i++) {
      normalized.add(normalizeRow(rows, i, ts));
    }
    return new PitQuery.Spine.Rows(rows.columns(), rows.timestampColumn(), normalized);
  }

  private static void checkEntityKeyColumns(PitQuery.Spine.Rows rows, List<Feature> features) {
    for (Feature f : features) {
      for (String key : f.entityKeys()) {
        if (!rows.columns().contains(key)) {
          throw FeatureStoreException.invalid(
              "spine lacks entity key column '" + key + "' needed by " + f.reference());
        }
      }
    }
  }

  /** A copy, so the caller's row stays as given, with the timestamp parsed once for every store. */
  private static Object[] normalizeRow(PitQuery.Spine.Rows rows, int i, int ts) {
    Object[] row = rows.rows().get(i);
    if (row.length != rows.columns().size()) {
      throw FeatureStoreException.invalid(
          "spine row "
              + (i + 1)
              + " has "
              + row.length
              + " values for "
              + rows.columns().size()
              + " columns");
    }
    Object[] copy = row.clone();
    try {
      copy[ts] = ValueType.toInstant(row[ts]);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw FeatureStoreException.invalid("spine row " + (i + 1) + ": " + e.getMessage());
    }
    return copy;
  }

  /** Columns are named after features, prefixed by the group only where two groups share a name. */
  private List<PitQuery.PitFeature> pitColumns(List<Feature> features, PitQuery.Spine spine) {
    Map<String, Long> nameCounts = new HashMap<>();
    features.forEach(f -> nameCounts.merge(f.name(), 1L, Long::sum));
    Set<String> used = new HashSet<>();
    if (spine instanceof PitQuery.Spine.Rows rows) {
      used.addAll(rows.columns());
    }
    List<PitQuery.PitFeature> columns = new ArrayList<>();
    for (Feature f : features) {
      String column =
          nameCounts.getOrDefault(f.name(), 0L) > 1 ? f.featureGroup() + "__" + f.name() : f.name();
      if (!used.add(column)) {
        throw FeatureStoreException.invalid(
            "output column '" + column + "' would appear twice (" + f.reference() + ")");
      }
      columns.add(
          new PitQuery.PitFeature(
              f.id(),
              column,
              f.valueType(),
              f.entityKeys(),
              holder.group(f.featureGroup()).group().maxAge()));
    }
    return columns;
  }
}
