package io.e2i.featurestore.redis;

import io.lettuce.core.cluster.SlotHash;

/**
 * The epoch keys of a Redis Cluster: one per hash slot, {@code fs:{<tag>}:epoch} with a tag chosen
 * so the key lands in that slot. A script may only touch keys of one slot, so the epoch an entry is
 * checked against must live in the entry's slot; the cluster's epoch is the set of all 16,384.
 *
 * <p>Tags are the shortest base-36 numbers hashing to each slot, found once by counting up (about
 * 170,000 CRC16s, a few milliseconds); they never change, since CRC16 is fixed by Redis.
 */
final class SlotEpochs {
  private static final String[] KEYS = keys();

  private SlotEpochs() {}

  /** The epoch key in the slot of {@code entityHash} (the hash tag of the entity's keys). */
  static String forEntity(String entityHash) {
    return forSlot(SlotHash.getSlot(entityHash));
  }

  static String forSlot(int slot) {
    return KEYS[slot];
  }

  private static String[] keys() {
    String[] keys = new String[SlotHash.SLOT_COUNT];
    int missing = keys.length;
    for (long i = 0; missing > 0; i++) {
      String tag = Long.toString(i, 36);
      int slot = SlotHash.getSlot(tag);
      if (keys[slot] == null) {
        keys[slot] = "fs:{" + tag + "}:epoch";
        missing--;
      }
    }
    return keys;
  }
}
