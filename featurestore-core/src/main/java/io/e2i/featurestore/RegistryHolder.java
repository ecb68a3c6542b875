package io.e2i.featurestore;

import io.e2i.featurestore.RegistrySnapshot.GroupView;
import io.e2i.featurestore.spi.Registry;
import io.e2i.featurestore.spi.RegistryChanges;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry as every path sees it: an immutable snapshot, replaced whole after each change.
 * Reads take the current snapshot without locking. Changes run under one lock and reload before
 * (another instance may have changed the registry) and after (so the next read sees the change).
 *
 * <p>A registry other processes change too ({@link RegistryChanges}: PostgreSQL) is watched by its
 * change stamp, so their changes (new versions, changed freshness bounds, updated groups) reach
 * this instance within a second: while the store is used, a read older than {@value
 * #CHECK_INTERVAL_MILLIS} ms triggers a check in the background; one older than {@value
 * #MAX_STALE_MILLIS} ms (an idle instance) checks first, so no read uses a snapshot checked longer
 * ago than that. No thread runs while the store is idle, and nothing needs closing.
 */
final class RegistryHolder {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryHolder.class);

  /** Bounds how often unknown names, e.g. a client's typos, can make us query the registry. */
  private static final long MISS_RELOAD_INTERVAL_NANOS = 1_000_000_000L;

  /** With a change stamp, an unknown name checks it instead, at most this often. */
  private static final long MISS_CHECK_INTERVAL_NANOS = 50_000_000L;

  static final long CHECK_INTERVAL_MILLIS = 250;
  static final long MAX_STALE_MILLIS = 750;
  private static final long CHECK_INTERVAL_NANOS = CHECK_INTERVAL_MILLIS * 1_000_000L;
  private static final long MAX_STALE_NANOS = MAX_STALE_MILLIS * 1_000_000L;

  /** One daemon thread for the background checks of every store in the process. */
  private static final ExecutorService CHECKER =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "featurestore-registry-watch");
            t.setDaemon(true);
            return t;
          });

  private final Registry registry;
  private final @Nullable RegistryChanges changes;
  // Changes hold it for their whole read-modify-write. The stamp check (under checkLock) only
  // tries it: blocking there while a change held it and asked for checkLock deadlocked.
  private final ReentrantLock lock = new ReentrantLock();
  private final Object checkLock = new Object();
  private final AtomicBoolean checking = new AtomicBoolean();
  // Replaced, never mutated, so readers need no lock; volatile so they see the latest.
  private volatile RegistrySnapshot snapshot;
  private volatile long lastReload;
  private volatile long lastCheck;
  private volatile @Nullable String stamp;

  RegistryHolder(Registry registry) {
    this.registry = registry;
    this.changes = registry instanceof RegistryChanges c ? c : null;
    this.lastCheck = System.nanoTime();
    if (changes != null) {
      stamp = changes.changeStamp(); // before loading, so a change in between is seen next time
    }
    this.snapshot = RegistrySnapshot.of(registry.loadGroups(), registry.loadFeatures());
    this.lastReload = System.nanoTime();
  }

  RegistrySnapshot snapshot() {
    freshen();
    return snapshot;
  }

  void reload() {
    lock.lock();
    try {
      load();
    } finally {
      lock.unlock();
    }
  }

  private void load() {
    snapshot = RegistrySnapshot.of(registry.loadGroups(), registry.loadFeatures());
    lastReload = System.nanoTime();
  }

  /** Checks the change stamp when the last check is old (see the class comment). */
  private void freshen() {
    if (changes == null) {
      return;
    }
    long age = System.nanoTime() - lastCheck;
    if (age < CHECK_INTERVAL_NANOS) {
      return;
    }
    if (age > MAX_STALE_NANOS) {
      MemoryOnly.beforeIo(); // the check queries the registry
      synchronized (checkLock) {
        if (System.nanoTime() - lastCheck > MAX_STALE_NANOS) {
          check(changes);
        }
      }
    } else if (checking.compareAndSet(false, true)) {
      try {
        CHECKER.execute(
            () -> {
              try {
                synchronized (checkLock) {
                  check(changes);
                }
              } finally {
                checking.set(false);
              }
            });
      } catch (RuntimeException e) {
        checking.set(false);
      }
    }
  }

  private void check(RegistryChanges changes) {
    long started = System.nanoTime();
    if (!lock.tryLock()) {
      return; // a change is running: it reloads when it ends; check again at the next read
    }
    try {
      String now = changes.changeStamp();
      if (!now.equals(stamp)) {
        load(); // loads at least everything the stamp covers: it was read first
        stamp = now;
      }
    } catch (RuntimeException e) {
      // The registry is unreachable: keep the snapshot, try again at the next interval.
      LOG.debug("registry change check failed: {}", e.toString());
    } finally {
      lock.unlock();
    }
    lastCheck = started;
  }

  /**
   * Another instance may have changed the registry: before reporting a name as unknown, check the
   * change stamp (at most every 50 ms), or without one reload at most once a second.
   */
  RegistrySnapshot snapshotAfterMiss() {
    MemoryOnly.beforeIo(); // may query or reload the registry; an unknown name is rare
    RegistryChanges watched = changes;
    if (watched != null) {
      // The stamp is cheap: check it (at most every MISS_CHECK_INTERVAL) and reload only if moved.
      synchronized (checkLock) {
        if (System.nanoTime() - lastCheck > MISS_CHECK_INTERVAL_NANOS) {
          check(watched);
        }
      }
    } else if (System.nanoTime() - lastReload > MISS_RELOAD_INTERVAL_NANOS) {
      reload();
    }
    return snapshot;
  }

  GroupView group(@Nullable String name) {
    if (name == null || name.isBlank()) {
      throw FeatureStoreException.invalid("feature_group is required");
    }
    freshen();
    return snapshot
        .group(name)
        .or(() -> snapshotAfterMiss().group(name))
        .orElseThrow(
            () -> FeatureStoreException.notFound("feature group '" + name + "' not found"));
  }

  /** Runs a read-modify-write of the registry that reloads by itself, e.g. to retry a lost race. */
  <T> T locked(Supplier<T> change) {
    lock.lock();
    try {
      return change.get();
    } finally {
      lock.unlock();
    }
  }

  /** Runs a change against a freshly loaded snapshot, then reloads so it is visible. */
  void update(Consumer<RegistrySnapshot> change) {
    lock.lock();
    try {
      load();
      change.accept(snapshot);
      load();
    } finally {
      lock.unlock();
    }
  }
}
