package io.e2i.featurestore.embedded;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The point-in-time contract with every spine joined against all stored values: the contract's
 * spines are small, so {@link EmbeddedPointInTimeTest} runs the prefiltered joins (PitJoin's small
 * spine path) and this runs the joins large spines take.
 */
class EmbeddedPointInTimeScanTest extends EmbeddedPointInTimeTest {
  @BeforeEach
  void scanAll() {
    PitJoin.prefilterMaxRows = -1;
  }

  @AfterEach
  void restore() {
    PitJoin.prefilterMaxRows = PitJoin.PREFILTER_MAX_ROWS;
  }
}
