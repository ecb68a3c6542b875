package io.e2i.featurestore.redis;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * A real redis-server for tests and benchmarks: the Linux binary shipped in the embedded-redis jar,
 * or else a {@code redis-server} on the PATH. Each instance has its own port and data directory, so
 * it can be stopped and started again with its data (SAVE before stop) to play an outage.
 *
 * <p>Shared through this module's test-jar. {@link #start()} skips the calling JUnit test if no
 * redis-server runs here; {@link #startOrThrow()} needs no JUnit on the class path (benchmarks).
 */
public final class RedisProcess implements AutoCloseable {
  private static final String EMBEDDED = "redis-server-6.2.6-v5-linux-amd64";
  private static @Nullable Path binary;
  private static @Nullable String unavailable;

  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private @Nullable Process process;

  private RedisProcess(int port, Path dir, List<String> extraArgs) {
    this.port = port;
    this.dir = dir;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** Skips the calling JUnit test if no redis-server can run here. */
  public static void assumeAvailable() {
    Assumptions.assumeTrue(binary() != null, () -> "no Redis available, skipping: " + unavailable);
  }

  /** Starts a fresh Redis, or skips the calling test if no redis-server can run here. */
  public static RedisProcess start() {
    Assumptions.assumeTrue(binary() != null, () -> "no Redis available, skipping: " + unavailable);
    return startOrThrow();
  }

  /**
   * Starts a fresh Redis; needs no JUnit.
   *
   * @throws IllegalStateException if no redis-server can run here (the message says why) or it does
   *     not start
   */
  public static RedisProcess startOrThrow() {
    return startOrThrow(List.of());
  }

  /**
   * Starts a fresh Redis with extra {@code redis-server} arguments (e.g. {@code --requirepass},
   * {@code --tls-port}), or skips the calling test if no redis-server can run here.
   */
  public static RedisProcess start(List<String> extraArgs) {
    Assumptions.assumeTrue(binary() != null, () -> "no Redis available, skipping: " + unavailable);
    return startOrThrow(extraArgs);
  }

  /** Starts a fresh Redis with extra arguments; needs no JUnit (benchmarks). */
  public static RedisProcess startOrThrow(List<String> extraArgs) {
    if (binary() == null) {
      throw new IllegalStateException("no Redis available: " + unavailable);
    }
    try {
      RedisProcess redis =
          new RedisProcess(
              extraArgs.contains("--cluster-enabled") ? freeClusterPort() : freePort(),
              Files.createTempDirectory("fs-redis"),
              extraArgs);
      redis.startAgain();
      return redis;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Starts on the same port and directory, loading the last SAVEd data. */
  public void startAgain() {
    Path bin = binary;
    if (bin == null) {
      throw new IllegalStateException("no Redis available: " + unavailable);
    }
    List<String> cmd = new ArrayList<>(List.of(bin.toString(), "--port", "" + port));
    cmd.addAll(List.of("--bind", "127.0.0.1", "--dir", dir.toString(), "--save", ""));
    cmd.addAll(List.of("--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"));
    cmd.addAll(extraArgs);
    try {
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + bin, e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        sleep(20);
      }
    }
    stop();
    throw new IllegalStateException("redis-server did not listen on " + port + " in 10 s");
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open, nothing is answered, data and run id are
   * kept; {@link #resume()} lets it go on. A pause, a long GC-like stall or a VM freeze, as opposed
   * to a crash.
   */
  public void pause() {
    signal("STOP");
  }

  /** Lets a {@link #pause() paused} server go on (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException("redis-server is not running");
    }
    try {
      int exit =
          new ProcessBuilder("kill", "-" + name, Long.toString(p.pid()))
              .inheritIO()
              .start()
              .waitFor();
      if (exit != 0) {
        throw new IllegalStateException("kill -" + name + " exited " + exit);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot signal redis-server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills the server (no save): clients see their connections drop. */
  public void stop() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Kills the server and deletes its data directory. */
  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind
    }
  }

  private static synchronized @Nullable Path binary() {
    if (binary != null || unavailable != null) {
      return binary;
    }
    List<String> tried = new ArrayList<>();
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
      try (InputStream in = RedisProcess.class.getClassLoader().getResourceAsStream(EMBEDDED)) {
        if (in != null) {
          Path file = Files.createTempFile("redis-server", "");
          Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
          file.toFile().setExecutable(true);
          file.toFile().deleteOnExit();
          if (runs(file)) {
            return binary = file;
          }
          tried.add("embedded " + EMBEDDED + " does not run here");
        } else {
          tried.add("embedded-redis jar not on the class path");
        }
      } catch (IOException e) {
        tried.add("embedded binary: " + e);
      }
    } else {
      tried.add("no embedded binary for " + os + "/" + arch);
    }
    for (String p : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(p, "redis-server");
      if (Files.isExecutable(candidate) && runs(candidate)) {
        return binary = candidate;
      }
    }
    tried.add("no redis-server on PATH (apt-get install redis-server)");
    unavailable = String.join("; ", tried);
    return null;
  }

  private static boolean runs(Path bin) {
    try {
      Process p = new ProcessBuilder(bin.toString(), "--version").redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A free TCP port on loopback, e.g. for {@code --tls-port}. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * A port that is free, and so is the port 10,000 above it (Redis Cluster's bus port). Both are
   * below the kernel's ephemeral range (32768 up), where a busy machine's outgoing connections
   * would often hold the bus port of a port picked by the kernel.
   */
  static int freeClusterPort() throws IOException {
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = random.nextInt(12_000, 22_000);
      try (ServerSocket s = new ServerSocket(port);
          ServerSocket bus = new ServerSocket(port + 10_000)) {
        return port;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no free port pair (port, port + 10000) found for a cluster node");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
