package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Keys, scopes and the audit log over HTTP on the embedded store. */
class EmbeddedServerSecurityTest extends ServerSecurityContract {
  @TempDir Path dir;

  @Override
  protected FeatureStore openStore() {
    return EmbeddedFeatureStore.open(dir);
  }
}
