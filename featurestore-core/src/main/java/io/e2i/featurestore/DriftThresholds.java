package io.e2i.featurestore;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Population stability index bounds for a feature's drift status: {@code ok} below {@code psiWarn},
 * {@code warn} below {@code psiDrift}, {@code drift} from it.
 */
public record DriftThresholds(double psiWarn, double psiDrift) {
  public static final DriftThresholds DEFAULT = new DriftThresholds(0.1, 0.25);

  public DriftThresholds {
    if (!(psiWarn > 0) || !(psiDrift >= psiWarn) || Double.isInfinite(psiDrift)) {
      throw FeatureStoreException.invalid(
          "drift_thresholds needs 0 < psi_warn <= psi_drift (finite), got psi_warn "
              + psiWarn
              + ", psi_drift "
              + psiDrift);
    }
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("psi_warn", psiWarn);
    m.put("psi_drift", psiDrift);
    return m;
  }

  /** From the wire or YAML form; a missing bound takes its default, an unknown key is an error. */
  public static DriftThresholds fromMap(Map<String, ?> map) {
    Options.known(map, "drift_thresholds", java.util.List.of("psi_warn", "psi_drift"));
    return new DriftThresholds(
        Options.number(map, "drift_thresholds", "psi_warn", DEFAULT.psiWarn),
        Options.number(map, "drift_thresholds", "psi_drift", DEFAULT.psiDrift));
  }
}
