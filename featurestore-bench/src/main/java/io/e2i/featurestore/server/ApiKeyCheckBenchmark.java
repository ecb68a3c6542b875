package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.SecurityRegistry;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What API keys add to each request, without HTTP around it: {@code authenticate} checks the {@code
 * Authorization} header against the in-memory keys (id lookup, SHA-256, constant-time compare, use
 * count); {@code authenticateAndAuthorize} also runs the handler as the key's principal and checks
 * a read scope on a group, as {@link GuardedStore} does for an online read. The keys (created in a
 * real embedded store) number {@code keys}. Target: p99 below 10 us.
 *
 * <p>In the server's package (of this bench module) because the checker is package-private.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH sets the fields up in setUp()
public class ApiKeyCheckBenchmark {

  @Param({"100"})
  int keys;

  private Path dir;
  private FeatureStore store;
  private ApiKeyAuth auth;
  private String header;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("fs-bench-keys");
    store = EmbeddedFeatureStore.open(dir);
    SecurityRegistry security = store.security();
    String secret = "";
    for (int i = 0; i < keys; i++) {
      secret =
          security
              .createKey(
                  "key-" + i,
                  new KeyScopes(List.of("hcp_*", "brand_*"), List.of("hcp_targeting"), List.of()),
                  SecurityRegistry.LOCAL)
              .secret();
    }
    auth = new ApiKeyAuth(security, SecurityOptions.defaults());
    header = "Bearer " + secret;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    auth.close();
    store.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(f -> f.delete());
    }
  }

  @Benchmark
  public Principal authenticate() {
    return auth.authenticate(header);
  }

  @Benchmark
  public boolean authenticateAndAuthorize() throws Exception {
    Principal p = auth.authenticate(header);
    return p.runAs(
        "get_entity_features",
        () -> {
          Principal.current().require(KeyScopes.Scope.READ, "hcp_targeting");
          return Boolean.TRUE;
        });
  }
}
