package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The bounded wait of a short-lived command (apply, demo, stats) for its MLflow tracking. Tracking
 * is queued and sent by a background worker; without this wait the process would exit with the
 * queue unsent, and the experiments and runs would appear only when a later process replays it. The
 * wait is shown on stderr and never fails the command: what is left stays queued on disk.
 *
 * <p>Use: {@code try (FeatureStore fs = openStore(); var tracked = trackingWait.on(fs, ...))}, so
 * the wait runs when the command's work is done and before the store closes.
 */
final class TrackingWait {
  static final String ENV = "FS_TRACKING_DRAIN_SECONDS";
  static final long DEFAULT_SECONDS = 30;

  /** How often a long wait reports that it is still waiting. */
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

  @Option(
      names = "--tracking-drain-seconds",
      paramLabel = "N",
      description =
          "Before exiting, wait up to N seconds for queued MLflow tracking to reach the server"
              + " (default 30, or FS_TRACKING_DRAIN_SECONDS; 0: do not wait). What is left is"
              + " sent by the next command or by serve.")
  @Nullable Long seconds;

  /**
   * The wait for {@code fs}, run when the returned handle closes. Reads the bound now, so a bad
   * value fails the command before it changes anything.
   */
  Handle on(FeatureStore fs, Map<String, String> env, PrintWriter err) {
    return new Wait(fs, bound(seconds, env.get(ENV)), err);
  }

  static Duration bound(@Nullable Long flag, @Nullable String env) {
    if (flag != null) {
      return seconds(flag, "--tracking-drain-seconds");
    }
    if (env == null || env.isBlank()) {
      return Duration.ofSeconds(DEFAULT_SECONDS);
    }
    try {
      return seconds(Long.parseLong(env.trim()), ENV);
    } catch (NumberFormatException e) {
      throw FeatureStoreException.invalid(
          ENV + " must be a whole number of seconds, got '" + env + "'");
    }
  }

  private static Duration seconds(long n, String name) {
    if (n < 0) {
      throw FeatureStoreException.invalid(name + " must be 0 or more seconds, got " + n);
    }
    return Duration.ofSeconds(n);
  }

  /** Closing it waits; it never throws. */
  interface Handle extends AutoCloseable {
    /** For a run that changes nothing (apply --dry-run): no wait, not even for an old queue. */
    Handle NO_WAIT = () -> {};

    @Override
    void close();
  }

  private static final class Wait implements Handle {
    private final FeatureStore fs;
    private final Duration bound;
    private final PrintWriter err;

    Wait(FeatureStore fs, Duration bound, PrintWriter err) {
      this.fs = fs;
      this.bound = bound;
      this.err = err;
    }

    @Override
    public void close() {
      try {
        await();
      } catch (RuntimeException e) {
        // The command's work is done and committed; tracking stays queued whatever happened here.
        err.println("warning: could not wait for MLflow tracking: " + e.getMessage());
      }
      err.flush();
    }

    private void await() {
      int queued = fs.awaitTracking(Duration.ZERO);
      if (queued == 0) {
        return; // no tracking configured, or everything already sent
      }
      if (bound.isZero()) {
        stayQueued(queued, "not waiting for MLflow (tracking drain bound 0 s)");
        return;
      }
      err.println("waiting for MLflow: " + entries(queued) + " queued...");
      err.flush();
      long start = System.nanoTime();
      long deadline = start + bound.toNanos();
      int left = queued;
      while (left > 0 && System.nanoTime() < deadline) {
        Duration remaining = Duration.ofNanos(deadline - System.nanoTime());
        left = fs.awaitTracking(min(remaining, PROGRESS_EVERY));
        if (left > 0 && System.nanoTime() < deadline) {
          err.println(
              "  "
                  + entries(left)
                  + " queued, waiting up to "
                  + Duration.ofNanos(deadline - System.nanoTime()).toSeconds()
                  + " s more");
          err.flush();
        }
      }
      if (left == 0) {
        err.printf(
            "tracked in MLflow: %s in %.1f s%n",
            entries(queued), (System.nanoTime() - start) / 1e9);
      } else {
        stayQueued(left, "MLflow did not take them in " + bound.toSeconds() + " s");
      }
    }

    private void stayQueued(int left, String why) {
      err.println(
          why
              + "; "
              + entries(left)
              + (left == 1 ? " stays" : " stay")
              + " queued and will be sent by the next command or by serve: "
              + fs.healthCheck().details().get("tracking"));
    }

    private static String entries(int n) {
      return n == 1 ? "1 entry" : n + " entries";
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }
  }
}
