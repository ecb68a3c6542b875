package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import java.util.ArrayList;
import java.util.List;

/**
 * The discovery side of the server (issue 14): lineage, search, a feature's drift over time and the
 * web UI, in one hook.
 */
final class Discovery {
  private Discovery() {}

  /**
   * @param store the guarded store, so every answer respects the caller's key
   */
  static List<Endpoint> endpoints(FeatureStore store, Api api) {
    List<Endpoint> e = new ArrayList<>();
    e.addAll(new LineageApi(store, api).endpoints());
    e.addAll(new SearchApi(store).endpoints());
    e.addAll(new DriftHistoryApi(store).endpoints());
    e.addAll(new UiRoutes().endpoints());
    return e;
  }
}
