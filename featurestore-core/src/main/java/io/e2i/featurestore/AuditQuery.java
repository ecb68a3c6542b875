package io.e2i.featurestore;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Which audit entries to read, newest first.
 *
 * @param since only entries at or after this time (null: all)
 * @param actor only this actor's (null: all)
 * @param action only this action (null: all)
 * @param limit at most this many, 1..{@value #MAX_LIMIT}
 */
public record AuditQuery(
    @Nullable Instant since, @Nullable String actor, @Nullable String action, int limit) {
  public static final int MAX_LIMIT = 10_000;
  public static final int DEFAULT_LIMIT = 100;

  public AuditQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw FeatureStoreException.invalid("limit must be 1.." + MAX_LIMIT + ", got " + limit);
    }
  }

  public static AuditQuery latest(int limit) {
    return new AuditQuery(null, null, null, limit);
  }
}
