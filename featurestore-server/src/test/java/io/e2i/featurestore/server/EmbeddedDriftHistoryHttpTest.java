package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Drift history and training-set paging over HTTP on the embedded store (DuckDB). */
class EmbeddedDriftHistoryHttpTest extends DriftHistoryHttpContract {
  @TempDir Path dir;

  @Override
  protected FeatureStore openStore() {
    return EmbeddedFeatureStore.open(dir.resolve("store"));
  }
}
