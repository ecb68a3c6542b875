package io.e2i.featurestore.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar redrawn in place with carriage returns. Drawn by hand: a library would
 * add a dependency (and terminal probing) for forty lines of code.
 */
final class ProgressBar {
  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final String label;
  private final long total;
  private final boolean enabled;
  private int lastPercent = -1;
  private long lastDraw;

  ProgressBar(PrintWriter err, String label, long total, boolean enabled) {
    this.err = err;
    this.label = label;
    this.total = Math.max(total, 1);
    this.enabled = enabled;
  }

  void update(long done) {
    if (!enabled) {
      return;
    }
    int percent = (int) Math.min(100, done * 100 / total);
    long now = System.nanoTime();
    // Redraw when the percentage moves, at most ten times a second.
    if (percent != lastPercent && (now - lastDraw > 100_000_000L || percent == 100)) {
      draw(done, percent);
      lastDraw = now;
    }
  }

  void finish(long done) {
    if (!enabled) {
      return;
    }
    draw(done, (int) Math.min(100, done * 100 / total));
    err.println();
    err.flush();
  }

  /** Erases the bar so that an error message that follows starts on a clean line. */
  void abort() {
    if (enabled && lastPercent >= 0) {
      err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
      err.flush();
    }
  }

  private void draw(long done, int percent) {
    lastPercent = percent;
    int filled = percent * WIDTH / 100;
    err.printf(
        "\r%-10s [%s%s] %3d%% %,d/%,d rows",
        label, "#".repeat(filled), "-".repeat(WIDTH - filled), percent, done, total);
    err.flush();
  }
}
