package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.pipelines.MaterializationScheduler;
import io.e2i.featurestore.server.FeatureServer;
import io.e2i.featurestore.server.SecurityOptions;
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
      paramLabel = "ADDRESS",
      description =
          "Address to bind (default: 0.0.0.0 when the store has API keys, else 127.0.0.1: without"
              + " keys anyone who can reach the server could read and write every feature).")
  @Nullable String host;

  @Option(
      names = "--insecure",
      description =
          "Allow binding a non-loopback --host although the store has no API keys (no"
              + " authentication at all).")
  boolean insecure;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "PEM certificate chain: serve HTTPS (with --tls-key) instead of HTTP.")
  @Nullable Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "PEM private key (PKCS#8, or PKCS#1 RSA), unencrypted.")
  @Nullable Path tlsKey;

  @Option(
      names = "--keyed-monitoring",
      description = "/health and /metrics need an API key too (default: open to anyone).")
  boolean keyedMonitoring;

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

  @Option(
      names = "--inline-reads",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Answer online reads that the memory holds (cache hits) in the I/O thread that received"
              + " them, writing without blocking; reads that need I/O go to the pool as other"
              + " requests do. Less CPU per read; on by default (plain HTTP only)."
              + " --no-inline-reads serves every request from the pool.")
  boolean inlineReads = true;

  @Option(
      names = "--no-scheduler",
      description =
          "Do not run scheduled materializations (each group's cron schedule or"
              + " expected_update_frequency_hours) in this server.")
  boolean noScheduler;

  @Option(
      names = "--scheduler-interval",
      paramLabel = "DURATION",
      defaultValue = "PT30S",
      description = "How often the scheduler looks for due groups (default: ${DEFAULT-VALUE}).")
  java.time.Duration schedulerInterval;

  @Override
  int execute() {
    if (port < 0 || port > 65535) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--port must be 0..65535, got " + port);
    }
    if (spineDir != null && !Files.isDirectory(spineDir)) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--spine-dir " + spineDir + " is not a folder");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    FeatureStore fs = openStore();
    FeatureServer server;
    String bind;
    try {
      boolean keys = fs.security().hasActiveKeys();
      bind = host != null ? host : keys ? "0.0.0.0" : "127.0.0.1";
      if (!keys) {
        announceNoKeys(bind);
      }
      server =
          FeatureServer.start(
              fs,
              ServerOptions.defaults(port)
                  .withHost(bind)
                  .withSqlSpines(allowSqlSpines)
                  .withSpineDir(spineDir)
                  .withInlineReads(inlineReads),
              SecurityOptions.defaults()
                  .withInsecure(insecure)
                  .withKeyedMonitoring(keyedMonitoring)
                  .withTls(tlsCert, tlsKey));
    } catch (RuntimeException e) {
      fs.close();
      throw e;
    }
    @Nullable MaterializationScheduler scheduler =
        noScheduler ? null : MaterializationScheduler.start(fs, schedulerInterval);
    CountDownLatch stopped = new CountDownLatch(1);
    // Ctrl-C / SIGTERM: finish in-flight requests, then close the store so nothing is lost.
    Runnable stopAll =
        () -> {
          try {
            if (scheduler != null) {
              scheduler.close(); // a run in progress is interrupted; its transaction rolls back
            }
            server.stop();
          } finally {
            fs.close();
            stopped.countDown();
          }
        };
    Thread shutdown = new Thread(stopAll, "featurestore-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    String scheme = tlsCert == null ? "http" : "https";
    String shown = bind.equals("0.0.0.0") || bind.equals("::") ? "localhost" : bind;
    out()
        .println(
            "featurestore serving on "
                + scheme
                + "://"
                + shown
                + ":"
                + server.port()
                + " (bound to "
                + bind
                + ", "
                + (server.keysRequired()
                    ? "API keys required"
                    : "no API keys: every caller may do everything")
                + ") with "
                + store.config(env()));
    out()
        .println(
            "  health: " + scheme + "://" + shown + ":" + server.port() + "/health   stop: Ctrl-C");
    out().flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // Run in-process (tests, embedding): stop as Ctrl-C would, on this thread.
      Runtime.getRuntime().removeShutdownHook(shutdown);
      stopAll.run();
      Thread.currentThread().interrupt();
    }
    return Main.EXIT_OK;
  }

  /** Says why a store without keys is served on loopback only, or warns when it is not. */
  private void announceNoKeys(String bind) {
    if (SecurityOptions.isLoopback(bind)) {
      out()
          .println(
              "no API keys in this store: listening on "
                  + bind
                  + " only, so only this machine can call (served to the network, anyone who"
                  + " reaches it could read and write every feature). Create a key with"
                  + " 'featurestore keys create --name NAME --admin \"*\"' and restart, or pass"
                  + " --host ADDRESS --insecure.");
    } else if (insecure) {
      err()
          .println(
              "WARNING: serving "
                  + bind
                  + " without API keys (--insecure): anyone who can reach it can read and write"
                  + " every feature.");
    }
  }
}
