package io.e2i.featurestore.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that make the cache's check-and-set steps atomic in Redis. Each runs by its SHA
 * and is sent whole only when Redis does not know it (first use, or after a restart).
 */
enum Script {
  /**
   * Caches a value unless the generation or the epoch moved or a write is in flight on the (entity,
   * group) (marked in the current epoch). KEYS: entry, gen, index, epoch, groups of the entity,
   * writes in flight. ARGV: json, ttl seconds, expected gen, expected epoch, group.
   */
  PUT_IF_CURRENT(
      """
      local gen = tonumber(redis.call('GET', KEYS[2]) or '0')
      local epoch = tonumber(redis.call('GET', KEYS[4]) or '0')
      if gen ~= tonumber(ARGV[3]) or epoch ~= tonumber(ARGV[4]) then
        return 0
      end
      if tonumber(redis.call('HGET', KEYS[6], tostring(epoch)) or '0') > 0 then
        return 0
      end
      redis.call('SET', KEYS[1], ARGV[4] .. '|' .. ARGV[1], 'EX', ARGV[2])
      redis.call('SADD', KEYS[3], KEYS[1])
      redis.call('EXPIRE', KEYS[3], ARGV[2])
      redis.call('SADD', KEYS[5], ARGV[5])
      redis.call('EXPIRE', KEYS[5], ARGV[2])
      return 1
      """),

  /**
   * Advances the generation of each (entity, group) and deletes every entry its index names. KEYS:
   * gen, index pairs. ARGV: how long a generation is kept. Returns the deleted entry keys.
   */
  INVALIDATE(
      """
      local deleted = {}
      for i = 1, #KEYS, 2 do
        redis.call('INCR', KEYS[i])
        redis.call('EXPIRE', KEYS[i], ARGV[1])
        local members = redis.call('SMEMBERS', KEYS[i + 1])
        for _, key in ipairs(members) do
          redis.call('UNLINK', key)
          deleted[#deleted + 1] = key
        end
        redis.call('DEL', KEYS[i + 1])
      end
      return deleted
      """),

  /**
   * A write's start, before its rows can be visible: INVALIDATE, and one more write in flight on
   * each (entity, group), counted in a hash under the current epoch, so PUT_IF_CURRENT caches
   * nothing for it until WRITE_END. A mark whose end was lost (Redis unreachable, or the writer
   * died) is void once the epoch moves, which the lost call itself makes happen (see RedisLink),
   * and otherwise expires with the generation. KEYS: gen, index, writes-in-flight triples, then the
   * epoch. ARGV: how long a generation (and a mark) is kept. Returns the deleted entry keys.
   */
  WRITE_BEGIN(
      """
      local epoch = tostring(tonumber(redis.call('GET', KEYS[#KEYS]) or '0'))
      local deleted = {}
      for i = 1, #KEYS - 1, 3 do
        redis.call('INCR', KEYS[i])
        redis.call('EXPIRE', KEYS[i], ARGV[1])
        redis.call('HINCRBY', KEYS[i + 2], epoch, 1)
        redis.call('EXPIRE', KEYS[i + 2], ARGV[1])
        local members = redis.call('SMEMBERS', KEYS[i + 1])
        for _, key in ipairs(members) do
          redis.call('UNLINK', key)
          deleted[#deleted + 1] = key
        end
        redis.call('DEL', KEYS[i + 1])
      end
      return deleted
      """),

  /**
   * A write's end (committed or failed): one write fewer in flight, and the generation advanced
   * again, so a load that began during the write is not cached after it. Nothing was cached while
   * the write was in flight, so there is nothing to delete. KEYS and ARGV as WRITE_BEGIN's.
   *
   * <p>The generation's expiry is not renewed: WRITE_BEGIN set it (TTL + 5 minutes) a write's
   * duration ago, and a read that takes the generation after the end still has that margin less the
   * write's duration, seconds at most. Only a generation that is gone (expired during a write
   * longer than that, or lost with a Redis restart) comes back from INCR as 1, and gets its expiry
   * here, so no generation key outlives its use forever.
   */
  WRITE_END(
      """
      local epoch = tostring(tonumber(redis.call('GET', KEYS[#KEYS]) or '0'))
      for i = 1, #KEYS - 1, 3 do
        if redis.call('INCR', KEYS[i]) == 1 then
          redis.call('EXPIRE', KEYS[i], ARGV[1])
        end
        if redis.call('HINCRBY', KEYS[i + 2], epoch, -1) <= 0 then
          redis.call('HDEL', KEYS[i + 2], epoch)
        end
      end
      return {}
      """),

  /**
   * INVALIDATE for every group the entity has entries in. KEYS: the entity's group set. ARGV: the
   * entity's key prefix {@code fs:{<hash>}:fg:}, how long a generation is kept. The keys it builds
   * share the group set's hash tag, so in a cluster they are in the slot the script runs on.
   */
  INVALIDATE_ENTITY(
      """
      local deleted = {}
      for _, group in ipairs(redis.call('SMEMBERS', KEYS[1])) do
        local prefix = ARGV[1] .. group
        redis.call('INCR', prefix .. ':gen')
        redis.call('EXPIRE', prefix .. ':gen', ARGV[2])
        for _, key in ipairs(redis.call('SMEMBERS', prefix .. ':keys')) do
          redis.call('UNLINK', key)
          deleted[#deleted + 1] = key
        end
        redis.call('DEL', prefix .. ':keys')
      end
      redis.call('DEL', KEYS[1])
      return deleted
      """);

  private final String text;
  private final String sha;

  Script(String text) {
    this.text = text;
    this.sha = sha1(text);
  }

  String sha() {
    return sha;
  }

  String text() {
    return text;
  }

  <T> T run(
      RedisClusterCommands<String, String> redis,
      ScriptOutputType type,
      String[] keys,
      String... args) {
    try {
      return redis.evalsha(sha, type, keys, args);
    } catch (RedisNoScriptException e) {
      return redis.eval(text, type, keys, args); // also loads it for the next evalsha
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }
}
