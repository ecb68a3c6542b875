package io.e2i.featurestore.server;

import io.e2i.featurestore.ConstraintWarning;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.quality.DriftMonitor;
import io.e2i.featurestore.quality.DriftResult;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Data-quality meters, registered as features appear (at scrape time): {@code
 * fs_constraint_warnings_total} per feature and constraint (values written in warn mode despite
 * it), and per monitored feature {@code fs_drift_psi}, {@code fs_drift_ks}, {@code
 * fs_drift_js_distance} and {@code fs_drift_status} (0 ok, 1 warn, 2 drift, -1 no data).
 */
final class QualityMetrics {
  private final MeterRegistry registry;
  private final FeatureStore store;
  private final DriftMonitor monitor;
  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private volatile Map<String, Long> warnings = Map.of();

  QualityMetrics(MeterRegistry registry, FeatureStore store, DriftMonitor monitor) {
    this.registry = registry;
    this.store = store;
    this.monitor = monitor;
  }

  void refresh() {
    Map<String, Long> now = new ConcurrentHashMap<>();
    for (ConstraintWarning w : store.constraintWarnings()) {
      String key = w.featureGroup() + '\0' + w.featureName() + '\0' + w.constraint();
      now.put(key, w.count());
      if (registered.add("w\0" + key)) {
        FunctionCounter.builder(
                "fs_constraint_warnings", this, m -> m.warnings.getOrDefault(key, 0L))
            .description("values written in warn mode although they break a constraint")
            .tag("feature_group", w.featureGroup())
            .tag("feature", w.featureName())
            .tag("constraint", w.constraint())
            .register(registry);
      }
    }
    warnings = now;
    for (String key : monitor.latest().keySet()) {
      if (registered.add("d\0" + key)) {
        drift(
            key,
            "fs_drift_psi",
            "population stability index of the last monitor run",
            DriftResult::psi);
        drift(
            key,
            "fs_drift_ks",
            "Kolmogorov-Smirnov statistic of the last monitor run",
            DriftResult::ks);
        drift(
            key,
            "fs_drift_js_distance",
            "Jensen-Shannon distance of the last monitor run",
            DriftResult::jsDistance);
        gauge(key, "fs_drift_status", "0 ok, 1 warn, 2 drift, -1 no data", r -> status(r.status()));
      }
    }
  }

  private void drift(
      String key, String name, String help, java.util.function.Function<DriftResult, Double> f) {
    gauge(
        key,
        name,
        help,
        r -> {
          Double v = f.apply(r);
          return v == null ? Double.NaN : v;
        });
  }

  private void gauge(String key, String name, String help, ToDoubleFunction<DriftResult> f) {
    int colon = key.indexOf(':');
    Gauge.builder(
            name,
            monitor,
            m -> {
              DriftResult r = m.latest().get(key);
              return r == null ? Double.NaN : f.applyAsDouble(r);
            })
        .description(help)
        .tag("feature_group", key.substring(0, colon))
        .tag("feature", key.substring(colon + 1))
        .register(registry);
  }

  private static double status(String s) {
    return switch (s) {
      case "ok" -> 0;
      case "warn" -> 1;
      case "drift" -> 2;
      default -> -1;
    };
  }
}
