package io.e2i.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** EventTimes against a plain list, through many merges of its buffers. */
class EventTimesTest {

  @Test
  void countsMatchAListThroughAddsReplacesAndMerges() {
    Random rnd = new Random(15);
    EventTimes times = new EventTimes();
    List<Long> oracle = new ArrayList<>(); // one event time per entity
    long max = Long.MIN_VALUE;
    assertThat(times.size()).isZero();
    assertThat(times.max()).isEqualTo(Long.MIN_VALUE);
    for (int step = 0; step < 300_000; step++) {
      // Few distinct times (daily values share one) and many (live writes): both occur.
      long t = rnd.nextBoolean() ? rnd.nextInt(20) * 1_000L : rnd.nextInt(5_000_000);
      if (oracle.isEmpty() || rnd.nextInt(3) == 0) {
        times.add(t);
        oracle.add(t);
      } else {
        int i = rnd.nextInt(oracle.size());
        long from = oracle.get(i);
        long to = rnd.nextInt(4) == 0 ? from : Math.max(from, t); // same time, or later
        times.replace(from, to);
        oracle.set(i, to);
        t = to;
      }
      max = Math.max(max, t);
      if (step % 9_973 == 0 || step > 299_900) {
        assertSame(times, oracle, rnd);
        assertThat(times.max()).isEqualTo(max);
      }
    }
  }

  private static void assertSame(EventTimes times, List<Long> oracle, Random rnd) {
    assertThat(times.size()).isEqualTo(oracle.size());
    List<Long> probes = new ArrayList<>(List.of(Long.MIN_VALUE, 0L, 1_000L, 19_000L, 19_001L));
    for (int i = 0; i < 20; i++) {
      probes.add(oracle.get(rnd.nextInt(oracle.size())));
      probes.add((long) rnd.nextInt(5_100_000));
    }
    for (long p : probes) {
      assertThat(times.countBefore(p))
          .as("before %d", p)
          .isEqualTo(oracle.stream().filter(v -> v < p).count());
    }
  }
}
