package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.quality.DriftHistory;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A feature's drift over time (issue 14, for the UI's chart): {@code GET
 * .../features/{name}/drift/history?limit=} answers the kept drift results, newest first. Reads
 * through the guarded store, so the key needs read scope on the group.
 */
final class DriftHistoryApi {
  static final String PATH = "/api/v1/feature-groups/{group}/features/{name}/drift/history";

  private final DriftHistory history;

  /**
   * @param store the guarded store
   */
  DriftHistoryApi(FeatureStore store) {
    this.history = new DriftHistory(store);
  }

  List<Endpoint> endpoints() {
    return List.of(
        new Endpoint(
            "GET",
            PATH,
            "feature_drift_history",
            "A feature's drift over time: the results its drift monitors and explicit runs kept,"
                + " newest first (PSI, KS p-value, status and thresholds of each run)",
            null,
            200,
            "DriftHistory",
            List.of(400, 404),
            this::history));
  }

  private Object history(Context ctx) {
    String group = Wire.name("feature group", ctx.pathParam("group"));
    String name = Wire.name("feature name", ctx.pathParam("name"));
    int limit =
        QueryNumbers.between(
            "limit",
            ctx.queryParam("limit"),
            1,
            DriftHistory.MAX_LIMIT,
            DriftHistory.DEFAULT_LIMIT);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("feature_group", group);
    out.put("feature_name", name);
    out.put("results", history.of(group, name, limit));
    return out;
  }
}
