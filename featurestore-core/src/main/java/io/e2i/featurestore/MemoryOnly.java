package io.e2i.featurestore;

import java.util.concurrent.Callable;

/**
 * A scope in which online reads may only answer from this process's memory: the in-process cache, a
 * remote cache's near copy and the registry snapshot, with no query, no round trip and no wait on a
 * lock that I/O holds. A read that cannot (a cache miss, an as-of read, a read past the cache, a
 * registry check that is due) throws {@link WouldBlock} before any side effect: nothing cached,
 * nothing counted. The server runs reads in its I/O thread this way and hands a {@code WouldBlock}
 * to a pool thread, which reads as usual.
 */
public final class MemoryOnly {
  private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();
  private static final WouldBlock WOULD_BLOCK = new WouldBlock();

  private MemoryOnly() {}

  /** Runs {@code work} with memory-only reads in this thread. */
  public static <T> T call(Callable<T> work) throws Exception {
    Boolean previous = ACTIVE.get();
    ACTIVE.set(Boolean.TRUE);
    try {
      return work.call();
    } finally {
      ACTIVE.set(previous);
    }
  }

  /** Whether this thread is in a memory-only scope. */
  static boolean active() {
    return ACTIVE.get() != null;
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
