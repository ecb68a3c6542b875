package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.UniqueKeyCertificates;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Which features have never had an (entity, event time) written twice, so a drift can read their
 * rows as the current values without the {@code DISTINCT ON} walk of the read index that picks the
 * latest write: the certificates of {@link UniqueKeyCertificates} (as the embedded store keeps
 * them) over the PostgreSQL table; extending one probes the read index per row written since.
 *
 * <p>A write that commits between the check and the drift's queries with a seq below the highest
 * the check saw (concurrent writers take seqs before they commit) is read without having been
 * checked; the next check sees the row count move and checks the feature again in full.
 */
final class PgUniqueKeys {
  private final PgDatabase db;
  private final UniqueKeyCertificates certificates =
      new UniqueKeyCertificates(
          new UniqueKeyCertificates.Dialect() {
            @Override
            public String uuid(UUID id) {
              return "'" + id + "'::uuid";
            }

            @Override
            public String entityColumn() {
              return "entity_key";
            }

            /** One group per key along the read index. */
            @Override
            public String noRewrite(UUID id, long through) {
              return "SELECT count(*) FROM (SELECT 1 FROM feature_values WHERE feature_id = "
                  + uuid(id)
                  + " AND seq <= "
                  + through
                  + " GROUP BY entity_key, event_timestamp HAVING count(*) > 1) d";
            }

            /**
             * The writer's log (V13, {@link PgWriteLog}): sums of the feature's counted rows by
             * where their bound lies against {@code through}, the uncounted writes, and the seq the
             * sequence last gave (read after the snapshot, so at least every visible row's).
             */
            @Override
            public String writes(UUID id, long through) {
              return PgWriteLog.check(uuid(id), through);
            }
          });

  PgUniqueKeys(PgDatabase db) {
    this.db = db;
  }

  /**
   * A seq up to which the rows of all the features are their current values (no key written twice
   * among them), or null when some feature has a rewritten key.
   */
  @Nullable Long uniqueThrough(List<UUID> ids) {
    if (certificates.anyKnownRewritten(ids)) {
      return null;
    }
    try (Connection c = db.connection()) {
      // one snapshot for the count and the log of writes the certificate records beside it
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        return certificates.uniqueThrough(c, ids);
      } finally {
        c.rollback(); // the pool resets the isolation, read-only and autocommit, as for PgDriftScan
      }
    } catch (SQLException e) {
      throw PgDatabase.error("checking for rewritten values", e);
    }
  }

  /** How many times the features' rows were counted (tests see the counts the log spared). */
  int rowCounts() {
    return certificates.rowCounts.get();
  }

  /** Whether the feature is already known to have a rewritten key (no query needed). */
  boolean knownRewritten(UUID id) {
    return certificates.anyKnownRewritten(List.of(id));
  }

  /**
   * As {@link #uniqueThrough(List)} for one feature, on {@code c}: in its transaction's snapshot,
   * so that a scan in the same transaction reads the rows checked (all of them up to the seq
   * returned, the feature's highest there).
   */
  @Nullable Long uniqueThrough(Connection c, UUID id) throws SQLException {
    return certificates.uniqueThrough(c, List.of(id));
  }
}
