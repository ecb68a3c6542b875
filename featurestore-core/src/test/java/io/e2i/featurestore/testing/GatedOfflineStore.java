package io.e2i.featurestore.testing;

import io.e2i.featurestore.spi.OfflineStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Any offline store, with pauses a test arms to hold a write or a read at a chosen point, so a race
 * between them happens every run instead of once in a while: just before a write reaches the store,
 * just after it did (its rows visible, the write not yet returned), and just after one thread's
 * read of the latest values (loaded, not yet cached).
 */
public final class GatedOfflineStore {
  private final AtomicReference<Pause> beforeWrite = new AtomicReference<>();
  private final AtomicReference<Pause> afterWrite = new AtomicReference<>();
  private final AtomicReference<Pause> afterLoad = new AtomicReference<>();
  private volatile Thread loader;
  private final OfflineStore store;

  public GatedOfflineStore(OfflineStore delegate) {
    this.store =
        (OfflineStore)
            Proxy.newProxyInstance(
                OfflineStore.class.getClassLoader(),
                new Class<?>[] {OfflineStore.class},
                (proxy, method, args) -> {
                  String name = method.getName();
                  if (name.equals("write")) {
                    pass(beforeWrite);
                  }
                  Object result;
                  try {
                    result = method.invoke(delegate, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                  if (name.equals("write")) {
                    pass(afterWrite);
                  } else if (name.equals("latest") && Thread.currentThread() == loader) {
                    pass(afterLoad);
                  }
                  return result;
                });
  }

  /** The store to build the feature store with. */
  public OfflineStore store() {
    return store;
  }

  /** The next write waits before it reaches the store (the cache's beginWrite has run). */
  public Pause pauseBeforeNextWrite() {
    return arm(beforeWrite);
  }

  /** The next write waits once its rows are in the store, before it returns. */
  public Pause pauseAfterNextWrite() {
    return arm(afterWrite);
  }

  /**
   * The next latest-values read of the thread named by {@link #loadsOf} waits once it has its
   * result.
   */
  public Pause pauseAfterNextLoad() {
    return arm(afterLoad);
  }

  /** The thread whose loads {@link #pauseAfterNextLoad} holds. */
  public void loadsOf(Thread thread) {
    loader = thread;
  }

  private static Pause arm(AtomicReference<Pause> slot) {
    Pause p = new Pause();
    slot.set(p);
    return p;
  }

  private static void pass(AtomicReference<Pause> slot) {
    Pause p = slot.getAndSet(null);
    if (p != null) {
      p.hold();
    }
  }

  /** One stop: the paused thread reports that it reached it, then waits for the release. */
  public static final class Pause {
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    private void hold() {
      reached.countDown();
      await(released);
    }

    /** Waits (at most 10 s) until a thread stopped here; false if none did. */
    public boolean awaitReached() {
      try {
        return reached.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    /** Lets the paused thread (or the next one to arrive) go on. */
    public void release() {
      released.countDown();
    }

    private static void await(CountDownLatch latch) {
      try {
        if (!latch.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("pause never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
