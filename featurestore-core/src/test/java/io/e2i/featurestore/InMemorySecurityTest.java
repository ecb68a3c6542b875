package io.e2i.featurestore;

import io.e2i.featurestore.testing.InMemoryBackend;

/** The security contract against the reference backend. */
class InMemorySecurityTest extends SecurityContract {
  private InMemoryBackend backend;

  @Override
  protected FeatureStore open() {
    backend = new InMemoryBackend();
    return reopen();
  }

  @Override
  protected FeatureStore reopen() {
    return FeatureStores.builder().registry(backend).offlineStore(backend).build();
  }
}
