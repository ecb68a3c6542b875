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
 *
 * <p>A store whose writer also counts its writes ({@link Dialect#writes}) proves a certificate
 * without the count over all the feature's rows: the count tells rows removed or committed out of
 * seq order since the certificate, but removed rows cannot make two rows share a key, and a write
 * whose rows may lie at or below the certificate's seq changes the log's "below" sum (the writer
 * records a seq under every row it writes, read before its rows take theirs; a write no writer
 * counted is logged as such by the store). So when the log's sums below the seq and of uncounted
 * writes have not moved, the rows up to the seq are the rows certified, less any removed, and only
 * the rows written since (all above it) are checked.
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

    /**
     * A query answering, in one row, what the store's log of writes says of the feature against a
     * certificate through {@code through}: the rows of counted writes whose rows all have a seq
     * above a bound below {@code through} ("below": they may hold rows at or below it), of those
     * with the bound at or above it ("after": all their rows are above it), the writes nobody
     * counted (of any feature), and a seq at least as high as every row's visible (SQL NULL when
     * unknown). Null when the store keeps no such log (then the rows are counted).
     */
    default @Nullable String writes(UUID id, long through) {
      return null;
    }
  }

  /**
   * "No two rows with seq <= through share a key, and there were {@code rows} of them"; with a
   * {@code log} (the {@link Dialect#writes} sums below, after and uncounted for that seq, in the
   * snapshot the certificate was made in) when the store logs its writes.
   */
  private record Certificate(long through, long rows, long @Nullable [] log) {}

  /** How many times the rows of features were counted (tests see the counts a log spared). */
  public final java.util.concurrent.atomic.AtomicInteger rowCounts =
      new java.util.concurrent.atomic.AtomicInteger();

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
    long through = 0;
    List<UUID> counted = new java.util.ArrayList<>();
    for (UUID id : ids) {
      Certificate cert = certificates.get(id);
      long[] logged = cert == null || cert.log() == null ? null : fromLog(c, id, cert);
      if (logged == null) {
        counted.add(id);
      } else if (logged.length == 0) {
        return null; // a key written twice since the certificate
      } else {
        through = Math.max(through, logged[0]);
      }
    }
    if (counted.isEmpty()) {
      return through;
    }
    Map<UUID, long[]> seen = counts(c, counted); // max seq, rows, rows through the certificate
    for (UUID id : counted) {
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
      certificates.put(id, new Certificate(now[0], now[1], log(c, id, now[0])));
    }
    return through;
  }

  /**
   * The certificate proved from the log of writes: {through} when no write that may hold rows at or
   * below its seq, and no uncounted write, came since, and no key of the rows written since (all
   * above it) was written twice; an empty array when one was (the feature is then known rewritten);
   * null when the log cannot tell (the rows are counted).
   */
  private long @Nullable [] fromLog(Connection c, UUID id, Certificate cert) throws SQLException {
    long[] then = java.util.Objects.requireNonNull(cert.log());
    long[] now = log(c, id, cert.through());
    if (now == null || now[0] != then[0] || now[2] != then[2]) {
      return null;
    }
    if (now[1] == then[1]) {
      return new long[] {cert.through()}; // nothing written since
    }
    if (now[3] < 0) {
      return null; // no seq known above the rows written since
    }
    long through = Math.max(cert.through(), now[3]);
    if (!noRewriteSince(c, id, cert.through(), through)) {
      certificates.remove(id);
      rewritten.add(id);
      return new long[0];
    }
    long rows = cert.rows() + now[1] - then[1]; // the count is only compared, a removal re-counts
    certificates.put(id, new Certificate(through, rows, log(c, id, through)));
    return new long[] {through};
  }

  /**
   * The log's below, after, uncounted and highest seq for a certificate through {@code through}.
   */
  private long @Nullable [] log(Connection c, UUID id, long through) throws SQLException {
    String sql = dialect.writes(id, through);
    if (sql == null) {
      return null;
    }
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      long seq = rs.getLong(4);
      return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.wasNull() ? -1 : seq};
    }
  }

  private Map<UUID, long[]> counts(Connection c, List<UUID> ids) throws SQLException {
    rowCounts.incrementAndGet();
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
