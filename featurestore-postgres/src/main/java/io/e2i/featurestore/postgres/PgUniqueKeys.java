package io.e2i.featurestore.postgres;

import java.sql.Connection;
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
 * Which features have never had an (entity, event time) written twice, so a drift can read their
 * rows as the current values without the {@code DISTINCT ON} walk of the read index that picks the
 * latest write: the embedded store's certificate (UniqueKeys) on PostgreSQL. Remembered per feature
 * as "no two rows with seq <= through share a key, and there were {@code rows} of them", extended
 * by checking only the rows written since (each probes the read index), dropped when the row count
 * no longer matches (rows committed out of seq order, or removed by retention) and checked again in
 * full; a feature found with a rewritten key is remembered as such (rows are never rewritten in
 * place).
 *
 * <p>A write that commits between the check and the drift's queries with a seq below the highest
 * the check saw (concurrent writers take seqs before they commit) is read without having been
 * checked; the next check sees the row count move and checks the feature again in full.
 */
final class PgUniqueKeys {
  private record Certificate(long through, long rows) {}

  private final PgDatabase db;
  private final Map<UUID, Certificate> certificates = new ConcurrentHashMap<>();
  private final Set<UUID> rewritten = ConcurrentHashMap.newKeySet();

  PgUniqueKeys(PgDatabase db) {
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
    try (Connection c = db.connection()) {
      long through = check(c, ids);
      return through < 0 ? null : through;
    } catch (SQLException e) {
      throw PgDatabase.error("checking for rewritten values", e);
    }
  }

  /** The seq, or -1 when some feature has a rewritten key. */
  private long check(Connection c, List<UUID> ids) throws SQLException {
    Map<UUID, long[]> seen = new HashMap<>(); // max seq, rows, rows through the certificate
    StringBuilder values = new StringBuilder();
    for (UUID id : ids) {
      Certificate cert = certificates.get(id);
      values
          .append(values.isEmpty() ? "" : ", ")
          .append("('")
          .append(id)
          .append("'::uuid, ")
          .append(cert == null ? -1 : cert.through())
          .append("::bigint)");
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

  /** No two rows with seq <= through share a key: one group per key along the read index. */
  private static boolean noRewrite(Connection c, UUID id, long through) throws SQLException {
    return zero(
        c,
        "SELECT count(*) FROM (SELECT 1 FROM feature_values WHERE feature_id = '"
            + id
            + "' AND seq <= "
            + through
            + " GROUP BY entity_key, event_timestamp HAVING count(*) > 1) d");
  }

  /** No row with from < seq <= through shares its key with another row with seq <= through. */
  private static boolean noRewriteSince(Connection c, UUID id, long from, long through)
      throws SQLException {
    String rows = "FROM feature_values WHERE feature_id = '" + id + "' AND seq <= " + through;
    return zero(
        c,
        "SELECT count(*) FROM (SELECT entity_key, event_timestamp, seq "
            + rows
            + " AND seq > "
            + from
            + ") n JOIN (SELECT entity_key, event_timestamp, seq "
            + rows
            + ") o ON o.entity_key = n.entity_key AND o.event_timestamp = n.event_timestamp"
            + " AND o.seq <> n.seq");
  }

  private static boolean zero(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1) == 0;
    }
  }
}
