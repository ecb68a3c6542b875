package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;

/**
 * Audits registry changes made without a server, e.g. by the CLI's {@code apply}: through the
 * returned view, creating or updating groups and features writes the same audit entries a server
 * writes, as {@code local}.
 */
public final class LocalAudit {
  private LocalAudit() {}

  /** The store, with registry changes audited as {@code local}; closing the view closes nothing. */
  public static FeatureStore of(FeatureStore store) {
    return new GuardedStore(store, () -> Principal.LOCAL);
  }
}
