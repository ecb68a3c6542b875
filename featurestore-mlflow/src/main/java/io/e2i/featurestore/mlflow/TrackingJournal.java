package io.e2i.featurestore.mlflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureStoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable FIFO of tracking entries: one JSON line per entry in {@code journal.jsonl}, fsynced
 * before {@link #append} returns, plus {@code acked}, the sequence number of the last entry MLflow
 * has taken. Entries leave only through {@link #ack}, after MLflow confirmed them.
 *
 * <p>Acknowledging by sequence number rather than by line count keeps compaction safe: a crash at
 * any point leaves either the old or the new journal, and every entry at or below {@code acked} is
 * skipped either way. A crash between MLflow's success and the ack replays that entry once more,
 * which the tracker makes harmless by looking experiments and runs up before creating them.
 */
final class TrackingJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrackingJournal.class);
  private static final int COMPACT_EVERY = 1000;

  private final ObjectMapper json;
  private final Path journal;
  private final Path ackFile;
  private final Path failedFile;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Deque<TrackingEntry> pending = new ArrayDeque<>();
  private long nextSeq;
  private long acked;
  private int ackedSinceCompaction;

  TrackingJournal(Path dir, ObjectMapper json) {
    this.json = json;
    try {
      Files.createDirectories(dir);
      this.journal = dir.resolve("journal.jsonl");
      this.ackFile = dir.resolve("acked");
      this.failedFile = dir.resolve("failed.jsonl");
      this.lockChannel =
          FileChannel.open(
              dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        lockChannel.close();
        throw FeatureStoreException.invalid(
            "tracking queue directory "
                + dir.toAbsolutePath()
                + " is in use by another feature store instance; give each instance its own"
                + " tracking_queue_dir");
      }
      this.lock = l;
      load();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open tracking queue in " + dir, e);
    }
  }

  private void load() throws IOException {
    acked = Files.exists(ackFile) ? Long.parseLong(Files.readString(ackFile).trim()) : 0;
    long maxSeq = acked;
    if (Files.exists(journal)) {
      byte[] bytes = Files.readAllBytes(journal);
      int end = bytes.length;
      while (end > 0 && bytes[end - 1] != '\n') {
        end--; // a torn last line from a crash mid-append: never acknowledged, so drop it
      }
      if (end < bytes.length) {
        LOG.warn("dropping a torn last line ({} bytes) from {}", bytes.length - end, journal);
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
          ch.truncate(end);
          ch.force(true);
        }
      }
      boolean setAside = false;
      for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        TrackingEntry entry;
        try {
          entry = json.readValue(line, TrackingEntry.class);
        } catch (IOException e) {
          // Only a hand-edited file gets here; keep the line for a human, do not refuse to start.
          LOG.error("unreadable line in {} set aside in {}: {}", journal, failedFile, e.toString());
          appendLine(
              failedFile,
              json.writeValueAsString(Map.of("line", line, "reason", e.toString())) + "\n");
          setAside = true;
          continue;
        }
        maxSeq = Math.max(maxSeq, entry.seq());
        if (entry.seq() > acked) {
          pending.add(entry);
        }
      }
      if (setAside) {
        compact(); // so the set-aside lines are not set aside again on every start
      }
    }
    nextSeq = maxSeq + 1;
    if (!pending.isEmpty()) {
      LOG.info("tracking queue {}: {} entries to replay", journal.getParent(), pending.size());
    }
  }

  /** Appends durably and returns the entry with its sequence number. */
  synchronized TrackingEntry append(TrackingEntry entry) {
    TrackingEntry numbered = entry.withSeq(nextSeq);
    try {
      appendLine(journal, json.writeValueAsString(numbered) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to tracking queue " + journal, e);
    }
    nextSeq++;
    pending.add(numbered);
    return numbered;
  }

  synchronized @Nullable TrackingEntry peek() {
    return pending.peekFirst();
  }

  synchronized int size() {
    return pending.size();
  }

  /** Marks the head entry done: it never replays again. */
  synchronized void ack(TrackingEntry entry) {
    TrackingEntry head = pending.peekFirst();
    if (head == null || head.seq() != entry.seq()) {
      throw new IllegalStateException("ack out of order: " + entry.seq());
    }
    try {
      writeAtomically(ackFile, Long.toString(entry.seq()).getBytes(StandardCharsets.UTF_8));
      acked = entry.seq();
      pending.removeFirst();
      ackedSinceCompaction++;
      if (pending.isEmpty()) {
        Files.deleteIfExists(journal);
        ackedSinceCompaction = 0;
      } else if (ackedSinceCompaction >= COMPACT_EVERY) {
        compact();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot acknowledge tracking entry in " + ackFile, e);
    }
  }

  /** Sets an entry MLflow will never accept aside (for a human), then acknowledges it. */
  synchronized void reject(TrackingEntry entry, String reason) {
    try {
      appendLine(
          failedFile,
          json.writeValueAsString(
                  Map.of("entry", entry, "reason", reason, "at", Instant.now().toString()))
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + failedFile, e);
    }
    ack(entry);
  }

  /** Appends and fsyncs before returning: an entry the caller saw queued survives a crash. */
  private static void appendLine(Path file, String line) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      writeFully(ch, line.getBytes(StandardCharsets.UTF_8));
      ch.force(false);
    }
  }

  private void compact() throws IOException {
    if (pending.isEmpty()) {
      Files.deleteIfExists(journal);
      ackedSinceCompaction = 0;
      return;
    }
    List<String> lines = new ArrayList<>();
    for (TrackingEntry e : pending) {
      lines.add(json.writeValueAsString(e));
    }
    writeAtomically(journal, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    ackedSinceCompaction = 0;
  }

  private static void writeAtomically(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(ch, content);
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  @Override
  public synchronized void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("closing tracking queue lock: {}", e.toString());
    }
  }
}
