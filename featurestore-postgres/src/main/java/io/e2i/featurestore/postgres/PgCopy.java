package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.ValueRow;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Streams value rows into {@code feature_values} with COPY (text format), in chunks so that a
 * million rows never sit in memory as one buffer. The caller owns the transaction.
 */
final class PgCopy {
  static final String COPY_SQL =
      "COPY feature_values (feature_id, entity_key, value, event_timestamp, written_at)"
          + " FROM STDIN";
  private static final int CHUNK_CHARS = 1 << 16;

  private PgCopy() {}

  static long copy(Connection connection, List<ValueRow> rows, Instant writtenAt)
      throws SQLException {
    CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_SQL);
    try {
      String written = writtenAt.toString();
      StringBuilder sb = new StringBuilder(CHUNK_CHARS + 1024);
      for (ValueRow row : rows) {
        sb.append(row.featureId()).append('\t');
        appendEscaped(sb, row.entity().canonical());
        sb.append('\t');
        String json = row.json();
        if (json == null) {
          sb.append("\\N");
        } else {
          appendEscaped(sb, json);
        }
        sb.append('\t').append(row.eventTimestamp()).append('\t').append(written).append('\n');
        if (sb.length() >= CHUNK_CHARS) {
          flush(in, sb);
        }
      }
      flush(in, sb);
      return in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  private static void flush(CopyIn in, StringBuilder sb) throws SQLException {
    if (sb.isEmpty()) {
      return;
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    in.writeToCopy(bytes, 0, bytes.length);
    sb.setLength(0);
  }

  /** COPY text format: backslash, tab, newline and carriage return must be escaped. */
  static void appendEscaped(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        default -> sb.append(c);
      }
    }
  }
}
