package io.e2i.featurestore.bench;

import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an on-demand feature adds to an embedded cache hit (issue 13): {@code stored} reads a group
 * of two stored features; {@code onDemand} reads a group with the same two stored features and a
 * CEL feature over them ({@code trx == 0 ? 0.0 : double(nrx) / double(trx)}), for 1,000 warmed
 * entities. The difference of the two is the overhead.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx2g"})
@State(Scope.Benchmark)
public class OnDemandReadBenchmark {
  private static final int ENTITIES = 1000;
  private Path dir;
  private FeatureStore store;
  private List<Map<String, String>> keys;

  @Setup(Level.Trial)
  public void setUp() {
    dir = EmbeddedBenchData.tempDir();
    store = EmbeddedFeatureStore.open(dir);
    for (String g : new String[] {"stored", "on_demand"}) {
      store.createFeatureGroup(FeatureGroup.builder(g).build());
      store.createFeature(
          FeatureSpec.builder(g, "trx").valueType("int64").entityKeys("hcp_id").build());
      store.createFeature(
          FeatureSpec.builder(g, "nrx").valueType("int64").entityKeys("hcp_id").build());
    }
    store.createFeature(
        FeatureSpec.builder("on_demand", "nrx_share")
            .valueType("float64")
            .entityKeys("hcp_id")
            .expression("trx == 0 ? 0.0 : double(nrx) / double(trx)")
            .build());
    List<FeatureWrite> writes = new ArrayList<>();
    keys = new ArrayList<>();
    Instant now = Instant.now();
    for (int i = 0; i < ENTITIES; i++) {
      Map<String, String> key = Map.of("hcp_id", "H" + i);
      keys.add(key);
      for (String g : new String[] {"stored", "on_demand"}) {
        writes.add(new FeatureWrite("trx", key, 10L + i, now, g));
        writes.add(new FeatureWrite("nrx", key, (long) i % 7, now, g));
      }
    }
    store.writeBatchFeatures(writes);
    for (Map<String, String> key : keys) {
      store.getEntityFeatures(key, "stored");
      store.getEntityFeatures(key, "on_demand");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    EmbeddedBenchData.delete(dir);
  }

  private Map<String, String> key() {
    return keys.get(ThreadLocalRandom.current().nextInt(ENTITIES));
  }

  @Benchmark
  public EntityFeatures stored() {
    return store.getEntityFeatures(key(), "stored");
  }

  @Benchmark
  public EntityFeatures onDemand() {
    return store.getEntityFeatures(key(), "on_demand");
  }
}
