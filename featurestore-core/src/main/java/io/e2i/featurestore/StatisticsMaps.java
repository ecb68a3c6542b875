package io.e2i.featurestore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The JSON shape statistics are stored in (features.statistics) and served as: snake_case. */
public final class StatisticsMaps {
  private StatisticsMaps() {}

  public static Map<String, Object> toMap(FeatureStatistics s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", s.count());
    m.put("nulls", s.nulls());
    m.put("distinct", s.distinct());
    putIfNotNull(m, "min", s.min());
    putIfNotNull(m, "max", s.max());
    putIfNotNull(m, "mean", s.mean());
    putIfNotNull(m, "stddev", s.stddev());
    putIfNotNull(m, "p50", s.p50());
    putIfNotNull(m, "p90", s.p90());
    putIfNotNull(m, "p99", s.p99());
    List<Map<String, Object>> top =
        s.topValues().stream()
            .map(v -> Map.<String, Object>of("value", v.value(), "count", v.count()))
            .toList();
    m.put("top_values", top);
    List<Map<String, Object>> histogram =
        s.histogram().stream()
            .map(
                b ->
                    Map.<String, Object>of(
                        "lower", b.lower(), "upper", b.upper(), "count", b.count()))
            .toList();
    m.put("histogram", histogram);
    m.put("computed_at", s.computedAt().toString());
    return m;
  }

  private static void putIfNotNull(Map<String, Object> m, String key, @Nullable Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
