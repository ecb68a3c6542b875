package io.e2i.featurestore;

import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.testing.InMemoryBackend;

/**
 * The Registry SPI's default paging (over every saved set) against the training-set list contract.
 */
class InMemoryTrainingSetListTest extends TrainingSetListContract {
  @Override
  protected OfflineBackend open() {
    InMemoryBackend backend = new InMemoryBackend();
    return new OfflineBackend(backend, backend);
  }
}
