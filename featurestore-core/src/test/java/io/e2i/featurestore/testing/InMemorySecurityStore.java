package io.e2i.featurestore.testing;

import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.AuditEntry;
import io.e2i.featurestore.AuditQuery;
import io.e2i.featurestore.KeyUse;
import io.e2i.featurestore.spi.SecurityStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The reference {@link SecurityStore}: a map of keys and a list of entries. */
public final class InMemorySecurityStore implements SecurityStore {
  private final Map<String, ApiKey> keys = new TreeMap<>();
  private final List<AuditEntry> audit = new ArrayList<>();

  @Override
  public synchronized boolean insertKey(ApiKey key) {
    if (keys.containsKey(key.name())
        || keys.values().stream().anyMatch(k -> k.id().equals(key.id()))) {
      return false;
    }
    keys.put(key.name(), key);
    return true;
  }

  @Override
  public synchronized boolean revokeKey(String name, Instant at) {
    ApiKey k = keys.get(name);
    if (k == null || !k.active()) {
      return false;
    }
    keys.put(
        name,
        new ApiKey(
            k.id(),
            k.name(),
            k.hash(),
            k.scopes(),
            k.createdAt(),
            at,
            k.lastUsedAt(),
            k.useCount()));
    return true;
  }

  @Override
  public synchronized List<ApiKey> loadKeys() {
    return List.copyOf(keys.values());
  }

  @Override
  public synchronized void recordKeyUse(List<KeyUse> uses) {
    for (KeyUse u : uses) {
      keys.values().stream()
          .filter(k -> k.id().equals(u.keyId()))
          .findFirst()
          .ifPresent(
              k ->
                  keys.put(
                      k.name(),
                      new ApiKey(
                          k.id(),
                          k.name(),
                          k.hash(),
                          k.scopes(),
                          k.createdAt(),
                          k.revokedAt(),
                          k.lastUsedAt() == null || u.lastAt().isAfter(k.lastUsedAt())
                              ? u.lastAt()
                              : k.lastUsedAt(),
                          k.useCount() + u.requests())));
    }
  }

  @Override
  public synchronized void appendAudit(AuditEntry e) {
    audit.add(
        new AuditEntry(audit.size() + 1, e.at(), e.actor(), e.action(), e.target(), e.detail()));
  }

  @Override
  public synchronized List<AuditEntry> loadAudit(AuditQuery q) {
    return audit.stream()
        .filter(e -> q.since() == null || !e.at().isBefore(q.since()))
        .filter(e -> q.actor() == null || e.actor().equals(q.actor()))
        .filter(e -> q.action() == null || e.action().equals(q.action()))
        .sorted(Comparator.comparingLong(AuditEntry::id).reversed())
        .limit(q.limit())
        .toList();
  }
}
