package io.e2i.featurestore.cli;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * Applies a {@link FeatureFile}: each group and feature ends as declared. What exists is updated
 * (the store's update calls change nothing when the definition is the same), what does not is
 * created, so applying the same file twice changes nothing. This class decides beforehand what each
 * call will do, to report it (and to stop there on a dry run).
 */
final class Applier {

  /** What applying did, per kind of outcome. */
  record Summary(int created, int updated, int newVersions, int unchanged) {
    int changed() {
      return created + updated + newVersions;
    }
  }

  private final FeatureStore store;
  private final PrintWriter out;
  private int created;
  private int updated;
  private int newVersions;
  private int unchanged;

  Applier(FeatureStore store, PrintWriter out) {
    this.store = store;
    this.out = out;
  }

  Summary apply(FeatureFile file, boolean dryRun) {
    for (FeatureFile.Entry entry : file.groups()) {
      FeatureGroup group = entry.group();
      Optional<FeatureGroup> existing = store.getFeatureGroup(group.name());
      String outcome;
      if (existing.isEmpty()) {
        outcome = "created";
        created++;
      } else if (!existing.get().sameDefinition(group)) {
        outcome = "updated";
        updated++;
      } else {
        outcome = "unchanged";
        unchanged++;
      }
      if (!dryRun) {
        if (existing.isEmpty()) {
          store.createFeatureGroup(group);
        } else {
          store.updateFeatureGroup(group);
        }
      }
      out.println("group " + group.name() + ": " + outcome);
      for (FeatureSpec spec : entry.features()) {
        out.println(
            "  feature " + spec.name() + ": " + applyFeature(spec, existing.isEmpty(), dryRun));
      }
    }
    return new Summary(created, updated, newVersions, unchanged);
  }

  private String applyFeature(FeatureSpec spec, boolean newGroup, boolean dryRun) {
    Optional<Feature> latest =
        newGroup ? Optional.empty() : store.getFeature(spec.featureGroup(), spec.name());
    String outcome;
    int expectedVersion = 1;
    if (latest.isEmpty()) {
      outcome = "created";
      created++;
    } else if (latest.get().definitionDiffers(spec)) {
      expectedVersion = latest.get().version() + 1;
      outcome = "new version";
      newVersions++;
    } else if (latest.get().metadataDiffers(spec)) {
      expectedVersion = latest.get().version();
      outcome = "updated";
      updated++;
    } else {
      expectedVersion = latest.get().version();
      outcome = "unchanged";
      unchanged++;
    }
    int version = expectedVersion;
    if (!dryRun) {
      version =
          (latest.isEmpty() ? store.createFeature(spec) : store.updateFeature(spec)).version();
    }
    return switch (outcome) {
      case "new version" -> "new version " + version + " (" + spec.valueType().wireName() + ")";
      default -> outcome + " (v" + version + ", " + spec.valueType().wireName() + ")";
    };
  }
}
