package io.e2i.featurestore.embedded;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;

/**
 * The store's own log of value writes acknowledged while DuckDB checkpoints (issue 15: no
 * maintenance job may block the write path). During a checkpoint no write can commit into {@code
 * feature_values} (DuckDB 1.4 and 1.5 lock the table it writes), so each write call's rows are
 * appended here and forced to disk, as DuckDB's commit forces its WAL, and the call is
 * acknowledged. After the checkpoint the rows are applied to DuckDB with the seqs they were given
 * here, and the file is emptied.
 *
 * <p>Whether a row was applied is told by its seq: seqs are given in order, and no write reaches
 * DuckDB directly while the journal holds rows, so a journaled row is in DuckDB exactly when its
 * seq is at most the table's highest. The marker is written in the same transaction as the rows by
 * construction, and a crash between applying and emptying never applies a row twice.
 *
 * <p>Each write call is one record, {@code <length> <crc32> <payload>}; a record cut short or
 * damaged by a crash during its append was never acknowledged, so reading stops there. Not
 * thread-safe: the store uses it under its value lock.
 */
final class WriteJournal implements AutoCloseable {
  static final String FILE_NAME = "featurestore.journal";

  /** One value as written, with its seq; a missing value's {@code json} is null. */
  record Row(
      UUID featureId,
      String entity,
      @Nullable String json,
      long eventMicros,
      long writtenMicros,
      long seq) {}

  private final Path path;
  private final FileChannel channel;
  private final List<Row> rows = new ArrayList<>();

  private WriteJournal(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /** Opens (creating if needed) the journal next to {@code databaseFile}; its rows are read. */
  static WriteJournal open(Path databaseFile) throws IOException {
    Path path = databaseFile.resolveSibling(FILE_NAME);
    List<Row> found = read(path);
    FileChannel channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    WriteJournal journal = new WriteJournal(path, channel);
    journal.rows.addAll(found);
    // A torn tail (never acknowledged) goes; appends continue after the last whole record.
    channel.truncate(wholeBytes(path));
    channel.position(channel.size());
    return journal;
  }

  Path path() {
    return path;
  }

  /** Rows not yet dropped, in seq order (a copy of the list; the rows are immutable). */
  List<Row> rows() {
    return List.copyOf(rows);
  }

  /** Rows from position {@code from} on. */
  List<Row> rowsFrom(int from) {
    return List.copyOf(rows.subList(from, rows.size()));
  }

  int size() {
    return rows.size();
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Appends one write call's rows as one record and forces it to disk; then they may be acked. */
  void append(List<Row> batch) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + batch.size() * 96);
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(batch.size());
    for (Row r : batch) {
      out.writeLong(r.featureId().getMostSignificantBits());
      out.writeLong(r.featureId().getLeastSignificantBits());
      text(out, r.entity());
      String json = r.json();
      if (json == null) {
        out.writeInt(-1);
      } else {
        text(out, json);
      }
      out.writeLong(r.eventMicros());
      out.writeLong(r.writtenMicros());
      out.writeLong(r.seq());
    }
    out.flush();
    byte[] payload = bytes.toByteArray();
    CRC32 crc = new CRC32();
    crc.update(payload);
    ByteBuffer record = ByteBuffer.allocate(8 + payload.length);
    record.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    long start = channel.position();
    try {
      while (record.hasRemaining()) {
        channel.write(record);
      }
      channel.force(false);
    } catch (IOException e) {
      channel.truncate(start); // a half-written record must not precede the next one
      channel.position(start);
      throw e;
    }
    rows.addAll(batch);
  }

  /** Empties the journal: every row is in DuckDB. */
  void clear() throws IOException {
    channel.truncate(0);
    channel.position(0);
    channel.force(false);
    rows.clear();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  // ---------------------------------------------------------------- reading

  /** Every whole record's rows, in order; stops at a record cut short or damaged. */
  static List<Row> read(Path path) throws IOException {
    List<Row> out = new ArrayList<>();
    if (!Files.exists(path)) {
      return out;
    }
    try (DataInputStream in = new DataInputStream(Files.newInputStream(path))) {
      byte[] payload;
      while ((payload = record(in)) != null) {
        DataInputStream p = new DataInputStream(new ByteArrayInputStream(payload));
        int n = p.readInt();
        for (int i = 0; i < n; i++) {
          out.add(
              new Row(
                  new UUID(p.readLong(), p.readLong()),
                  text(p),
                  nullableText(p),
                  p.readLong(),
                  p.readLong(),
                  p.readLong()));
        }
      }
    }
    return out;
  }

  /** Bytes taken by the whole records at the start of the file. */
  private static long wholeBytes(Path path) throws IOException {
    long total = 0;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(path))) {
      byte[] payload;
      while ((payload = record(in)) != null) {
        total += 8 + payload.length;
      }
    }
    return total;
  }

  /** The next record's payload, or null at the end or at a record cut short or damaged. */
  private static byte @Nullable [] record(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    try {
      int length = d.readInt();
      int crc = d.readInt();
      if (length < 4) {
        return null;
      }
      byte[] payload = d.readNBytes(length);
      if (payload.length < length) {
        return null;
      }
      CRC32 check = new CRC32();
      check.update(payload);
      return (int) check.getValue() == crc ? payload : null;
    } catch (EOFException e) {
      return null;
    }
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String text(DataInputStream in) throws IOException {
    return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
  }

  private static @Nullable String nullableText(DataInputStream in) throws IOException {
    int length = in.readInt();
    return length < 0 ? null : new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }
}
