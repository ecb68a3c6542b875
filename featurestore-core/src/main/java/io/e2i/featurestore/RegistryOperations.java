package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.Tracker;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Groups, features and their versions (apply semantics), and the tracking ids the tracker reports
 * back. Each change reloads, writes the registry and reloads again under the registry lock, so
 * concurrent applies on this instance serialize; an insert that loses to another instance starts
 * over against the winner's row. Tracking comes last, and only for what this call created.
 */
final class RegistryOperations {
  private final RegistryHolder holder;
  private final Registry registry;
  private final Tracker tracker;
  private final StoreClock clock;

  RegistryOperations(RegistryHolder holder, Registry registry, Tracker tracker, StoreClock clock) {
    this.holder = holder;
    this.registry = registry;
    this.tracker = tracker;
    this.clock = clock;
  }

  /** What an apply returned, and whether it inserted (and so must be tracked). */
  private record Applied<T>(T value, boolean created) {}

  FeatureGroup createFeatureGroup(FeatureGroup group) {
    Applied<FeatureGroup> applied = holder.locked(() -> applyGroup(group));
    if (applied.created()) {
      tracker.trackGroup(applied.value());
    }
    return applied.value();
  }

  private Applied<FeatureGroup> applyGroup(FeatureGroup group) {
    holder.reload();
    Optional<GroupView> existing = holder.snapshot().group(group.name());
    boolean created = false;
    if (existing.isEmpty()) {
      created = registry.insertGroup(group.withCreatedAt(clock.now()));
      if (!created) {
        holder.reload(); // another instance created it meanwhile
        // The retry tracks whatever it creates itself; this call must not track it again.
        return new Applied<>(createFeatureGroup(group), false);
      }
    } else if (!existing.get().group().sameDefinition(group)) {
      FeatureGroup stored = existing.get().group();
      registry.updateGroup(
          group
              .withCreatedAt(stored.createdAt())
              .withMlflowExperimentId(stored.mlflowExperimentId()));
    }
    holder.reload();
    return new Applied<>(holder.snapshot().group(group.name()).orElseThrow().group(), created);
  }

  Optional<FeatureGroup> getFeatureGroup(String name) {
    return holder
        .snapshot()
        .group(name)
        .or(() -> holder.snapshotAfterMiss().group(name))
        .map(GroupView::group);
  }

  List<FeatureGroup> listFeatureGroups() {
    return holder.snapshot().groups().stream().map(GroupView::group).toList();
  }

  Feature createFeature(FeatureSpec spec) {
    Applied<Feature> applied = holder.locked(() -> applyFeature(spec));
    if (applied.created()) {
      tracker.trackFeature(holder.group(spec.featureGroup()).group(), applied.value());
    }
    return applied.value();
  }

  private Applied<Feature> applyFeature(FeatureSpec spec) {
    holder.reload();
    GroupView view =
        holder
            .snapshot()
            .group(spec.featureGroup())
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature group '"
                            + spec.featureGroup()
                            + "' not found; create it before its features"));
    Optional<Feature> latest = view.latest(spec.name());
    boolean newVersion = false;
    if (latest.isEmpty() || latest.get().definitionDiffers(spec)) {
      int version = latest.map(f -> f.version() + 1).orElse(1);
      if (!registry.insertFeature(Feature.fromSpec(spec, version, clock.now()))) {
        holder.reload();
        // As for groups: the retry tracks what it creates, this call must not.
        return new Applied<>(createFeature(spec), false);
      }
      newVersion = true;
    } else if (latest.get().metadataDiffers(spec)) {
      registry.updateFeature(latest.get().withMetadata(spec));
    }
    holder.reload();
    Feature stored =
        holder
            .snapshot()
            .group(spec.featureGroup())
            .orElseThrow()
            .latest(spec.name())
            .orElseThrow();
    return new Applied<>(stored, newVersion);
  }

  Optional<Feature> getFeature(String featureGroup, String name) {
    return getFeatureGroup(featureGroup)
        .flatMap(g -> holder.snapshot().group(g.name()).get().latest(name));
  }

  Optional<Feature> getFeature(String featureGroup, String name, int version) {
    return getFeatureGroup(featureGroup)
        .flatMap(g -> holder.snapshot().group(g.name()).get().version(name, version));
  }

  List<Feature> listFeatures(String featureGroup) {
    return holder.group(featureGroup).latestFeatures();
  }

  List<Feature> listFeatureVersions(String featureGroup, String name) {
    List<Feature> versions = holder.group(featureGroup).versionsByName().get(name);
    if (versions == null) {
      throw FeatureStoreException.notFound(
          "feature '" + name + "' not found in group '" + featureGroup + "'");
    }
    return versions;
  }

  void experimentCreated(String featureGroup, String experimentId) {
    holder.update(
        snapshot ->
            snapshot
                .group(featureGroup)
                .ifPresent(
                    v -> registry.updateGroup(v.group().withMlflowExperimentId(experimentId))));
  }

  void runCreated(UUID featureId, String runId) {
    holder.update(
        snapshot ->
            snapshot
                .byId(featureId)
                .ifPresent(f -> registry.updateFeature(f.withMlflowRunId(runId))));
  }
}
