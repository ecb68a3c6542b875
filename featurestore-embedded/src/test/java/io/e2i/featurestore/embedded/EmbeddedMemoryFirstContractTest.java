package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.testing.MemoryFirst;
import java.time.Clock;

/** The contract with every online read first tried from memory only, as the server's I/O thread. */
class EmbeddedMemoryFirstContractTest extends EmbeddedContractTest {
  @Override
  protected FeatureStore open(Clock clock) {
    return MemoryFirst.wrap(super.open(clock));
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return MemoryFirst.wrap(super.reopen(clock));
  }
}
