package io.e2i.featurestore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * An immutable in-memory view of the registry, rebuilt after every registry change, so that the
 * read and write paths resolve names with map lookups instead of queries.
 */
final class RegistrySnapshot {

  /** One group's features: every version by name, and the latest versions by entity-key list. */
  record GroupView(
      FeatureGroup group,
      Map<String, List<Feature>> versionsByName,
      Map<List<String>, List<Feature>> latestByEntityKeys) {

    Optional<Feature> latest(String name) {
      List<Feature> versions = versionsByName.get(name);
      return versions == null ? Optional.empty() : Optional.of(versions.getLast());
    }

    Optional<Feature> version(String name, int version) {
      List<Feature> versions = versionsByName.getOrDefault(name, List.of());
      return versions.stream().filter(f -> f.version() == version).findFirst();
    }

    List<Feature> latestFeatures() {
      return versionsByName.values().stream().map(List::getLast).toList();
    }
  }

  private final Map<String, GroupView> groups;
  private final Map<String, List<Feature>> latestByName;
  private final Map<UUID, Feature> byId;
  // Compiled with the snapshot, so the write path compiles a pattern once per registry change.
  private final Map<UUID, ConstraintCheck> checks;

  private RegistrySnapshot(
      Map<String, GroupView> groups,
      Map<String, List<Feature>> latestByName,
      Map<UUID, Feature> byId) {
    this.groups = groups;
    this.latestByName = latestByName;
    this.byId = byId;
    Map<UUID, ConstraintCheck> compiled = new HashMap<>();
    byId.forEach(
        (id, f) -> {
          GroupView g = groups.get(f.featureGroup());
          compiled.put(id, ConstraintCheck.of(f, g == null ? null : g.group()));
        });
    this.checks = compiled;
  }

  static RegistrySnapshot of(List<FeatureGroup> groupList, List<Feature> features) {
    Map<String, Map<String, List<Feature>>> versions = new TreeMap<>();
    for (FeatureGroup g : groupList) {
      versions.put(g.name(), new TreeMap<>());
    }
    Map<UUID, Feature> byId = new HashMap<>();
    for (Feature f : features) {
      byId.put(f.id(), f);
      versions
          .computeIfAbsent(f.featureGroup(), k -> new TreeMap<>())
          .computeIfAbsent(f.name(), k -> new ArrayList<>())
          .add(f);
    }
    Map<String, GroupView> groups = new LinkedHashMap<>();
    Map<String, List<Feature>> latestByName = new HashMap<>();
    for (FeatureGroup g :
        groupList.stream().sorted(Comparator.comparing(FeatureGroup::name)).toList()) {
      Map<String, List<Feature>> byName = new LinkedHashMap<>();
      Map<List<String>, List<Feature>> byKeys = new HashMap<>();
      versions
          .getOrDefault(g.name(), new TreeMap<>())
          .forEach(
              (name, list) -> {
                list.sort(Comparator.comparingInt(Feature::version));
                byName.put(name, List.copyOf(list));
                Feature latest = list.getLast();
                byKeys.computeIfAbsent(latest.entityKeys(), k -> new ArrayList<>()).add(latest);
                latestByName.computeIfAbsent(name, k -> new ArrayList<>()).add(latest);
              });
      byKeys.replaceAll((k, v) -> List.copyOf(v));
      groups.put(g.name(), new GroupView(g, byName, byKeys));
    }
    return new RegistrySnapshot(groups, latestByName, byId);
  }

  Optional<GroupView> group(String name) {
    return Optional.ofNullable(groups.get(name));
  }

  List<GroupView> groups() {
    return List.copyOf(groups.values());
  }

  /** The latest versions named so, across groups. */
  List<Feature> latestNamed(String name) {
    return latestByName.getOrDefault(name, List.of());
  }

  Optional<Feature> byId(UUID id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The compiled constraints of a feature version (compiled now if it is not in this snapshot). */
  ConstraintCheck check(Feature feature) {
    ConstraintCheck check = checks.get(feature.id());
    if (check != null) {
      return check;
    }
    GroupView g = groups.get(feature.featureGroup());
    return ConstraintCheck.of(feature, g == null ? null : g.group());
  }
}
