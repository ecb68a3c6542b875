package io.e2i.featurestore.spi;

import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.AuditEntry;
import io.e2i.featurestore.AuditQuery;
import io.e2i.featurestore.KeyUse;
import java.time.Instant;
import java.util.List;

/**
 * API keys (hashes only) and the audit log, kept in the registry's database so that every server
 * instance on it sees the same keys. A registry offers it through {@link Registry#securityStore()}.
 * Reads need not be fast: servers cache the keys and reload them about twice a second.
 */
public interface SecurityStore {

  /**
   * Inserts a key.
   *
   * @return false, changing nothing, when a key of that name or id exists (revoked or not)
   */
  boolean insertKey(ApiKey key);

  /**
   * Marks the active key of that name revoked.
   *
   * @return false when no active key has that name
   */
  boolean revokeKey(String name, Instant at);

  /** Every key, revoked ones included, by name. */
  List<ApiKey> loadKeys();

  /** Adds each use's counts to its key and moves its last-used time forward. */
  void recordKeyUse(List<KeyUse> uses);

  /** Appends an entry; the store assigns its id. */
  void appendAudit(AuditEntry entry);

  /** Entries matching the query, newest first. */
  List<AuditEntry> loadAudit(AuditQuery query);
}
