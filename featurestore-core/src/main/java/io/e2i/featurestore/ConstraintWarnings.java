package io.e2i.featurestore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts of values written despite a broken constraint (warn mode), per feature and constraint. */
final class ConstraintWarnings {
  private record Key(String group, String feature, String constraint) {}

  private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

  void add(Feature feature, String constraint, long n) {
    counts
        .computeIfAbsent(
            new Key(feature.featureGroup(), feature.name(), constraint), k -> new LongAdder())
        .add(n);
  }

  List<ConstraintWarning> snapshot() {
    List<ConstraintWarning> out = new ArrayList<>(counts.size());
    counts.forEach(
        (k, v) -> out.add(new ConstraintWarning(k.group(), k.feature(), k.constraint(), v.sum())));
    out.sort(
        Comparator.comparing(ConstraintWarning::featureGroup)
            .thenComparing(ConstraintWarning::featureName)
            .thenComparing(ConstraintWarning::constraint));
    return out;
  }
}
