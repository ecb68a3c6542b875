package io.e2i.featurestore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.redis.RedisProcess;
import io.e2i.featurestore.server.FeatureServer;
import io.e2i.featurestore.server.ServerOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded soak of the production shape: two feature servers over one PostgreSQL and one Redis,
 * mixed single and batch writes and online reads spread over both, while Redis is killed and
 * restarted with its data, Redis is frozen (SIGSTOP) for 5 s, and PostgreSQL is restarted. It
 * checks the two promises: every acknowledged write is readable afterwards (online and in history),
 * and no read returns a value older than a write acknowledged before the read was sent. Exits 1 if
 * either fails.
 *
 * <pre>
 * java -cp featurestore-bench/target/benchmarks.jar io.e2i.featurestore.bench.Soak --minutes 10
 * </pre>
 *
 * Each entity's values are its write counter (event time = counter seconds), so the value a read
 * returns tells which write it reflects.
 */
public final class Soak {
  private static final String GROUP = "soak";
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int entities;
  private final AtomicLongArray next; // per entity: the next counter to write
  private final AtomicLongArray acked; // per entity: the highest acknowledged counter
  private final Map<Integer, java.util.Set<Long>> ackedValues = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final List<String> staleSamples = new ArrayList<>();
  private final LongAdder stale = new LongAdder();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<String> servers = new ArrayList<>();

  private Soak(int entities) {
    this.entities = entities;
    this.next = new AtomicLongArray(entities);
    this.acked = new AtomicLongArray(entities);
    for (int e = 0; e < entities; e++) {
      acked.set(e, -1);
    }
  }

  public static void main(String[] args) throws Exception {
    double minutes = 10;
    int entities = 200;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--minutes" -> minutes = Double.parseDouble(args[i + 1]);
        case "--entities" -> entities = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.exit(new Soak(entities).run(Duration.ofMillis((long) (minutes * 60_000))) ? 0 : 1);
  }

