package io.e2i.featurestore.bench;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.SecurityRegistry;
import io.e2i.featurestore.redis.RedisProcess;
import io.e2i.featurestore.server.FeatureServer;
import io.e2i.featurestore.server.ServerOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop HTTP load generator: sends requests at a fixed rate (each at its scheduled time, on one
 * of a few keep-alive connections) and reports latency percentiles measured from the
 * <em>scheduled</em> send time, so a stalled server shows up in the figures instead of slowing the
 * generator down (no coordinated omission).
 *
 * <pre>
 * java -cp benchmarks.jar io.e2i.featurestore.bench.LoadGenerator \
 *     --serve embedded:/tmp/fs-load [--online memory|redis://127.0.0.1:6379 [--near-cache true]] \
 *     --scenario online --rate 5000 --duration 30 --warmup 10
 * java -cp benchmarks.jar io.e2i.featurestore.bench.LoadGenerator --url http://127.0.0.1:8080 \
 *     --scenario batch --rate 12 --batch-size 10000 --duration 30 [--api-key KEY]
 * java -cp benchmarks.jar io.e2i.featurestore.bench.LoadGenerator --start-postgres true \
 *     --start-redis true --instances 2 --scenario online --rate 2000 --duration 30
 * </pre>
 *
 * Several servers: {@code --url} takes comma-separated base URLs, and {@code --serve} with {@code
 * --instances N} starts N servers, each with its own store over the same backends (PostgreSQL and
 * Redis: {@code --start-postgres true} and {@code --start-redis true} start a throwaway PostgreSQL
 * and redis-server for the run). Request {@code i} goes to base URL {@code i mod N}, so the load is
 * spread evenly; the setup (group, features, seed values) goes to the first.
 *
 * <p>Every request carries {@code Authorization: Bearer} with {@code --api-key}, else {@code
 * FS_API_KEY} from the environment. With {@code --serve}, {@code --auth true} creates an admin key
 * in the served store first, so the run measures the server with authentication on.
 *
 * <p>Scenarios: {@code online} reads one entity's 10 features (POST /api/v1/online-features),
 * cycling over {@code --entities} entities, so after warm-up every read is a cache hit; {@code
 * batch} writes {@code --batch-size} values per POST /api/v1/feature-values/batch.
 */
public final class LoadGenerator {
  private static final String GROUP = "load_test";

  private LoadGenerator() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = parse(args);
    HttpRawClient.apiKey(opt.getOrDefault("api-key", System.getenv("FS_API_KEY")));
    String scenario = opt.getOrDefault("scenario", "online");
    double rate = Double.parseDouble(opt.getOrDefault("rate", "5000"));
    int duration = Integer.parseInt(opt.getOrDefault("duration", "30"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "10"));
    int connections = Integer.parseInt(opt.getOrDefault("connections", "4"));
    int entities = Integer.parseInt(opt.getOrDefault("entities", "1000"));
    int features = Integer.parseInt(opt.getOrDefault("features", "10"));
    int batchSize = Integer.parseInt(opt.getOrDefault("batch-size", "10000"));

    List<AutoCloseable> started = new ArrayList<>(); // closed in reverse
    List<URI> bases = new ArrayList<>();
    try {
      if (opt.containsKey("serve") || opt.containsKey("start-postgres")) {
        FeatureStoreConfig config = serveConfig(opt, started);
        int instances = Integer.parseInt(opt.getOrDefault("instances", "1"));
        for (int i = 0; i < instances; i++) {
          FeatureStore store = FeatureStores.open(config);
          started.add(store);
          if (i == 0 && Boolean.parseBoolean(opt.getOrDefault("auth", "false"))) {
            String name = "load-" + Long.toHexString(System.nanoTime());
            HttpRawClient.apiKey(
                store.security().createKey(name, KeyScopes.all(), SecurityRegistry.LOCAL).secret());
            System.out.println("authentication on: API key '" + name + "' (admin '*')");
          }
          FeatureServer server =
              FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
          started.add(server::stop);
          bases.add(URI.create(server.url()));
        }
        System.out.println("serving " + config + " at " + bases);
      } else {
        for (String url : opt.getOrDefault("url", "http://127.0.0.1:8080").split(",")) {
          bases.add(URI.create(url.trim()));
        }
      }
      URI base = bases.get(0);
      setup(base, entities, features);
      if (bases.size() > 1) {
        Thread.sleep(1000); // registry changes reach the other instances within a second
      }
      List<byte[]> requests =
          switch (scenario) {
            case "online" -> onlineRequests(base, entities);
            case "batch" -> batchRequests(base, entities, features, batchSize);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
          };
      int valuesPerRequest = scenario.equals("batch") ? batchSize : 0;
      if (warmup > 0) {
        run(bases, requests, rate, warmup, connections);
      }
      Result r = run(bases, requests, rate, duration, connections);
      System.out.println(r.report(scenario, rate, valuesPerRequest));
      if (bases.size() > 1) {
        System.out.println("spread over " + bases.size() + " servers: " + bases);
      }
    } finally {
      for (AutoCloseable c : started.reversed()) {
        c.close();
      }
    }
  }

  /**
   * The served store's configuration: {@code --serve} and {@code --online}, or a PostgreSQL and a
   * redis-server started for the run ({@code --start-postgres}, {@code --start-redis}).
   */
  private static FeatureStoreConfig serveConfig(
      Map<String, String> opt, List<AutoCloseable> started) throws java.io.IOException {
    String offline = opt.get("serve");
    if (Boolean.parseBoolean(opt.getOrDefault("start-postgres", "false"))) {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
      started.add(pg);
      offline = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres";
    }
    String online = opt.getOrDefault("online", "memory");
    if (Boolean.parseBoolean(opt.getOrDefault("start-redis", "false"))) {
      RedisProcess redis = RedisProcess.startOrThrow();
      started.add(redis);
      online = redis.url();
    }
    if (offline == null) {
      throw new IllegalArgumentException("--serve URL or --start-postgres true is required");
    }
    return new FeatureStoreConfig(
        offline,
        online,
        null,
        null,
        Boolean.parseBoolean(opt.getOrDefault("near-cache", "false")),
        Map.of());
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      m.put(args[i].substring(2), args[++i]);
    }
    return m;
  }

  // ---------------------------------------------------------------- data

  private static void setup(URI base, int entities, int features) throws Exception {
    try (HttpRawClient c = new HttpRawClient(base)) {
      send(
          c,
          base,
          "/api/v1/feature-groups",
          "{\"name\":\"" + GROUP + "\",\"expected_update_frequency_hours\":24}");
      for (int f = 0; f < features; f++) {
        send(
            c,
            base,
            "/api/v1/feature-groups/" + GROUP + "/features",
            "{\"name\":\"f" + f + "\",\"value_type\":\"float64\",\"entity_keys\":[\"entity_id\"]}");
      }
      byte[] seed = batchBody(0, entities, features, entities * features, Instant.now());
      int status =
          c.exchange(HttpRawClient.request("POST", base, "/api/v1/feature-values/batch", seed));
      if (status != 201) {
        throw new IllegalStateException("seeding failed: HTTP " + status);
      }
    }
  }

  private static void send(HttpRawClient c, URI base, String path, String json) throws Exception {
    int status =
        c.exchange(
            HttpRawClient.request("POST", base, path, json.getBytes(StandardCharsets.UTF_8)));
    if (status != 201 && status != 200) {
      throw new IllegalStateException("POST " + path + " failed: HTTP " + status);
    }
  }

  private static List<byte[]> onlineRequests(URI base, int entities) {
    List<byte[]> out = new ArrayList<>(entities);
    for (int e = 0; e < entities; e++) {
      String body =
          "{\"entity_values\":{\"entity_id\":\"E" + e + "\"},\"feature_group\":\"" + GROUP + "\"}";
      out.add(
          HttpRawClient.request(
              "POST", base, "/api/v1/online-features", body.getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  /** Eight distinct batches (different entities and event times), sent in turn. */
  private static List<byte[]> batchRequests(URI base, int entities, int features, int size) {
    List<byte[]> out = new ArrayList<>();
    Instant t = Instant.now().minusSeconds(3600);
    for (int b = 0; b < 8; b++) {
      out.add(
          HttpRawClient.request(
              "POST",
              base,
              "/api/v1/feature-values/batch",
              batchBody(b * size, entities, features, size, t.plusSeconds(b))));
    }
    return out;
  }

  private static byte[] batchBody(int offset, int entities, int features, int size, Instant ts) {
    StringBuilder sb =
        new StringBuilder(size * 100)
            .append("{\"feature_group\":\"")
            .append(GROUP)
            .append("\",\"feature_values\":[");
    String time = ts.toString();
    for (int i = 0; i < size; i++) {
      int k = offset + i;
      sb.append(i == 0 ? "" : ",")
          .append("{\"feature_name\":\"f")
          .append(k % features)
          .append("\",\"entity_values\":{\"entity_id\":\"E")
          .append((k / features) % entities)
          .append("\"},\"value\":")
          .append((k % 1000) / 10.0)
          .append(",\"event_timestamp\":\"")
          .append(time)
          .append("\"}");
    }
    return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- the open loop

  record Result(long[] latenciesNanos, long errors, long elapsedNanos, int requests) {
    String report(String scenario, double rate, int valuesPerRequest) {
      long[] l = latenciesNanos;
      Arrays.sort(l);
      double seconds = elapsedNanos / 1e9;
      long ok = requests - errors;
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              Locale.ROOT,
              "scenario=%s target=%.1f req/s achieved=%.1f req/s requests=%d errors=%d%n",
              scenario,
              rate,
              requests / seconds,
              requests,
              errors));
      sb.append(
          String.format(
              Locale.ROOT,
              "latency ms: p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f",
              pct(l, 50),
              pct(l, 90),
              pct(l, 99),
              pct(l, 99.9),
              l[l.length - 1] / 1e6));
      if (valuesPerRequest > 0) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%nwrite throughput: %.0f values/s (%d values per request)",
                ok * (double) valuesPerRequest / seconds,
                valuesPerRequest));
      }
      return sb.toString();
    }

    private static double pct(long[] sorted, double p) {
      int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
  }

  static Result run(
      List<URI> bases, List<byte[]> requests, double rate, int seconds, int connections)
      throws InterruptedException {
    int total = (int) Math.round(rate * seconds);
    long[] latencies = new long[total];
    long[] errors = new long[connections];
    double interval = 1e9 / rate;
    long start = System.nanoTime() + 20_000_000L;
    Thread[] workers = new Thread[connections];
    for (int w = 0; w < connections; w++) {
      int worker = w;
      workers[w] =
          new Thread(
              () -> {
                // One keep-alive connection per server; request i goes to server i mod N.
                HttpRawClient[] clients = new HttpRawClient[bases.size()];
                for (int b = 0; b < clients.length; b++) {
                  clients[b] = new HttpRawClient(bases.get(b));
                }
                for (int i = worker; i < total; i += connections) {
                  HttpRawClient client = clients[i % clients.length];
                  long scheduled = start + (long) (i * interval);
                  long wait;
                  while ((wait = scheduled - System.nanoTime()) > 0) {
                    if (wait > 200_000) {
                      LockSupport.parkNanos(wait - 100_000);
                    } else {
                      Thread.onSpinWait();
                    }
                  }
                  int status;
                  try {
                    status = client.exchange(requests.get(i % requests.size()));
                  } catch (Exception e) {
                    status = -1;
                  }
                  latencies[i] = System.nanoTime() - scheduled;
                  if (status < 200 || status >= 300) {
                    errors[worker]++;
                  }
                }
                for (HttpRawClient c : clients) {
                  c.close();
                }
              },
              "load-" + w);
      workers[w].start();
    }
    for (Thread t : workers) {
      t.join();
    }
    long elapsed = System.nanoTime() - start;
    return new Result(latencies, Arrays.stream(errors).sum(), elapsed, total);
  }
}
