package io.e2i.featurestore.redis;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one script over many chunks of keys on a standalone connection with up to {@value #DEPTH}
 * calls in flight, instead of waiting for each chunk's reply before sending the next: Redis runs
 * one chunk while the client sends the next and reads the last reply. {@link #finish} returns only
 * once every chunk's reply came back, so the caller's ordering (a write's begin before its commit,
 * its end before it returns) is the same as with one call at a time.
 *
 * <p>Why only {@value #DEPTH}: the connection is shared by every thread of the instance, and each
 * command is bounded by {@code redis_timeout_ms} from the moment it is sent. A deeper pipeline
 * would make a read queued behind it (and the last chunks themselves) wait for more chunks' work
 * within that bound; {@value #DEPTH} chunks of 256 scopes are a few milliseconds of Redis work.
 */
final class ScriptPipeline {
  static final int DEPTH = 3;

  private final StatefulRedisConnection<String, String> connection;
  private final Script script;
  private final Duration timeout;
  private final String[] args;
  private final ArrayDeque<Call> inFlight = new ArrayDeque<>(DEPTH);

  private record Call(String[] keys, RedisFuture<List<Object>> reply) {}

  ScriptPipeline(
      StatefulRedisConnection<String, String> connection,
      Script script,
      Duration timeout,
      String... args) {
    this.connection = connection;
    this.script = script;
    this.timeout = timeout;
    this.args = args;
  }

  /** Sends one chunk, first waiting for the oldest reply if {@value #DEPTH} are in flight. */
  void send(String[] keys) {
    if (inFlight.size() == DEPTH) {
      awaitOldest();
    }
    inFlight.add(
        new Call(
            keys, connection.async().evalsha(script.sha(), ScriptOutputType.MULTI, keys, args)));
  }

  /** Waits for every reply still in flight; throws the first failure. */
  void finish() {
    while (!inFlight.isEmpty()) {
      awaitOldest();
    }
  }

  private void awaitOldest() {
    Call call = inFlight.remove();
    try {
      call.reply().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RedisNoScriptException) {
        // First use (or Redis restarted): send the text once; it is known for the next chunks.
        connection.sync().eval(script.text(), ScriptOutputType.MULTI, call.keys(), args);
        return;
      }
      throw e.getCause() instanceof RuntimeException r ? r : new RedisException(e.getCause());
    } catch (TimeoutException e) {
      throw new RedisCommandTimeoutException(script + " timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisException("interrupted while waiting for " + script, e);
    }
  }
}
