package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns feature references into registered features for the read, write and training paths, so that
 * all three accept the same references and report the same errors. Looks at the snapshot first and
 * reloads only on a miss, because names are resolved on every call.
 */
final class Resolver {
  private final RegistryHolder holder;

  Resolver(RegistryHolder holder) {
    this.holder = holder;
  }

  /**
   * Resolves a reference for an entity. Without a group, the one latest feature of that name whose
   * entity keys are the entity's; several is a conflict, none is not-found.
   */
  Feature resolve(FeatureRef ref, EntityKey entity) {
    Feature feature;
    if (ref.featureGroup() != null) {
      feature = inGroup(ref);
    } else {
      feature = resolveByName(ref.name(), entity);
      if (ref.version() != null) {
        return resolve(new FeatureRef(feature.featureGroup(), ref.name(), ref.version()), entity);
      }
    }
    checkEntityKeys(feature, entity);
    return feature;
  }

  /**
   * Resolves a reference that names its group, with no entity to check keys against (training data
   * checks them against the spine instead).
   */
  Feature inGroup(FeatureRef ref) {
    GroupView view = holder.group(ref.featureGroup());
    Optional<Feature> found =
        ref.version() == null ? view.latest(ref.name()) : view.version(ref.name(), ref.version());
    return found.orElseThrow(
        () ->
            FeatureStoreException.notFound(
                "feature '"
                    + ref
                    + "' not found"
                    + (view.versionsByName().containsKey(ref.name())
                        ? "; versions: "
                            + view.versionsByName().get(ref.name()).stream()
                                .map(Feature::version)
                                .toList()
                        : "")));
  }

  private Feature resolveByName(String name, EntityKey entity) {
    List<Feature> named = holder.snapshot().latestNamed(name);
    if (named.isEmpty()) {
      named = holder.snapshotAfterMiss().latestNamed(name);
    }
    if (named.isEmpty()) {
      throw FeatureStoreException.notFound("feature '" + name + "' not found in any group");
    }
    if (named.size() == 1) {
      return named.getFirst();
    }
    List<Feature> fitting =
        named.stream().filter(f -> f.entityKeys().equals(entity.keyNames())).toList();
    if (fitting.size() == 1) {
      return fitting.getFirst();
    }
    throw new FeatureStoreException(
        FeatureStoreException.Code.CONFLICT,
        "feature '"
            + name
            + "' exists in groups "
            + named.stream().map(Feature::featureGroup).toList()
            + "; name the feature_group");
  }

  private static void checkEntityKeys(Feature feature, EntityKey entity) {
    if (feature.entityKeys().equals(entity.keyNames())) {
      return;
    }
    List<String> missing = new ArrayList<>(feature.entityKeys());
    missing.removeAll(entity.keyNames());
    List<String> extra = new ArrayList<>(entity.keyNames());
    extra.removeAll(feature.entityKeys());
    StringBuilder msg =
        new StringBuilder("feature '")
            .append(feature.featureGroup())
            .append(':')
            .append(feature.name())
            .append("' takes entity keys ")
            .append(feature.entityKeys())
            .append(", got ")
            .append(entity);
    if (!missing.isEmpty()) {
      msg.append(": missing entity key ").append(String.join(", ", missing));
    }
    if (!extra.isEmpty()) {
      msg.append(missing.isEmpty() ? ": " : "; ").append("unexpected entity key ");
      msg.append(String.join(", ", extra));
    }
    throw FeatureStoreException.invalid(msg.toString());
  }
}