  private boolean run(Duration length) throws Exception {
    Path pgDir = Files.createTempDirectory("fs-soak-pg");
    int pgPort = freePort();
    EmbeddedPostgres pg = startPostgres(pgDir, pgPort);
    RedisProcess redis = RedisProcess.startOrThrow();
    String pgUrl = "postgresql://postgres@localhost:" + pgPort + "/postgres";
    Map<String, String> options =
        Map.of("redis_timeout_ms", "100", "connect_timeout_ms", "1000", "pool_size", "8");
    FeatureStoreConfig config =
        new FeatureStoreConfig(pgUrl, redis.url(), null, null, false, options);
    FeatureStore first = FeatureStores.open(config);
    first.createFeatureGroup(FeatureGroup.builder(GROUP).build());
    first.createFeature(new FeatureSpec(GROUP, "n", ValueType.INT64, List.of("id")));
    // The second instance opens after the group exists (written before issue 15; an instance now
    // sees another's registry changes within a second either way).
    List<FeatureStore> stores = List.of(first, FeatureStores.open(config));
    List<FeatureServer> running = new ArrayList<>();
    for (FeatureStore s : stores) {
      FeatureServer server =
          FeatureServer.start(s, ServerOptions.defaults(0).withHost("127.0.0.1"));
      running.add(server);
      servers.add("http://127.0.0.1:" + server.port());
    }
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      int writer = w;
      workers.add(Thread.ofPlatform().name("soak-writer-" + w).start(() -> writeLoop(writer, 4)));
    }
    for (int r = 0; r < 4; r++) {
      workers.add(Thread.ofPlatform().name("soak-reader-" + r).start(this::readLoop));
    }
    long start = System.nanoTime();
    try {
      pg = chaos(length, start, redis, pgDir, pgPort, pg);
    } finally {
      stop.set(true);
      for (Thread t : workers) {
        t.join();
      }
    }
    boolean ok = verify();
    report(Duration.ofNanos(System.nanoTime() - start));
    running.forEach(FeatureServer::stop);
    stores.forEach(FeatureStore::close);
    redis.close();
    pg.close();
    return ok;
  }

  /** The faults, at fixed fractions of the run, each followed by recovery. */
  private EmbeddedPostgres chaos(
      Duration length, long start, RedisProcess redis, Path pgDir, int pgPort, EmbeddedPostgres pg)
      throws Exception {
    sleepUntil(start, length.multipliedBy(20).dividedBy(100));
    log("Redis: SAVE, kill, restart with its data in 10 s");
    saveRedis(redis);
    redis.stop();
    Thread.sleep(10_000);
    redis.startAgain();
    sleepUntil(start, length.multipliedBy(45).dividedBy(100));
    log("Redis: frozen (SIGSTOP) for 5 s");
    redis.pause();
    Thread.sleep(5_000);
    redis.resume();
    sleepUntil(start, length.multipliedBy(70).dividedBy(100));
    log("PostgreSQL: stopped, started again in 5 s");
    pg.close();
    Thread.sleep(5_000);
    EmbeddedPostgres restarted = startPostgres(pgDir, pgPort);
    sleepUntil(start, length);
    return restarted;
  }

  private void writeLoop(int writer, int writers) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    while (!stop.get()) {
      if (rnd.nextInt(10) == 0) {
        List<Integer> batch = new ArrayList<>();
        for (int e = writer; e < entities && batch.size() < 20; e += writers * rnd.nextInt(1, 4)) {
          batch.add(e);
        }
        writeBatch(batch);
      } else {
        int e = writer + writers * rnd.nextInt(entities / writers);
        writeBatch(List.of(e));
      }
    }
  }

  /** One request writing the next counter of each entity; on 2xx every one is acknowledged. */
  private void writeBatch(List<Integer> batchEntities) {
    Map<Integer, Long> values = new TreeMap<>();
    StringBuilder body = new StringBuilder("{\"feature_values\":[");
    for (int e : batchEntities) {
      long v = next.getAndIncrement(e);
      values.put(e, v);
      if (body.charAt(body.length() - 1) != '[') {
        body.append(',');
      }
      body.append(valueJson(e, v));
    }
    body.append("]}");
    String path =
        batchEntities.size() == 1 ? "/api/v1/feature-values" : "/api/v1/feature-values/batch";
    String json =
        batchEntities.size() == 1
            ? valueJson(batchEntities.getFirst(), values.values().iterator().next())
            : body.toString();
    HttpResponse<String> answer = post(path, json);
    if (answer != null && answer.statusCode() / 100 == 2) {
      values.forEach(
          (e, v) -> {
            acked.accumulateAndGet(e, v, Math::max);
            ackedValues.computeIfAbsent(e, k -> ConcurrentHashMap.newKeySet()).add(v);
          });
    }
  }

  private static String valueJson(int e, long v) {
    return "{\"feature_name\":\"n\",\"feature_group\":\""
        + GROUP
        + "\",\"entity_values\":{\"id\":\"E"
        + e
        + "\"},\"value\":"
        + v
        + ",\"event_timestamp\":\""
        + T0.plusSeconds(v)
        + "\"}";
  }

  private void readLoop() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    while (!stop.get()) {
      int e = rnd.nextInt(entities);
      long floor = acked.get(e); // acknowledged before this read is sent
      Long value = readOnline(e, true);
      if (value != null && value < floor || value == null && floor >= 0 && lastRead.get()) {
        stale.increment();
        synchronized (staleSamples) {
          if (staleSamples.size() < 10) {
            staleSamples.add("E" + e + ": read " + value + " after " + floor + " was acknowledged");
          }
        }
      }
    }
  }

  /** Whether the last read answered 200 (a failed read is not a stale read). */
  private final ThreadLocal<Boolean> lastRead = ThreadLocal.withInitial(() -> false);

  private Long readOnline(int e, boolean useCache) {
    String body =
        "{\"entity_values\":{\"id\":\"E"
            + e
            + "\"},\"feature_group\":\""
            + GROUP
            + "\",\"use_cache\":"
            + useCache
            + "}";
    HttpResponse<String> answer = post("/api/v1/online-features", body);
    lastRead.set(answer != null && answer.statusCode() == 200);
    if (!lastRead.get()) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(answer.body()).path("features").path("n");
      return n.isMissingNode() || n.isNull() ? null : n.asLong();
    } catch (IOException ex) {
      count("bad_json");
      return null;
    }
  }

  /** Every stored value of an entity, from either server (null when the call failed). */
  private java.util.@org.jspecify.annotations.Nullable Set<Long> history(int e) {
    HttpResponse<String> answer =
        post(
            "/api/v1/historical-features",
            "{\"entity_values\":{\"id\":\"E" + e + "\"},\"feature_names\":[\"" + GROUP + ":n\"]}");
    if (answer == null || answer.statusCode() != 200) {
      return null;
    }
    try {
      java.util.Set<Long> values = new java.util.HashSet<>();
      JSON.readTree(answer.body())
          .path("records")
          .forEach(r -> values.add(r.path("value").asLong()));
      return values;
    } catch (IOException ex) {
      return null;
    }
  }

  private HttpResponse<String> post(String path, String body) {
    String base = servers.get(ThreadLocalRandom.current().nextInt(servers.size()));
    String kind =
        path.endsWith("online-features")
            ? "read"
            : path.endsWith("historical-features") ? "history" : "write";
    try {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .timeout(Duration.ofSeconds(10))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      count(kind + "_" + answer.statusCode());
      return answer;
    } catch (IOException ex) {
      count(kind + "_io_error");
      return null;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** After the load: every entity reads its highest acknowledged counter or a later one. */
  private boolean verify() throws InterruptedException {
    Thread.sleep(1_000);
    long lost = 0;
    List<String> samples = new ArrayList<>();
    for (int e = 0; e < entities; e++) {
      long want = acked.get(e);
      if (want < 0) {
        continue;
      }
      for (boolean cache : List.of(true, false)) {
        Long got = readOnline(e, cache);
        if (got == null || got < want) {
          lost++;
          if (samples.size() < 10) {
            samples.add("E" + e + " (cache " + cache + "): " + got + " < acknowledged " + want);
          }
        }
      }
    }
    for (Map.Entry<Integer, java.util.Set<Long>> entry : ackedValues.entrySet()) {
      java.util.Set<Long> stored = history(entry.getKey());
      for (long v : entry.getValue()) {
        if (stored == null || !stored.contains(v)) {
          lost++;
          if (samples.size() < 10) {
            samples.add("E" + entry.getKey() + ": acknowledged value " + v + " not in history");
          }
        }
      }
    }
    counts.computeIfAbsent("verify_lost", k -> new LongAdder()).add(lost);
    samples.forEach(s -> log("LOST " + s));
    staleSamples.forEach(s -> log("STALE " + s));
    return lost == 0 && stale.sum() == 0;
  }

  private void report(Duration took) {
    long acknowledged = 0;
    for (int e = 0; e < entities; e++) {
      acknowledged += acked.get(e) + 1;
    }
    log("soak took " + took.toSeconds() + " s over " + entities + " entities, 2 servers");
    new TreeMap<>(counts).forEach((k, v) -> log(String.format("  %-20s %,d", k, v.sum())));
    log(String.format("  %-20s %,d", "acknowledged_values", acknowledged));
    log(String.format("  %-20s %,d", "stale_reads", stale.sum()));
  }

  private void count(String kind) {
    counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  private static void saveRedis(RedisProcess redis) {
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.url());
    try (var c = client.connect()) {
      c.sync().save();
    } finally {
      client.shutdown();
    }
  }

  private static EmbeddedPostgres startPostgres(Path dir, int port) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setServerConfig("synchronous_commit", "on") // acknowledged must mean flushed
        .start();
  }

  private static void sleepUntil(long start, Duration offset) throws InterruptedException {
    long wait = start + offset.toNanos() - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(Duration.ofNanos(wait));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void log(String line) {
    System.out.println(Instant.now() + " " + line);
  }
}
