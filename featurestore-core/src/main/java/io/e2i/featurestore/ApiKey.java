package io.e2i.featurestore;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * An API key as the registry stores it: never the key itself, only its SHA-256 ({@code hash}) and
 * the public {@code id} embedded in the key, by which a presented key is found.
 *
 * @param id the key's public identifier (the part after {@code fsk_}), unique
 * @param name a unique, human-chosen name; the audit log's "who". Names are never reused, revoked
 *     keys keep theirs, so a name in the log always means one key
 * @param hash lowercase hex SHA-256 of the whole key
 * @param lastUsedAt when it was last accepted (flushed periodically, so up to a flush behind)
 * @param useCount requests accepted with it (flushed periodically)
 */
public record ApiKey(
    String id,
    String name,
    String hash,
    KeyScopes scopes,
    Instant createdAt,
    @Nullable Instant revokedAt,
    @Nullable Instant lastUsedAt,
    long useCount) {

  public boolean active() {
    return revokedAt == null;
  }

  /** Without the hash: records end up in logs. */
  @Override
  public String toString() {
    return "ApiKey[" + name + " (" + id + "), " + scopes + (active() ? "" : ", revoked") + "]";
  }
}
