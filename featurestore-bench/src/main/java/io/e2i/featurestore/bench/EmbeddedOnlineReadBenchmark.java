package io.e2i.featurestore.bench;

import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.OnlineRequest;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * get_entity_features of 10 features through the FeatureStore facade on the embedded store holding
 * {@code entities} x 10 values. {@code miss}: use_cache=false, every read goes to the offline store
 * (target < 1 ms). {@code hit}: use_cache=true over a warmed hot set (target p99 < 5 us).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx4g"})
@State(Scope.Benchmark)
public class EmbeddedOnlineReadBenchmark {

  @Param({"100000"})
  int entities;

  private static final int HOT = 1000;
  private Path dir;
  private FeatureStore store;
  private List<Map<String, String>> keys;

  @Setup(Level.Trial)
  public void setUp() {
    dir = EmbeddedBenchData.tempDir();
    store = EmbeddedFeatureStore.open(dir);
    EmbeddedBenchData.define(store);
    Instant ts = Instant.now();
    int total = entities * EmbeddedBenchData.FEATURES;
    for (int done = 0; done < total; done += 100_000) {
      store.writeBatchFeatures(
          EmbeddedBenchData.writes(
              done / EmbeddedBenchData.FEATURES, Math.min(100_000, total - done), ts));
    }
    keys =
        java.util.stream.IntStream.range(0, entities)
            .mapToObj(i -> Map.of("hcp_id", "HCP" + i))
            .toList();
    for (int i = 0; i < HOT; i++) {
      store.getEntityFeatures(request(i, true));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    EmbeddedBenchData.delete(dir);
  }

  private OnlineRequest request(int entity, boolean useCache) {
    return new OnlineRequest(keys.get(entity), EmbeddedBenchData.GROUP, List.of(), useCache, null);
  }

  @Benchmark
  public EntityFeatures miss() {
    return store.getEntityFeatures(request(ThreadLocalRandom.current().nextInt(entities), false));
  }

  @Benchmark
  public EntityFeatures hit() {
    return store.getEntityFeatures(request(ThreadLocalRandom.current().nextInt(HOT), true));
  }
}
