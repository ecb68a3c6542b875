package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.KeyScopes.Scope;
import io.javalin.config.JavalinConfig;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * What {@link FeatureServer} does for security, in one place: who a request acts for ({@link
 * ApiKeyAuth}), what it may touch ({@link GuardedStore}), the audit and key endpoints, their
 * OpenAPI declaration, the bind policy and TLS. Requests flow API -> auth -> validation -> store.
 */
final class ServerSecurity implements AutoCloseable {
  static final String OPENAPI = "/openapi.json";
  private static final Set<String> MONITORING = Set.of("/health", "/metrics");

  private final SecurityOptions options;
  private final SslContextFactory.@Nullable Server ssl;
  private final ApiKeyAuth auth;
  private final GuardedStore guarded;
  private final SecurityApi api;

  ServerSecurity(FeatureStore store, ServerOptions server, SecurityOptions options) {
    this.options = options;
    // TLS files first: a bad certificate should fail the start before anything else runs.
    Path cert = options.tlsCertificate();
    Path key = options.tlsKey();
    this.ssl = cert != null && key != null ? Tls.context(cert, key) : null;
    this.auth = new ApiKeyAuth(store.security(), options);
    this.guarded = new GuardedStore(store);
    this.api =
        new SecurityApi(store.security(), server.maxBodyBytes(), auth::refreshNow, auth::required);
  }

  /** The store the API calls: every call checked against the request's principal. */
  FeatureStore store() {
    return guarded;
  }

  /** The audit log and key management endpoints. */
  List<Endpoint> endpoints() {
    return api.endpoints();
  }

  /**
   * Publishes the OpenAPI document with the bearer scheme, 401/403 answers and this API's schemas:
   * now, and again when keys turn on (until then it says the key is optional, as it is).
   */
  void publishDocument(Map<String, Object> doc, Consumer<byte[]> publish) {
    Set<String> open = new java.util.HashSet<>(UiRoutes.OPEN_PATHS);
    open.addAll(
        options.keyedMonitoring() ? Set.of(OPENAPI) : Set.of(OPENAPI, "/health", "/metrics"));
    byte[] keyed = Wire.bytes(SecurityDoc.addTo(doc, open, true));
    if (!auth.required()) {
      publish.accept(Wire.bytes(SecurityDoc.addTo(doc, open, false)));
    }
    auth.onRequired(() -> publish.accept(keyed));
  }

  /** Adds the HTTPS connector when TLS is configured (then there is no plain HTTP listener). */
  void configure(JavalinConfig config, ServerOptions server) {
    SslContextFactory.@Nullable Server context = ssl;
    if (context != null) {
      config.jetty.addConnector(
          (jetty, http) -> Tls.connector(jetty, http, context, server.host(), server.port()));
    }
  }

  boolean tls() {
    return ssl != null;
  }

  /** Whether requests need a key now. */
  boolean keysRequired() {
    return auth.required();
  }

  /**
   * Without keys every caller acts as the local user, so listen only where only this machine can
   * call, unless told otherwise.
   */
  void checkBind(String host) {
    if (auth.required() || options.insecure() || SecurityOptions.isLoopback(host)) {
      return;
    }
    throw FeatureStoreException.invalid(
        "refusing to listen on "
            + host
            + " without API keys: anyone who can reach it could read and write every feature."
            + " Create a key first (featurestore keys create --name NAME --admin '*'), listen on"
            + " 127.0.0.1, or accept the risk with --insecure");
  }

  /**
   * Who the request acts for. The document, health and metrics (unless keyed) answer anyone;
   * everything else needs a valid key once the store has keys.
   *
   * @throws ApiKeyAuth.Unauthenticated for a 401
   */
  Principal principal(Endpoint e, HttpServletRequest req) {
    boolean open =
        e.path().equals(OPENAPI)
            || UiRoutes.OPEN_PATHS.contains(e.path())
            || (MONITORING.contains(e.path()) && auth.monitoringOpen());
    if (open) {
      return auth.required() ? Principal.ANONYMOUS : Principal.LOCAL;
    }
    return auth.authenticate(req.getHeader("Authorization"));
  }

  /**
   * The scope each operation needs on the groups it touches, for the 403 message when an earlier
   * check (e.g. reading the group before creating it) fails first. The checks themselves are made
   * by {@link GuardedStore} on what each call really touches; this table only explains them.
   */
  static @Nullable Scope needs(String operationId) {
    return switch (operationId) {
      case "create_feature_group",
          "update_feature_group",
          "create_feature",
          "update_feature",
          "apply" ->
          Scope.ADMIN;
      case "write_feature_value",
          "write_batch_features",
          "compute_statistics",
          "invalidate_cache",
          "update_freshness_status",
          "tag_training_set_run",
          "feast_write_to_online_store",
          "feast_push",
          "feast_materialize",
          "feast_materialize_incremental" ->
          Scope.WRITE;
      case "health_check", "metrics", "openapi" -> null;
      default -> Scope.READ;
    };
  }

  /** Answers a 401 with the RFC 6750 challenge. */
  static int unauthenticated(
      HttpServletRequest req, HttpServletResponse res, ApiKeyAuth.Unauthenticated u) {
    res.setHeader("WWW-Authenticate", u.challenge());
    return FeatureServer.writeError(
        req, res, 401, "UNAUTHENTICATED", Objects.requireNonNull(u.getMessage()));
  }

  /** Writes the last key-use counts. */
  @Override
  public void close() {
    auth.close();
  }
}
