package io.e2i.featurestore.embedded;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Which features have never had an (entity, event time) written twice, so data quality can read
 * their rows as the current values without the per-key aggregate that picks the latest write (the
 * aggregate costs several times the scan). Learned by checking, remembered per feature as a
 * certificate "no two rows with seq <= through share a key, and there were {@code rows} of them",
 * and extended by checking only the rows written since. A certificate whose row count no longer
 * matches (rows committed out of seq order, or removed) is dropped and the feature checked again; a
 * feature found with a rewritten key is remembered as such (rows are never rewritten in place, so
 * it stays so).
 */
final class UniqueKeys {
  private record Certificate(long through, long rows) {}

  private final DuckDbDatabase db;
  private final Map<UUID, Certificate> certificates = new ConcurrentHashMap<>();
  private final Set<UUID> rewritten = ConcurrentHashMap.newKeySet();

  UniqueKeys(DuckDbDatabase db) {
    this.db = db;
  }

  /**
   * A seq up to which the rows of all the features are their current values (no key written twice
   * among them), or null when some feature has a rewritten key.
   */
  @Nullable Long uniqueThrough(List<UUID> ids) {
    for (UUID id : ids) {
      if (rewritten.contains(id)) {
        return null;
      }
    }
    long through =
        DuckDbOfflineStore.call("checking for rewritten values", () -> db.read(c -> check(c, ids)));
    return through < 0 ? null : through;
  }

  /** The seq, or -1 when some feature has a rewritten key. */
  private long check(java.sql.Connection c, List<UUID> ids) throws SQLException {
    Map<UUID, long[]> seen = new HashMap<>(); // max seq, rows, rows through the certificate
    StringBuilder values = new StringBuilder();
    for (UUID id : ids) {
      Certificate cert = certificates.get(id);
      values
          .append(values.isEmpty() ? "" : ", ")
          .append("(CAST('")
          .append(id)
          .append("' AS UUID), ")
          .append(cert == null ? -1 : cert.through())
          .append(')');
    }
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT k.id, max(v.seq), count(*), count(*) FILTER (WHERE v.seq <= k.through)"
                    + " FROM feature_values v JOIN (VALUES "
                    + values
                    + ") k(id, through) ON v.feature_id = k.id GROUP BY k.id")) {
      while (rs.next()) {
        seen.put(
            UUID.fromString(rs.getString(1)),
            new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)});
      }
    }
    long through = 0;
    for (UUID id : ids) {
      long[] now = seen.get(id);
      if (now == null) {
        continue; // no rows: nothing rewritten
      }
      through = Math.max(through, now[0]);
      Certificate cert = certificates.get(id);
      boolean unique;
      if (cert != null && cert.rows() == now[2] && cert.through() == now[0]) {
        unique = true;
      } else if (cert != null && cert.rows() == now[2]) {
        unique = noRewriteSince(c, id, cert.through(), now[0]);
      } else {
        unique = noRewrite(c, id, now[0]);
      }
      if (!unique) {
        certificates.remove(id);
        rewritten.add(id);
        return -1;
      }
      certificates.put(id, new Certificate(now[0], now[1]));
    }
    return through;
  }

  /**
   * No two rows with seq <= through share a key. Counting distinct hashes: a collision can only
   * make it report a rewrite that is not there, which costs speed, never a wrong answer.
   */
  private static boolean noRewrite(java.sql.Connection c, UUID id, long through)
      throws SQLException {
    return zero(
        c,
        "SELECT count(*) - count(DISTINCT hash(entity, event_timestamp)) FROM feature_values"
            + " WHERE feature_id = '"
            + id
            + "' AND seq <= "
            + through);
  }

  /** No row with from < seq <= through shares its key with another row with seq <= through. */
  private static boolean noRewriteSince(java.sql.Connection c, UUID id, long from, long through)
      throws SQLException {
    String rows = "FROM feature_values WHERE feature_id = '" + id + "' AND seq <= " + through;
    return zero(
        c,
        "SELECT count(*) FROM (SELECT entity, event_timestamp, seq "
            + rows
            + " AND seq > "
            + from
            + ") n JOIN (SELECT entity, event_timestamp, seq "
            + rows
            + ") o ON o.entity = n.entity AND o.event_timestamp = n.event_timestamp"
            + " AND o.seq <> n.seq");
  }

  private static boolean zero(java.sql.Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1) == 0;
    }
  }
}
