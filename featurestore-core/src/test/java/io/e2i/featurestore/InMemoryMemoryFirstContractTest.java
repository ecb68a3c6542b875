package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.testing.MemoryFirst;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract with every online read first tried from memory only, as the server's I/O thread. */
class InMemoryMemoryFirstContractTest extends InMemoryContractTest {
  @BeforeAll
  static void reset() {
    MemoryFirst.FROM_MEMORY.set(0);
    MemoryFirst.HANDED_ON.set(0);
  }

  @AfterAll
  static void bothWaysTaken() {
    assertThat(MemoryFirst.FROM_MEMORY).hasPositiveValue();
    assertThat(MemoryFirst.HANDED_ON).hasPositiveValue();
  }

  @Override
  protected FeatureStore open(Clock clock) {
    return MemoryFirst.wrap(super.open(clock));
  }

  @Override
  protected FeatureStore reopen(Clock clock) {
    return MemoryFirst.wrap(super.reopen(clock));
  }
}
