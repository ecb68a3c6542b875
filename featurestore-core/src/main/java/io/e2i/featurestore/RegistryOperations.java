package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.Tracker;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Groups, features and their versions, and the tracking ids the tracker reports back. A create
 * inserts what is new, returns what is stored already with the same definition, and refuses (a
 * CONFLICT naming the differing fields) a different definition under a taken name: a change is an
 * update, never a side effect of a create. Each change reloads, writes the registry and reloads
 * again under the registry lock, so concurrent changes on this instance serialize; an insert that
 * loses to another instance starts over against the winner's row. Tracking comes last, and only for
 * what this call created.
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

  /** What a change returned, and whether it inserted (and so must be tracked). */
  private record Applied<T>(T value, boolean created) {}

  FeatureGroup createFeatureGroup(FeatureGroup group) {
    Applied<FeatureGroup> applied = holder.locked(() -> createGroup(group));
    if (applied.created()) {
      tracker.trackGroup(applied.value());
    }
    return applied.value();
  }

  private Applied<FeatureGroup> createGroup(FeatureGroup group) {
    holder.reload();
    Optional<GroupView> existing = holder.snapshot().group(group.name());
    if (existing.isPresent()) {
      FeatureGroup stored = existing.get().group();
      Differences differences = stored.differences(group);
      if (!differences.none()) {
        throw new FeatureStoreException(
            FeatureStoreException.Code.CONFLICT,
            "feature group '"
                + group.name()
                + "' exists with a different definition: "
                + differences.describe()
                + "; nothing changed (to change it, update the group: PUT"
                + " /api/v1/feature-groups/"
                + group.name()
                + ", updateFeatureGroup, or featurestore apply)");
      }
      return new Applied<>(stored, false);
    }
    if (!registry.insertGroup(group.withCreatedAt(clock.now()))) {
      // Another instance created it meanwhile: compare with the winner's row.
      return createGroup(group);
    }
    holder.reload();
    return new Applied<>(holder.snapshot().group(group.name()).orElseThrow().group(), true);
  }

  FeatureGroup updateFeatureGroup(FeatureGroup group) {
    return holder.locked(
        () -> {
          holder.reload();
          FeatureGroup stored =
              holder
                  .snapshot()
                  .group(group.name())
                  .orElseThrow(() -> missingGroup(group.name(), "update"))
                  .group();
          if (stored.sameDefinition(group)) {
            return stored;
          }
          registry.updateGroup(
              group
                  .withCreatedAt(stored.createdAt())
                  .withMlflowExperimentId(stored.mlflowExperimentId()));
          holder.reload();
          return holder.snapshot().group(group.name()).orElseThrow().group();
        });
  }

  private static FeatureStoreException missingGroup(String name, String what) {
    return FeatureStoreException.notFound(
        "feature group '" + name + "' not found; create it before you " + what + " it");
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
    return tracked(spec, holder.locked(() -> createFeatureVersion(spec)));
  }

  private Applied<Feature> createFeatureVersion(FeatureSpec spec) {
    holder.reload();
    Optional<Feature> latest = groupOf(spec).latest(spec.name());
    if (latest.isPresent()) {
      Differences differences = latest.get().differences(spec);
      if (!differences.none()) {
        throw new FeatureStoreException(
            FeatureStoreException.Code.CONFLICT,
            "feature '"
                + spec.featureGroup()
                + ":"
                + spec.name()
                + "' exists with a different definition (version "
                + latest.get().version()
                + "): "
                + differences.describe()
                + "; nothing changed (to change it, update the feature: PUT"
                + " /api/v1/feature-groups/"
                + spec.featureGroup()
                + "/features/"
                + spec.name()
                + ", updateFeature, or featurestore apply)");
      }
      return new Applied<>(latest.get(), false);
    }
    return insertVersion(spec, 1).orElseGet(() -> createFeatureVersion(spec));
  }

  Feature updateFeature(FeatureSpec spec) {
    return tracked(spec, holder.locked(() -> updateFeatureVersion(spec)));
  }

  private Applied<Feature> updateFeatureVersion(FeatureSpec spec) {
    holder.reload();
    Feature latest =
        groupOf(spec)
            .latest(spec.name())
            .orElseThrow(
                () ->
                    FeatureStoreException.notFound(
                        "feature '"
                            + spec.name()
                            + "' not found in group '"
                            + spec.featureGroup()
                            + "'; create it before you update it"));
    if (latest.definitionDiffers(spec)) {
      return insertVersion(spec, latest.version() + 1).orElseGet(() -> updateFeatureVersion(spec));
    }
    if (latest.metadataDiffers(spec)) {
      registry.updateFeature(latest.withMetadata(spec));
      holder.reload();
      Feature updated = storedLatest(spec);
      if (QualityTags.changed(latest, updated)) {
        tracker.trackQuality(
            holder.group(spec.featureGroup()).group(),
            updated,
            QualityTags.of(updated),
            java.util.Map.of(),
            clock.now());
      }
      return new Applied<>(updated, false);
    }
    return new Applied<>(latest, false);
  }

  private Feature tracked(FeatureSpec spec, Applied<Feature> applied) {
    if (applied.created()) {
      FeatureGroup group = holder.group(spec.featureGroup()).group();
      tracker.trackFeature(group, applied.value());
      if (QualityTags.declared(applied.value())) {
        tracker.trackQuality(
            group,
            applied.value(),
            QualityTags.of(applied.value()),
            java.util.Map.of(),
            clock.now());
      }
    }
    return applied.value();
  }

  private GroupView groupOf(FeatureSpec spec) {
    return holder
        .snapshot()
        .group(spec.featureGroup())
        .orElseThrow(
            () ->
                FeatureStoreException.notFound(
                    "feature group '"
                        + spec.featureGroup()
                        + "' not found; create it before its features"));
  }

  /**
   * Inserts the version; empty when another instance inserted that version first (the caller then
   * starts over against the winner's row).
   */
  private Optional<Applied<Feature>> insertVersion(FeatureSpec spec, int version) {
    if (!registry.insertFeature(Feature.fromSpec(spec, version, clock.now()))) {
      return Optional.empty();
    }
    holder.reload();
    return Optional.of(new Applied<>(storedLatest(spec), true));
  }

  private Feature storedLatest(FeatureSpec spec) {
    return holder
        .snapshot()
        .group(spec.featureGroup())
        .orElseThrow()
        .latest(spec.name())
        .orElseThrow();
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
