package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.server.FeatureServer;
import io.e2i.featurestore.server.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    mixinStandardHelpOptions = true,
    name = "serve",
    description = "Starts the HTTP feature server on the configured store; stops on Ctrl-C.")
final class ServeCommand extends BaseCommand {

  @Option(
      names = "--port",
      defaultValue = "8080",
      paramLabel = "PORT",
      description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "0.0.0.0",
      paramLabel = "ADDRESS",
      description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--allow-sql-spines",
      description =
          "Accept SQL spines in POST /api/v1/training-data. They run on the offline store with the"
              + " server's credentials: enable only behind authentication.")
  boolean allowSqlSpines;

  @Option(
      names = "--spine-dir",
      paramLabel = "DIR",
      description =
          "Accept CSV/Parquet file spines in POST /api/v1/training-data from this folder only"
              + " (default: no file spines over HTTP).")
  @Nullable Path spineDir;

  @Override
  int execute() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--port must be 0..65535, got " + port);
    }
    if (spineDir != null && !Files.isDirectory(spineDir)) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--spine-dir " + spineDir + " is not a folder");
    }
    FeatureStore fs = openStore();
    FeatureServer server;
    try {
      server =
          FeatureServer.start(
              fs,
              ServerOptions.defaults(port)
                  .withHost(host)
                  .withSqlSpines(allowSqlSpines)
                  .withSpineDir(spineDir));
    } catch (RuntimeException e) {
      fs.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // Ctrl-C / SIGTERM: finish in-flight requests, then close the store so nothing is lost.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.stop();
                  } finally {
                    fs.close();
                    stopped.countDown();
                  }
                },
                "featurestore-shutdown"));
    out()
        .println(
            "featurestore serving on http://localhost:"
                + server.port()
                + " with "
                + store.config(env()));
    out().println("  health: http://localhost:" + server.port() + "/health   stop: Ctrl-C");
    out().flush();
    stopped.await();
    return Main.EXIT_OK;
  }
}
