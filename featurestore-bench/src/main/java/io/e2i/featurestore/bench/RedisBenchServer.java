package io.e2i.featurestore.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local redis-server for the Redis benchmarks: {@code FS_BENCH_REDIS_URL} if set, else the Linux
 * binary shipped in the embedded-redis jar, else {@code redis-server} from the PATH.
 */
final class RedisBenchServer implements AutoCloseable {
  private final Process process;
  final String url;

  private RedisBenchServer(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  static RedisBenchServer start() {
    String external = System.getenv("FS_BENCH_REDIS_URL");
    if (external != null && !external.isBlank()) {
      return new RedisBenchServer(null, external);
    }
    try {
      String binary = binary();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process p =
          new ProcessBuilder(
                  List.of(
                      binary,
                      "--port",
                      "" + port,
                      "--bind",
                      "127.0.0.1",
                      "--save",
                      "",
                      "--appendonly",
                      "no"))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectErrorStream(true)
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return new RedisBenchServer(p, "redis://127.0.0.1:" + port);
        } catch (IOException e) {
          Thread.sleep(20);
        }
      }
      p.destroyForcibly();
      throw new IllegalStateException("redis-server did not start");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String binary() throws IOException {
    try (InputStream in =
        RedisBenchServer.class
            .getClassLoader()
            .getResourceAsStream("redis-server-6.2.6-v5-linux-amd64")) {
      if (in != null && System.getProperty("os.name").toLowerCase().contains("linux")) {
        Path file = Files.createTempFile("redis-server", "");
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        file.toFile().setExecutable(true);
        file.toFile().deleteOnExit();
        return file.toString();
      }
    }
    return "redis-server";
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroyForcibly();
    }
  }
}
