package io.e2i.featurestore.io;

import io.e2i.featurestore.spi.PitQuery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** A sink that writes a training set in one format; call {@link #finish()} after the last row. */
public abstract class TrainingDataWriter implements PitQuery.RowSink {

  protected List<String> columns = List.of();
  private long rowCount;

  @Override
  public final void columns(List<String> names) {
    this.columns = List.copyOf(names);
    try {
      writeHeader();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public final void row(Object[] values) {
    rowCount++;
    try {
      writeRow(values);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends the output (closing brackets, footer) and flushes; does not close the stream. */
  public final void finish() {
    try {
      if (columns == null) {
        columns(List.of());
      }
      writeFooter();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long rowCount() {
    return rowCount;
  }

  protected abstract void writeHeader() throws IOException;

  protected abstract void writeRow(Object[] values) throws IOException;

  protected abstract void writeFooter() throws IOException;

  /** Text of a scalar for text formats: timestamps ISO-8601 UTC, lists as JSON. */
  static String text(Object value) {
    return switch (value) {
      case null -> "";
      case Instant i -> i.toString();
      case List<?> list -> io.e2i.featurestore.ValueCodec.encode(list);
      default -> value.toString();
    };
  }
}
