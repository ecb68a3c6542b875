package io.e2i.featurestore.server;

import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.KeyUse;
import io.e2i.featurestore.SecurityRegistry;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks {@code Authorization: Bearer <key>} against the keys in the registry.
 *
 * <p>The keys live in memory, reloaded from the registry every {@link SecurityOptions#keyRefresh()}
 * (0.5 s by default), so a check is a map lookup and one SHA-256 (a few microseconds), and a key
 * created or revoked on any instance takes effect on this one within that time. If the registry
 * cannot be read, the last keys loaded stay in force. Use counts are flushed to the registry every
 * {@link SecurityOptions#useFlush()} and when the server stops.
 *
 * <p>Authentication is required from the moment any active key exists, and stays required: a server
 * never falls back to open access because its keys were revoked.
 */
final class ApiKeyAuth implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyAuth.class);
  private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  static final String BEARER = "Bearer ";

  /** A 401: no key, a malformed header, or a key that is unknown or revoked. */
  static final class Unauthenticated extends RuntimeException {
    private final boolean keyPresented;

    Unauthenticated(String message, boolean keyPresented) {
      super(message, null, false, false);
      this.keyPresented = keyPresented;
    }

    /** The challenge of RFC 6750: "invalid_token" when a key was sent but is not accepted. */
    String challenge() {
      return keyPresented
          ? "Bearer realm=\"featurestore\", error=\"invalid_token\""
          : "Bearer realm=\"featurestore\"";
    }
  }

  private record Entry(byte[] hash, Principal principal) {}

  private final SecurityRegistry security;
  private final SecurityOptions options;
  private final @Nullable ScheduledExecutorService timer;
  private final List<Principal> retired = new ArrayList<>();
  private final Object flushLock = new Object();
  private volatile Map<String, Entry> byId = Map.of();
  private volatile boolean required;
  private final List<Runnable> onRequired = new ArrayList<>();
  private long lastFailureLog;
  private boolean failing;

  /** Loads the keys once (a failure here fails the server's start), then keeps them fresh. */
  ApiKeyAuth(SecurityRegistry security, SecurityOptions options) {
    this.security = security;
    this.options = options;
    if (!security.supported()) {
      timer = null;
      return;
    }
    load();
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "featurestore-api-keys");
              t.setDaemon(true);
              return t;
            });
    long refresh = options.keyRefresh().toNanos();
    timer.scheduleWithFixedDelay(this::refresh, refresh, refresh, TimeUnit.NANOSECONDS);
    long flush = options.useFlush().toNanos();
    timer.scheduleWithFixedDelay(this::flushQuietly, flush, flush, TimeUnit.NANOSECONDS);
  }

  /** Whether requests need a key: some key was active since this server started. */
  boolean required() {
    return required;
  }

  /** Runs {@code action} once keys are required: now if they are, else when the first appears. */
  void onRequired(Runnable action) {
    synchronized (onRequired) {
      if (!required) {
        onRequired.add(action);
        return;
      }
    }
    action.run();
  }

  /**
   * The principal a request acts for: {@link Principal#LOCAL} while no key exists, else the key's.
   *
   * @throws Unauthenticated when a key is required and the header does not carry a valid one
   */
  Principal authenticate(@Nullable String authorization) {
    if (!required) {
      return Principal.LOCAL;
    }
    if (authorization == null || authorization.isBlank()) {
      throw new Unauthenticated(
          "an API key is required: send the header 'Authorization: Bearer <key>'", false);
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new Unauthenticated("the Authorization header must read 'Bearer <key>'", false);
    }
    String key = authorization.substring(BEARER.length()).trim();
    // Hash whatever was sent, so answering takes as long for a malformed key as for a wrong one.
    byte[] hash = SecurityRegistry.sha256(key);
    String id = SecurityRegistry.keyId(key);
    Entry e = id == null ? null : byId.get(id);
    if (e == null || !MessageDigest.isEqual(e.hash(), hash)) {
      throw new Unauthenticated("the API key is not valid (unknown or revoked)", true);
    }
    e.principal().used();
    return e.principal();
  }

  /** Whether a caller without a key may see health and metrics. */
  boolean monitoringOpen() {
    return !options.keyedMonitoring() || !required;
  }

  // ---------------------------------------------------------------- refresh

  /** Reloads the keys now, e.g. after this server created or revoked one. */
  void refreshNow() {
    if (security.supported()) {
      refresh();
    }
  }

  private synchronized void refresh() {
    try {
      load();
      if (failing) {
        failing = false;
        LOG.info("API keys: the registry answers again");
      }
    } catch (RuntimeException e) {
      long now = System.nanoTime();
      if (!failing || now - lastFailureLog > FAILURE_LOG_INTERVAL_NANOS) {
        LOG.warn(
            "API keys: cannot reload from the registry, the last keys loaded stay: {}",
            e.toString());
        lastFailureLog = now;
      }
      failing = true;
    }
  }

  private synchronized void load() {
    List<ApiKey> keys = security.listKeys();
    Map<String, Entry> previous = byId;
    Map<String, Entry> next = new HashMap<>();
    for (ApiKey k : keys) {
      if (!k.active()) {
        continue;
      }
      Entry old = previous.get(k.id());
      // Keep the Principal, and so its unflushed use counts, across reloads.
      next.put(
          k.id(),
          old != null
              ? old
              : new Entry(
                  java.util.HexFormat.of().parseHex(k.hash()),
                  new Principal(k.name(), k.id(), k.scopes())));
    }
    synchronized (flushLock) {
      for (Map.Entry<String, Entry> e : previous.entrySet()) {
        if (!next.containsKey(e.getKey())) {
          retired.add(e.getValue().principal()); // revoked: flush what it did before
        }
      }
    }
    byId = Map.copyOf(next);
    if (!next.isEmpty() && !required) {
      List<Runnable> actions;
      synchronized (onRequired) {
        required = true;
        actions = List.copyOf(onRequired);
        onRequired.clear();
      }
      LOG.info("API keys found: every request now needs 'Authorization: Bearer <key>'");
      actions.forEach(Runnable::run);
    }
  }

  // ---------------------------------------------------------------- use

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.warn("API keys: cannot record key use, will retry: {}", e.toString());
    }
  }

  /** Writes the use counts gathered since the last flush to the registry. */
  void flush() {
    synchronized (flushLock) {
      List<Principal> principals = new ArrayList<>(retired);
      retired.clear();
      for (Entry e : byId.values()) {
        principals.add(e.principal());
      }
      List<Principal> used = new ArrayList<>();
      List<Principal.Use> uses = new ArrayList<>();
      List<KeyUse> records = new ArrayList<>();
      for (Principal p : principals) {
        Principal.Use u = p.drainUse();
        String keyId = p.keyId();
        if (u != null && keyId != null) {
          used.add(p);
          uses.add(u);
          records.add(
              new KeyUse(
                  keyId,
                  p.name(),
                  u.requests(),
                  u.denied(),
                  Instant.ofEpochMilli(u.firstAtMillis()),
                  Instant.ofEpochMilli(u.lastAtMillis())));
        }
      }
      try {
        security.recordUse(records);
      } catch (RuntimeException e) {
        for (int i = 0; i < used.size(); i++) {
          used.get(i).restoreUse(uses.get(i));
          if (!byId.containsKey(used.get(i).keyId())) {
            retired.add(used.get(i));
          }
        }
        throw e;
      }
    }
  }

  /** Stops reloading and writes the last use counts. */
  @Override
  public void close() {
    if (timer == null) {
      return;
    }
    timer.shutdownNow();
    flushQuietly();
  }
}
