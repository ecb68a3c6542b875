package io.e2i.featurestore.server;

import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.KeyScopes.Scope;
import io.e2i.featurestore.SecurityRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Who a request acts for: an API key with its scopes, the local user of a server without keys
 * (everything allowed), or an anonymous caller of an open endpoint (nothing allowed). The request
 * thread carries it ({@link #runAs}), so the store's guard ({@link GuardedStore}) checks each call
 * against the groups that call really touches.
 *
 * <p>Also counts the key's use in memory; {@link ApiKeyAuth} flushes the counts to the registry
 * periodically, so a request never waits for a database write.
 */
final class Principal {
  private static final ThreadLocal<@Nullable Call> CURRENT = new ThreadLocal<>();

  /** The request a thread serves: who, and which operation (for the 403 message). */
  private record Call(Principal principal, String operation) {}

  /** A server without keys: the caller is whoever can reach the loopback interface. */
  static final Principal LOCAL = new Principal(SecurityRegistry.LOCAL, null, KeyScopes.all());

  /** A caller without a key, on an endpoint that needs none (health, metrics, the document). */
  static final Principal ANONYMOUS = new Principal("anonymous", null, KeyScopes.none());

  private final String name;
  private final @Nullable String keyId;
  private final KeyScopes scopes;
  private final boolean unrestricted;
  private final LongAdder requests = new LongAdder();
  private final LongAdder denied = new LongAdder();
  private final AtomicLong firstAtMillis = new AtomicLong();
  private volatile long lastAtMillis;

  Principal(String name, @Nullable String keyId, KeyScopes scopes) {
    this.name = name;
    this.keyId = keyId;
    this.scopes = scopes;
    this.unrestricted = KeyScopes.all().equals(scopes);
  }

  String name() {
    return name;
  }

  @Nullable String keyId() {
    return keyId;
  }

  KeyScopes scopes() {
    return scopes;
  }

  /** Every scope on every group: no check needs to look further. */
  boolean unrestricted() {
    return unrestricted;
  }

  boolean allows(Scope scope, String group) {
    return unrestricted || scopes.allows(scope, group);
  }

  /** Refuses (403, naming the scope and the group) unless the scope covers the group. */
  void require(Scope scope, String group) {
    if (!allows(scope, group)) {
      throw refused(
          scope, "has no " + scope.wireName() + " scope on feature group '" + group + "'");
    }
  }

  /** Refuses unless the scope covers every group ({@code '*'}), naming what needs it. */
  void requireEverything(Scope scope, String what) {
    if (!unrestricted && !scopes.allowsEverything(scope)) {
      throw refused(scope, "needs " + scope.wireName() + " on every group ('*') for " + what);
    }
  }

  /**
   * A 403. When the operation needs a stronger scope than the check that failed (creating a group
   * reads it first), the message says so, so the caller learns what to ask for.
   */
  private ApiException refused(Scope checked, String why) {
    denied.increment();
    Call call = CURRENT.get();
    Scope needed = call == null ? null : ServerSecurity.needs(call.operation());
    String hint =
        call == null || needed == null || needed == checked
            ? ""
            : "; " + call.operation() + " needs " + needed.wireName();
    return ApiException.forbidden(describe() + " " + why + hint);
  }

  private String describe() {
    return keyId == null ? "this caller" : "API key '" + name + "'";
  }

  // ---------------------------------------------------------------- the request's principal

  /** Runs a request's handler (the operation named {@code operation}) as this principal. */
  <T> T runAs(String operation, ThrowingSupplier<T> work) throws Exception {
    Call previous = CURRENT.get();
    CURRENT.set(new Call(this, operation));
    try {
      return work.get();
    } finally {
      CURRENT.set(previous);
    }
  }

  /** The principal of the request this thread serves; anonymous outside of one. */
  static Principal current() {
    Call call = CURRENT.get();
    return call == null ? ANONYMOUS : call.principal();
  }

  @FunctionalInterface
  interface ThrowingSupplier<T> {
    T get() throws Exception;
  }

  // ---------------------------------------------------------------- use counts

  /** Counts one accepted request. */
  void used() {
    long now = System.currentTimeMillis();
    requests.increment();
    // Reads first: a write on every request would bounce the cache line between threads.
    if (firstAtMillis.get() == 0) {
      firstAtMillis.compareAndSet(0, now);
    }
    if (lastAtMillis != now) {
      lastAtMillis = now;
    }
  }

  /** The counts since the last drain, reset; null when unused. */
  @Nullable Use drainUse() {
    long n = requests.sumThenReset();
    long d = denied.sumThenReset();
    long first = firstAtMillis.getAndSet(0);
    if (n == 0 && d == 0) {
      return null;
    }
    return new Use(n, d, first == 0 ? lastAtMillis : first, lastAtMillis);
  }

  /** Puts counts back after a failed flush, so the next flush writes them. */
  void restoreUse(Use use) {
    requests.add(use.requests());
    denied.add(use.denied());
    firstAtMillis.accumulateAndGet(use.firstAtMillis(), (a, b) -> a == 0 ? b : Math.min(a, b));
  }

  record Use(long requests, long denied, long firstAtMillis, long lastAtMillis) {}

  @Override
  public String toString() {
    return "Principal[" + name + "]";
  }
}
