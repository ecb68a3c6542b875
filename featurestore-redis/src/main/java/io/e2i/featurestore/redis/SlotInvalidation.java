package io.e2i.featurestore.redis;

import io.lettuce.core.RedisCommandExecutionException;
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
 * the client's current topology names. A slot that moved (a failover the client has not seen yet:
 * the old master, now a replica, answers MOVED) is retried on its new master after a topology
 * refresh, at most twice: a write must not return while its invalidation is missing on the master
 * that other instances already read from. Any other failure fails the invalidation (the link then
 * advances the epochs, as for any lost invalidation).
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
    List<Object> deleted = new ArrayList<>();
    Map<Integer, List<String>> pending = keysBySlot;
    for (int attempt = 0; ; attempt++) {
      Map<Integer, List<String>> moved =
          runOnce(cluster, link, timeout, script, pending, deleted, args);
      if (moved.isEmpty()) {
        return deleted;
      }
      if (attempt == 2) {
        throw new RedisException("slots " + moved.keySet() + " still moved after two refreshes");
      }
      link.refreshTopology();
      pending = moved;
    }
  }

  /** One pass; returns the slots whose master answered MOVED, with their keys. */
  private static Map<Integer, List<String>> runOnce(
      StatefulRedisClusterConnection<String, String> cluster,
      RedisLink link,
      Duration timeout,
      Script script,
      Map<Integer, List<String>> keysBySlot,
      List<Object> deleted,
      String... args) {
    Map<Integer, List<String>> moved = new LinkedHashMap<>();
    Map<String, List<Map.Entry<Integer, List<String>>>> byMaster = new LinkedHashMap<>();
    for (Map.Entry<Integer, List<String>> slotKeys : keysBySlot.entrySet()) {
      RedisClusterNode master = cluster.getPartitions().getPartitionBySlot(slotKeys.getKey());
      if (master == null) {
        throw new IllegalStateException("no master serves slot " + slotKeys.getKey());
      }
      byMaster.computeIfAbsent(master.getNodeId(), id -> new ArrayList<>()).add(slotKeys);
    }
    for (Map.Entry<String, List<Map.Entry<Integer, List<String>>>> master : byMaster.entrySet()) {
      StatefulRedisConnection<String, String> node = cluster.getConnection(master.getKey());
      List<RedisFuture<List<Object>>> calls = new ArrayList<>();
      for (Map.Entry<Integer, List<String>> slotKeys : master.getValue()) {
        String[] keys = slotKeys.getValue().toArray(String[]::new);
        calls.add(node.async().evalsha(script.sha(), ScriptOutputType.MULTI, keys, args));
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      boolean ran = false;
      for (int i = 0; i < calls.size(); i++) {
        Map.Entry<Integer, List<String>> slotKeys = master.getValue().get(i);
        try {
          deleted.addAll(reply(calls.get(i), deadline, node, script, slotKeys, args));
          ran = true;
        } catch (RedisCommandExecutionException e) {
          if (!String.valueOf(e.getMessage()).startsWith("MOVED")) {
            throw e;
          }
          moved.put(slotKeys.getKey(), slotKeys.getValue());
        }
      }
      if (ran) { // a node that moved every slot is a replica now: WAIT is refused there
        link.awaitReplicas(master.getKey(), node.sync());
      }
    }
    return moved;
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
