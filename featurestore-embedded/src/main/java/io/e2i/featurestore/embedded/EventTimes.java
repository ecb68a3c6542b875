package io.e2i.featurestore.embedded;

import java.util.Arrays;

/**
 * The event times of one feature's latest values (one per entity), as a sorted multiset that
 * answers "how many are earlier than t" in O(log n), so the freshness monitor counts fresh, stale
 * and expired values from two such answers per feature instead of a pass over every latest value
 * (issue 15). {@link LatestIndex} keeps it in step with its entries: a new entity's value adds its
 * time, a superseding value replaces the old time.
 *
 * <p>A sorted base array plus two small sorted buffers (times added and removed since the last
 * merge), merged into the base when they fill up: a change costs a shift within a buffer of a few
 * thousand longs, a merge (one pass over the base) comes once per that many changes, and a count is
 * three binary searches. 8 bytes per latest value. Synchronized: writers and the loader change it,
 * the monitor counts, none for long.
 */
final class EventTimes {
  private static final int MIN_BUFFER = 4_096;
  private static final int MAX_BUFFER = 1 << 17;

  private long[] base = new long[0];
  private long[] added = new long[MIN_BUFFER];
  private int addedSize;
  private long[] removed = new long[MIN_BUFFER];
  private int removedSize;
  private long max = Long.MIN_VALUE;

  /** One more latest value, at {@code micros}. */
  synchronized void add(long micros) {
    addedSize = insert(added, addedSize, micros);
    max = Math.max(max, micros);
    mergeIfFull();
  }

  /** A latest value at {@code from} superseded by one at {@code to}. */
  synchronized void replace(long from, long to) {
    if (from == to) {
      return;
    }
    int i = Arrays.binarySearch(added, 0, addedSize, from);
    if (i >= 0) { // added since the last merge: forget it there
      System.arraycopy(added, i + 1, added, i, addedSize - i - 1);
      addedSize--;
    } else {
      removedSize = insert(removed, removedSize, from);
    }
    addedSize = insert(added, addedSize, to);
    max = Math.max(max, to);
    mergeIfFull();
  }

  /** How many latest values have an event time earlier than {@code micros}. */
  synchronized long countBefore(long micros) {
    return lowerBound(base, base.length, micros)
        + lowerBound(added, addedSize, micros)
        - lowerBound(removed, removedSize, micros);
  }

  synchronized long size() {
    return (long) base.length + addedSize - removedSize;
  }

  /** The latest event time, or {@link Long#MIN_VALUE} when there is none. */
  synchronized long max() {
    return size() == 0 ? Long.MIN_VALUE : max;
  }

  /** Inserts into a sorted buffer (which has room: buffers merge before they overflow). */
  private static int insert(long[] buffer, int size, long v) {
    int i = lowerBound(buffer, size, v);
    System.arraycopy(buffer, i, buffer, i + 1, size - i);
    buffer[i] = v;
    return size + 1;
  }

  /** Index of the first element not less than {@code v}: the count of elements less than it. */
  private static int lowerBound(long[] a, int size, long v) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * Buffers grow with the square root of the base (a merge copies the base; a change shifts a
   * buffer), within fixed bounds; they merge one change before they would overflow.
   */
  private void mergeIfFull() {
    int limit = (int) Math.min(MAX_BUFFER, Math.max(MIN_BUFFER, 4 * (long) Math.sqrt(base.length)));
    if (addedSize < limit - 1 && removedSize < limit - 1) {
      if (added.length < limit) {
        added = Arrays.copyOf(added, limit);
        removed = Arrays.copyOf(removed, limit);
      }
      return;
    }
    long[] merged = new long[base.length + addedSize];
    int b = 0;
    int a = 0;
    int r = 0;
    int out = 0;
    while (b < base.length || a < addedSize) {
      long v = a >= addedSize || (b < base.length && base[b] <= added[a]) ? base[b++] : added[a++];
      while (r < removedSize && removed[r] < v) {
        r++; // never added: cannot happen while LatestIndex keeps it in step; skipped
      }
      if (r < removedSize && removed[r] == v) {
        r++;
      } else {
        merged[out++] = v;
      }
    }
    base = out == merged.length ? merged : Arrays.copyOf(merged, out);
    addedSize = 0;
    removedSize = 0;
    int next = (int) Math.min(MAX_BUFFER, Math.max(MIN_BUFFER, 4 * (long) Math.sqrt(base.length)));
    if (added.length != next) {
      added = new long[next];
      removed = new long[next];
    }
  }
}
