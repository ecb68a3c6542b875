package io.e2i.featurestore.spi;

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
 * Which features have never had an (entity, event time) written twice, so data quality can read
 * their rows as the current values without the per-key step that picks the latest write (it costs
 * several times the scan). Learned by checking, remembered per feature as a certificate "no two
 * rows with seq <= through share a key, and there were {@code rows} of them", and extended by
 * checking only the rows written since. A certificate whose row count no longer matches (rows
 * committed out of seq order, or removed by retention) is dropped and the feature checked again in
 * full; a feature found with a rewritten key is remembered as such (rows are never rewritten in
 * place, so it stays so). A store gives the SQL of its own table ({@link Dialect}).
 */
public final class UniqueKeyCertificates {
  /** How a store's {@code feature_values} table is queried. */
  public interface Dialect {
    /** A UUID literal. */
    String uuid(UUID id);

    /** The entity key's column. */
    String entityColumn();

    /**
     * A query answering one count that is zero when no two rows of the feature with seq <= through
     * share a key (it may over-count, which costs speed, never a wrong answer).
     */
    String noRewrite(UUID id, long through);
  }

  private record Certificate(long through, long rows) {}

  private final Dialect dialect;
  private final Map<UUID, Certificate> certificates = new ConcurrentHashMap<>();
  private final Set<UUID> rewritten = ConcurrentHashMap.newKeySet();

  public UniqueKeyCertificates(Dialect dialect) {
    this.dialect = dialect;
  }

  /** Whether some feature is already known to have a rewritten key (no query needed). */
  public boolean anyKnownRewritten(List<UUID> ids) {
    for (UUID id : ids) {
      if (rewritten.contains(id)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A seq up to which the rows of all the features are their current values (no key written twice
   * among them), or null when some feature has a rewritten key; checks and extends the certificates
   * on {@code c}.
   */
  public @Nullable Long uniqueThrough(Connection c, List<UUID> ids) throws SQLException {
    if (anyKnownRewritten(ids)) {
      return null;
    }
    Map<UUID, long[]> seen = counts(c, ids); // max seq, rows, rows through the certificate
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
        unique = zero(c, dialect.noRewrite(id, now[0]));
      }
      if (!unique) {
        certificates.remove(id);
        rewritten.add(id);
        return null;
      }
      certificates.put(id, new Certificate(now[0], now[1]));
    }
    return through;
  }

  private Map<UUID, long[]> counts(Connection c, List<UUID> ids) throws SQLException {
    StringBuilder values = new StringBuilder();
    for (UUID id : ids) {
      Certificate cert = certificates.get(id);
      values
          .append(values.isEmpty() ? "" : ", ")
          .append('(')
          .append(dialect.uuid(id))
          .append(", CAST(")
          .append(cert == null ? -1 : cert.through())
          .append(" AS BIGINT))");
    }
    Map<UUID, long[]> seen = new HashMap<>();
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
    return seen;
  }

  /** No row with from < seq <= through shares its key with another row with seq <= through. */
  private boolean noRewriteSince(Connection c, UUID id, long from, long through)
      throws SQLException {
    String e = dialect.entityColumn();
    String rows =
        "FROM feature_values WHERE feature_id = " + dialect.uuid(id) + " AND seq <= " + through;
    return zero(
        c,
        "SELECT count(*) FROM (SELECT "
            + e
            + ", event_timestamp, seq "
            + rows
            + " AND seq > "
            + from
            + ") n JOIN (SELECT "
            + e
            + ", event_timestamp, seq "
            + rows
            + ") o ON o."
            + e
            + " = n."
            + e
            + " AND o.event_timestamp = n.event_timestamp AND o.seq <> n.seq");
  }

  private static boolean zero(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1) == 0;
    }
  }
}
