package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.OnlineCache;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.testing.GatedOfflineStore;
import io.e2i.featurestore.testing.GatedOfflineStore.Pause;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Monotonic reads across cached and uncached reads while a write is in flight: once any read has
 * returned a write's value, no later read (any thread, cache or not) returns an older one. Each
 * test holds a write and a read at the points where they race ({@link GatedOfflineStore}), so the
 * race happens every run. Each cache module extends this class with its cache.
 */
public abstract class MonotonicReadsContract {
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  private static final Map<String, String> HCP = Map.of("hcp_id", "H1");

  /** The pieces of the store under test; the registry and offline store on empty state. */
  public record Parts(Registry registry, OfflineStore offline, OnlineCache cache) {}

  protected abstract Parts parts();

  private GatedOfflineStore gate;
  private FeatureStore store;
  private ExecutorService pool;

  @BeforeEach
  void openStore() {
    Parts parts = parts();
    gate = new GatedOfflineStore(parts.offline());
    store =
        FeatureStores.builder()
            .registry(parts.registry())
            .offlineStore(gate.store())
            .onlineCache(parts.cache())
            .build();
    store.createFeatureGroup(FeatureGroup.builder("hcp").build());
    store.createFeature(new FeatureSpec("hcp", "trx", ValueType.INT64, List.of("hcp_id")));
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void closeStore() {
    pool.shutdownNow();
    store.close();
  }

  private void write(long value) {
    store.writeFeatureValue(new FeatureWrite("trx", HCP, value, T0.plusSeconds(value), "hcp"));
  }

  private Object read(boolean cache) {
    return store
        .getEntityFeatures(new OnlineRequest(HCP, "hcp", List.of("trx"), cache, null))
        .features()
        .get("trx");
  }

  private Future<?> inThread(Runnable r) {
    return pool.submit(r);
  }

  private static void reached(Pause p) {
    assertThat(p.awaitReached()).as("the paused call got there").isTrue();
  }

  /** A reader saw 12 without the cache, then 11 from it (the cache still held the old entry). */
  @Test
  void aCachedReadAfterAnUncachedOneWhileTheWriteIsInFlightIsNotOlder() throws Exception {
    write(11);
    assertThat(read(true)).isEqualTo(11L);
    assertThat(read(true)).isEqualTo(11L); // cached now
    Pause visible = gate.pauseAfterNextWrite();
    Future<?> writer = inThread(() -> write(12));
    reached(visible); // 12 is in the store, the write not yet acknowledged
    try {
      assertThat(read(false)).isEqualTo(12L);
      assertThat(read(true)).as("cached read after 12 was read").isEqualTo(12L);
    } finally {
      visible.release();
    }
    writer.get(10, TimeUnit.SECONDS);
    assertThat(read(true)).isEqualTo(12L);
  }

  /**
   * A read that loaded 11 before the write's rows were visible puts it into the cache after they
   * are, before the write returned: the fill must be refused.
   */
  @Test
  void aFillThatLoadedBeforeTheRowsWereVisibleIsNotCachedWhileTheWriteIsInFlight()
      throws Exception {
    write(11);
    Pause visible = gate.pauseAfterNextWrite();
    Future<?> writer;
    Future<Object> reader;
    try {
      Pause loaded = gate.pauseAfterNextLoad();
      reader = pool.submit(this::pausedLoad);
      reached(loaded); // the reader took the generation and read 11
      writer = inThread(() -> write(12));
      reached(visible);
      loaded.release(); // its put comes now, while 12 is visible and the write in flight
      assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(11L); // began before 12 was there
      assertThat(read(false)).isEqualTo(12L);
      assertThat(read(true)).as("cached read after 12 was read").isEqualTo(12L);
    } finally {
      visible.release();
    }
    writer.get(10, TimeUnit.SECONDS);
    assertThat(read(true)).isEqualTo(12L);
  }

  /**
   * A read that missed after the write began (its generation taken after the first invalidation)
   * loads 11 before the rows are visible and puts it while they are: the write's mark must refuse
   * it, not only the generation.
   */
  @Test
  void aFillThatBeganDuringTheWriteIsNotCachedWhileTheWriteIsInFlight() throws Exception {
    write(11); // not cached: the reader below misses, with or without the write's invalidation
    Pause begun = gate.pauseBeforeNextWrite();
    Pause visible = gate.pauseAfterNextWrite();
    Future<?> writer = inThread(() -> write(12));
    Future<Object> reader;
    try {
      reached(begun); // invalidated, rows not yet in the store
      Pause loaded = gate.pauseAfterNextLoad();
      reader = pool.submit(this::pausedLoad);
      reached(loaded); // generation taken during the write, 11 read
      begun.release();
      reached(visible);
      loaded.release();
      assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(11L);
      assertThat(read(false)).isEqualTo(12L);
      assertThat(read(true)).as("cached read after 12 was read").isEqualTo(12L);
    } finally {
      begun.release();
      visible.release();
    }
    writer.get(10, TimeUnit.SECONDS);
    assertThat(read(true)).isEqualTo(12L);
  }

  /**
   * The same fill put only after the write was acknowledged: the write's second invalidation must
   * refuse it (read-your-writes).
   */
  @Test
  void aFillThatBeganDuringTheWriteIsNotCachedAfterIt() throws Exception {
    write(11);
    Pause begun = gate.pauseBeforeNextWrite();
    Future<?> writer = inThread(() -> write(12));
    Future<Object> reader;
    try {
      reached(begun);
      Pause loaded = gate.pauseAfterNextLoad();
      reader = pool.submit(this::pausedLoad);
      reached(loaded);
      begun.release();
      writer.get(10, TimeUnit.SECONDS); // acknowledged
      loaded.release();
      assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(11L);
    } finally {
      begun.release();
    }
    assertThat(read(true)).as("cached read after 12 was acknowledged").isEqualTo(12L);
    assertThat(read(true)).isEqualTo(12L);
  }

  /** A cached read whose load of the latest values stops at the armed pause. */
  private Object pausedLoad() {
    gate.loadsOf(Thread.currentThread());
    return read(true);
  }
}
