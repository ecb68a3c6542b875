package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.Registry;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The registry as every path sees it: an immutable snapshot, replaced whole after each change.
 * Reads take the current snapshot without locking. Changes run under one lock and reload before
 * (another instance may have changed the registry) and after (so the next read sees the change).
 */
final class RegistryHolder {
  /** Bounds how often unknown names, e.g. a client's typos, can make us query the registry. */
  private static final long MISS_RELOAD_INTERVAL_NANOS = 1_000_000_000L;

  private final Registry registry;
  private final Object lock = new Object();
  // Replaced, never mutated, so readers need no lock; volatile so they see the latest.
  private volatile RegistrySnapshot snapshot;
  private volatile long lastReload;

  RegistryHolder(Registry registry) {
    this.registry = registry;
    reload();
  }

  RegistrySnapshot snapshot() {
    return snapshot;
  }

  void reload() {
    synchronized (lock) {
      snapshot = RegistrySnapshot.of(registry.loadGroups(), registry.loadFeatures());
      lastReload = System.nanoTime();
    }
  }

  /**
   * Another instance may have changed the registry: before reporting a name as unknown, reload at
   * most once a second.
   */
  RegistrySnapshot snapshotAfterMiss() {
    if (System.nanoTime() - lastReload > MISS_RELOAD_INTERVAL_NANOS) {
      reload();
    }
    return snapshot;
  }

  GroupView group(@Nullable String name) {
    if (name == null || name.isBlank()) {
      throw FeatureStoreException.invalid("feature_group is required");
    }
    return snapshot
        .group(name)
        .or(() -> snapshotAfterMiss().group(name))
        .orElseThrow(
            () -> FeatureStoreException.notFound("feature group '" + name + "' not found"));
  }

  /** Runs a read-modify-write of the registry that reloads by itself, e.g. to retry a lost race. */
  <T> T locked(Supplier<T> change) {
    synchronized (lock) {
      return change.get();
    }
  }

  /** Runs a change against a freshly loaded snapshot, then reloads so it is visible. */
  void update(Consumer<RegistrySnapshot> change) {
    synchronized (lock) {
      reload();
      change.accept(snapshot);
      reload();
    }
  }
}
