package io.e2i.featurestore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * A scope in which online reads may only answer from this process's memory: the in-process cache, a
 * remote cache's near copy and the registry snapshot, with no query, no round trip and no wait on a
 * lock that I/O holds. A read that cannot (a cache miss, an as-of read, a read past the cache, a
 * registry check that is due) throws {@link WouldBlock} before any side effect: nothing cached,
 * nothing counted (counts made in the scope wait for its end, see {@link #count}). The server runs
 * reads in its I/O thread this way and hands a {@code WouldBlock} to a pool thread, which reads as
 * usual.
 */
public final class MemoryOnly {
  private static final ThreadLocal<@Nullable Scope> SCOPE = new ThreadLocal<>();
  private static final WouldBlock WOULD_BLOCK = new WouldBlock();

  /** The counts of one scope, applied only if it answers: a retried read must count once. */
  private static final class Scope {
    private @Nullable List<Runnable> counts;

    void add(Runnable count) {
      if (counts == null) {
        counts = new ArrayList<>(2);
      }
      counts.add(count);
    }

    void apply() {
      if (counts != null) {
        counts.forEach(Runnable::run);
      }
    }
  }

  private MemoryOnly() {}

  /**
   * Runs {@code work} with memory-only reads in this thread. The counts its reads made ({@link
   * #count}) apply when it returns or throws anything but {@link WouldBlock}: a request of several
   * reads (e.g. Feast's, one per entity) that signals after some hits has counted none of them.
   */
  public static <T> T call(Callable<T> work) throws Exception {
    Scope previous = SCOPE.get();
    Scope scope = new Scope();
    SCOPE.set(scope);
    boolean signalled = false;
    try {
      return work.call();
    } catch (WouldBlock w) {
      signalled = true;
      throw w;
    } finally {
      SCOPE.set(previous);
      if (!signalled) {
        scope.apply();
      }
    }
  }

  /**
   * Counts (e.g. a cache hit): now outside a scope; inside, when the scope ends without {@link
   * WouldBlock}.
   */
  public static void count(Runnable count) {
    Scope scope = SCOPE.get();
    if (scope == null) {
      count.run();
    } else {
      scope.add(count);
    }
  }

  /** Whether this thread is in a memory-only scope. */
  static boolean active() {
    return SCOPE.get() != null;
  }

  /** Throws {@link WouldBlock} in a memory-only scope: the caller is about to do I/O. */
  static void beforeIo() {
    if (active()) {
      throw WOULD_BLOCK;
    }
  }

  /** The signal, for a caller in the scope that found it cannot answer from memory. */
  static WouldBlock signal() {
    return WOULD_BLOCK;
  }

  /** The signal: this read needs I/O; nothing was done yet, so it can be retried elsewhere. */
  public static final class WouldBlock extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private WouldBlock() {
      super("the read needs I/O", null, false, false); // a signal: no stack trace, shared
    }
  }
}
