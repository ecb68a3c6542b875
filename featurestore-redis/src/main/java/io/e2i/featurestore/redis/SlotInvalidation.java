package io.e2i.featurestore.redis;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs an invalidation script in a Redis Cluster: one call per hash slot (a script may touch one
 * slot only), pipelined on each master's own connection, then WAIT on that same connection, so the
 * write returns only once the master's replicas hold the invalidation too. Scripts go to the master
 * the client's current topology names; one that moved answers MOVED, which fails the invalidation
 * (the link then advances the epochs, as for any lost invalidation).
 */
final class SlotInvalidation {
  private SlotInvalidation() {}

  /**
   * @param keysBySlot the script's KEYS, per slot
   * @return every script's MULTI reply, concatenated (the entry keys it deleted)
   */
  static List<Object> run(
      StatefulRedisClusterConnection<String, String> cluster,
      RedisLink link,
      Duration timeout,
      Script script,
      Map<Integer, List<String>> keysBySlot,
      String... args) {
    Map<String, List<Map.Entry<Integer, List<String>>>> byMaster = new LinkedHashMap<>();
    for (Map.Entry<Integer, List<String>> slotKeys : keysBySlot.entrySet()) {
      RedisClusterNode master = cluster.getPartitions().getPartitionBySlot(slotKeys.getKey());
      if (master == null) {
        throw new IllegalStateException("no master serves slot " + slotKeys.getKey());
      }
      byMaster.computeIfAbsent(master.getNodeId(), id -> new ArrayList<>()).add(slotKeys);
    }
    List<Object> deleted = new ArrayList<>();
    for (Map.Entry<String, List<Map.Entry<Integer, List<String>>>> master : byMaster.entrySet()) {
      StatefulRedisConnection<String, String> node = cluster.getConnection(master.getKey());
      List<RedisFuture<List<Object>>> calls = new ArrayList<>();
      for (Map.Entry<Integer, List<String>> slotKeys : master.getValue()) {
        String[] keys = slotKeys.getValue().toArray(String[]::new);
        calls.add(node.async().evalsha(script.sha(), ScriptOutputType.MULTI, keys, args));
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      for (int i = 0; i < calls.size(); i++) {
        deleted.addAll(reply(calls.get(i), deadline, node, script, master.getValue().get(i), args));
      }
      link.awaitReplicas(master.getKey(), node.sync());
    }
    return deleted;
  }

  private static List<Object> reply(
      RedisFuture<List<Object>> call,
      long deadline,
      StatefulRedisConnection<String, String> node,
      Script script,
      Map.Entry<Integer, List<String>> slotKeys,
      String[] args) {
    try {
      return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RedisNoScriptException) {
        // First use on this master (or it was promoted or restarted): send the text once.
        String[] keys = slotKeys.getValue().toArray(String[]::new);
        return node.sync().eval(script.text(), ScriptOutputType.MULTI, keys, args);
      }
      throw e.getCause() instanceof RuntimeException r ? r : new RedisException(e.getCause());
    } catch (TimeoutException e) {
      throw new RedisCommandTimeoutException("invalidation script timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisException("interrupted while invalidating", e);
    }
  }

  /** The slot of an entity's keys (its hash is their hash tag). */
  static int slotOf(String entityHash) {
    return SlotHash.getSlot(entityHash);
  }
}
