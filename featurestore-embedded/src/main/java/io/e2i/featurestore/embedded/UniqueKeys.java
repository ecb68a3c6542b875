package io.e2i.featurestore.embedded;

import io.e2i.featurestore.spi.UniqueKeyCertificates;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Which features have never had an (entity, event time) written twice, so data quality can read
 * their rows as the current values without the per-key aggregate that picks the latest write: the
 * certificates of {@link UniqueKeyCertificates} over the store's DuckDB table.
 */
final class UniqueKeys {
  private final DuckDbDatabase db;
  private final UniqueKeyCertificates certificates =
      new UniqueKeyCertificates(
          new UniqueKeyCertificates.Dialect() {
            @Override
            public String uuid(UUID id) {
              return "CAST('" + id + "' AS UUID)";
            }

            @Override
            public String entityColumn() {
              return "entity";
            }

            /**
             * Counting distinct hashes: a collision can only report a rewrite that is not there.
             */
            @Override
            public String noRewrite(UUID id, long through) {
              return "SELECT count(*) - count(DISTINCT hash(entity, event_timestamp))"
                  + " FROM feature_values WHERE feature_id = "
                  + uuid(id)
                  + " AND seq <= "
                  + through;
            }
          });

  UniqueKeys(DuckDbDatabase db) {
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
    return DuckDbOfflineStore.call(
            "checking for rewritten values",
            () -> db.read(c -> java.util.Optional.ofNullable(certificates.uniqueThrough(c, ids))))
        .orElse(null);
  }
}
