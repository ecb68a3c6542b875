package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.MemoryOnly;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.util.JavalinLogger;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.EofException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP feature server: the REST API of DESIGN.md, a Feast-compatible {@code
 * /get-online-features}, {@code /openapi.json}, {@code /metrics} and {@code /health} over one
 * {@link FeatureStore}.
 *
 * <pre>
 * try (FeatureServer server = FeatureServer.start(store, 8080)) {
 *   ... server.port() ...
 * } // stop(): graceful
 * </pre>
 *
 * <p>{@link #stop()} is graceful: new requests are refused with 503, requests in flight run to
 * their end (up to {@link ServerOptions#shutdownTimeout()}), then the listener closes. A write is
 * acknowledged only after the store committed it, so nothing acknowledged is lost. The server does
 * not close the store: its owner does, after {@link #stop()}.
 */
public final class FeatureServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureServer.class);
  static final String JSON = "application/json";
  private static final String ANSWERED = "fs.answered";
  private static final long MAX_SWALLOW_BYTES = 64L << 20;
  private static final java.util.Set<String> HOT_PATHS =
      java.util.Set.of("/api/v1/online-features", "/get-online-features");

  private final Javalin app;
  private final ServerOptions options;
  private final ServerSecurity security;
  private final List<String> registered = Collections.synchronizedList(new ArrayList<>());
  private final Routes routes;
  private final QueryParams queryParams;
  private final QualityApi quality;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private volatile boolean stopped;

  private FeatureServer(
      FeatureStore store, ServerOptions options, SecurityOptions securityOptions) {
    this.options = options;
    ServerSecurity guard = new ServerSecurity(store, options, securityOptions);
    this.security = guard;
    ServerMetrics metrics = new ServerMetrics(store);
    Api api = new Api(guard.store(), options, metrics);
    List<Endpoint> endpoints = new ArrayList<>(api.endpoints());
    endpoints.addAll(guard.endpoints());
    endpoints.addAll(Discovery.endpoints(guard.store(), api)); // lineage, search, web UI
    this.quality = QualityApi.start(guard.store(), store, api, metrics); // validation, drift
    endpoints.addAll(quality.endpoints());
    this.routes = new Routes(endpoints);
    HotRoutes hot = hotRoutes(endpoints, api.hotActions(), metrics);
    Map<String, Object> doc =
        QualityDoc.addTo(DiscoveryDoc.addTo(OpenApi.document(endpoints, version())));
    // The served document (security adds the audit log's parameters) says what each takes.
    this.queryParams = QueryParams.declaredIn(SecurityDoc.addTo(doc, Set.of(), true));
    guard.publishDocument(doc, api::setOpenApi);
    // Javalin's startup lines (its version "N days old", "Listening on ...") are noise beside our
    // own "feature server listening on ..." line; Javalin 6.7 has no switch for the version line
    // alone, this one mutes its startup info (JVM-wide, like the setting itself).
    JavalinLogger.startupInfo = false;
    this.app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.http.maxRequestSize = options.maxBodyBytes();
              config.http.prefer405over404 = true;
              config.http.disableCompression();
              guard.configure(config, options);
              config.jetty.modifyServer(hot::install);
              // Jetty's own refusals (a NUL in the path, a bad header) answer JSON too.
              config.jetty.modifyServer(server -> server.setErrorHandler(new JettyErrors()));
              if (inlineReads()) {
                config.jetty.addConnector(
                    (server, http) ->
                        InlineReads.connector(
                            server, http, options.host(), options.port(), HOT_PATHS));
              }
              config.events(
                  ev ->
                      ev.handlerAdded(h -> registered.add(h.getHttpMethod() + " " + h.getPath())));
            });
    for (Endpoint e : inMatchingOrder(endpoints)) {
      app.addHttpHandler(HandlerType.valueOf(e.method()), e.path(), ctx -> handle(e, metrics, ctx));
    }
    app.exception(HttpResponseException.class, (e, ctx) -> javalinError(ctx, e.getStatus(), e));
    app.exception(Exception.class, (e, ctx) -> javalinError(ctx, 500, e));
    app.error(404, ctx -> unmatched(ctx, 404));
    app.error(405, ctx -> unmatched(ctx, 405));
  }

  /**
   * The endpoints in the order Javalin should try them: the online reads first, then the rest as
   * listed. Javalin tries a method's routes in registration order and compares each path that is
   * not the request's with a regex, so the hottest route listed late cost a regex per route before
   * it (5% of the server's CPU per online read). No path matches two routes of one method, so the
   * order changes which route is tried first, never which one answers.
   */
  static List<Endpoint> inMatchingOrder(List<Endpoint> endpoints) {
    List<Endpoint> ordered = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) {
      if (HOT_PATHS.contains(e.path())) {
        ordered.add(e);
      }
    }
    for (Endpoint e : endpoints) {
      if (!HOT_PATHS.contains(e.path())) {
        ordered.add(e);
      }
    }
    return ordered;
  }

  /** Starts a server on the loopback interface at {@code port} (0: a free port), default limits. */
  public static FeatureServer start(FeatureStore store, int port) {
    return start(store, ServerOptions.defaults(port));
  }

  public static FeatureServer start(FeatureStore store, ServerOptions options) {
    return start(store, options, SecurityOptions.defaults());
  }

  /**
   * Starts a server with API keys, bind policy and TLS as {@code security} says. Refuses to listen
   * on a non-loopback address while the store has no API key, unless {@link
   * SecurityOptions#insecure()}.
   */
  public static FeatureServer start(
      FeatureStore store, ServerOptions options, SecurityOptions security) {
    FeatureServer server = new FeatureServer(store, options, security);
    try {
      server.security.checkBind(options.host());
      if (server.security.tls() || server.inlineReads()) {
        server.app.start(); // the HTTPS or inline connector carries host and port
      } else {
        server.app.start(options.host(), options.port());
      }
    } catch (RuntimeException e) {
      server.security.close();
      throw e;
    }
    LOG.info(
        "feature server listening on {}{}:{} ({})",
        server.security.tls() ? "https://" : "http://",
        options.host(),
        server.port(),
        server.security.keysRequired() ? "API keys required" : "no API keys: open to its callers");
    return server;
  }

  /** Whether online reads run in Jetty's I/O thread (an option; plain HTTP only). */
  private boolean inlineReads() {
    return options.inlineReads() && !security.tls();
  }

  /** Whether requests need an API key now (the store has, or had since the start, a key). */
  public boolean keysRequired() {
    return security.keysRequired();
  }

  /** The port the server listens on (the chosen one when started with port 0). */
  public int port() {
    return app.port();
  }

  /** {@code http://host:port} for clients on this machine. */
  public String url() {
    String host = options.host().equals("0.0.0.0") ? "127.0.0.1" : options.host();
    return (security.tls() ? "https://" : "http://") + host + ":" + port();
  }

  /** Requests being served right now. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Graceful shutdown: refuses new requests with 503, waits for requests in flight (at most the
   * configured shutdown timeout), then stops listening. Idempotent.
   */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    draining = true;
    long deadline = System.nanoTime() + options.shutdownTimeout().toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warn(
          "{} requests still running after {}; stopping anyway",
          inFlight.get(),
          options.shutdownTimeout());
    }
    app.stop();
    security.close();
    quality.close();
    stopped = true;
    LOG.info("feature server stopped");
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** True once {@link #stop()} began: new requests are refused. */
  boolean isDraining() {
    return draining;
  }

  /** "METHOD path" of every route registered with Javalin, for the OpenAPI test. */
  List<String> registeredRoutes() {
    return List.copyOf(registered);
  }

  // ---------------------------------------------------------------- request handling

  /** The online reads served in front of Javalin, each with its endpoint's metrics and errors. */
  private HotRoutes hotRoutes(
      List<Endpoint> endpoints, Map<String, HotRoutes.Action> actions, ServerMetrics metrics) {
    Map<String, HotRoutes.Serve> byPath = new HashMap<>();
    for (Endpoint e : endpoints) {
      HotRoutes.Action action = actions.get(e.path());
      if (action != null && e.method().equals("POST")) {
        byPath.put(
            e.path(),
            (req, res) -> {
              Principal.ThrowingSupplier<Object> work = () -> action.handle(req);
              if (InlineReads.inSelector(req)) {
                serveInline(e, metrics, req, res, work);
              } else {
                serve(e, metrics, req, res, work);
              }
            });
      }
    }
    return new HotRoutes(byPath);
  }

  private void handle(Endpoint e, ServerMetrics metrics, Context ctx) {
    serve(e, metrics, ctx.req(), ctx.res(), () -> e.action().handle(ctx));
  }

  /** One request to {@code e}, from Javalin or from {@link HotRoutes}. */
  private void serve(
      Endpoint e,
      ServerMetrics metrics,
      HttpServletRequest req,
      HttpServletResponse res,
      Principal.ThrowingSupplier<Object> action) {
    serve(e, metrics, req, res, action, null, false);
  }

  /**
   * An online read in Jetty's selector thread ({@link InlineReads}): the body has arrived and is
   * kept, the read answers from memory only, and the answer is written without blocking. A read
   * that needs I/O is handed to a pool thread with the principal already checked, before anything
   * was written or counted, and served there as any other.
   */
  private void serveInline(
      Endpoint e,
      ServerMetrics metrics,
      HttpServletRequest req,
      HttpServletResponse res,
      Principal.ThrowingSupplier<Object> action) {
    serve(e, metrics, req, res, action, null, true);
  }

  /**
   * @param known the principal checked in the selector thread before a hand-off, so the key's use
   *     is counted once; null: check it here
   * @param inline in the selector thread (see {@link #serveInline})
   */
  private void serve(
      Endpoint e,
      ServerMetrics metrics,
      HttpServletRequest req,
      HttpServletResponse res,
      Principal.ThrowingSupplier<Object> action,
      @Nullable Principal known,
      boolean inline) {
    long start = System.nanoTime();
    // Count first, then check: stop() sets draining, then waits for the count to reach zero, so a
    // request is either refused or waited for.
    inFlight.incrementAndGet();
    int status;
    try {
      if (draining) {
        res.setHeader("Connection", "close");
        status = writeError(req, res, 503, "UNAVAILABLE", "the server is shutting down");
      } else {
        Principal principal = known != null ? known : security.principal(e, req);
        queryParams.check(e, req);
        checkBodyType(req);
        Object result;
        if (inline) {
          keepBody(req);
          try {
            result = MemoryOnly.call(() -> principal.runAs(e.operationId(), action));
          } catch (MemoryOnly.WouldBlock w) {
            InlineReads.handOff(req, () -> serve(e, metrics, req, res, action, principal, false));
            return; // neither answered nor counted here
          }
        } else {
          result = principal.runAs(e.operationId(), action);
        }
        status = respond(req, res, e, result);
      }
    } catch (ApiKeyAuth.Unauthenticated u) {
      status = ServerSecurity.unauthenticated(req, res, u);
    } catch (Throwable t) {
      status = writeThrowable(req, res, t);
    } finally {
      inFlight.decrementAndGet();
    }
    metrics.request(e.method(), e.path(), status, System.nanoTime() - start);
  }

  /**
   * Refuses (415) a body declared as something other than JSON, e.g. curl's default form type:
   * every operation's body is JSON, and reading a form as JSON would at best fail with a confusing
   * parse error. A body without a Content-Type is read as JSON: Feast's client sends none.
   */
  static void checkBodyType(HttpServletRequest req) {
    String type = req.getContentType();
    if (type == null
        || (req.getContentLengthLong() <= 0 && req.getHeader("Transfer-Encoding") == null)) {
      return;
    }
    int semicolon = type.indexOf(';');
    String media =
        (semicolon < 0 ? type : type.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    if (media.isEmpty() || media.equals(JSON) || media.endsWith("+json")) {
      return;
    }
    throw new ApiException(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "the request body must be JSON: send 'Content-Type: application/json' (got '"
            + Wire.abbreviate(media)
            + "')");
  }

  /**
   * Reads the body (all of it has arrived: {@link InlineReads} runs nothing else inline) into a
   * request attribute, where {@link Api#body} finds it, so a read handed to the pool reads it
   * again. A body over the limit is left for the endpoint to refuse, as on the pool path.
   */
  private void keepBody(HttpServletRequest req) throws IOException {
    long length = req.getContentLengthLong();
    if (length > 0 && length <= options.maxBodyBytes()) {
      req.setAttribute(Api.KEPT_BODY, req.getInputStream().readNBytes((int) length));
    }
  }

  private static int respond(
      HttpServletRequest req, HttpServletResponse res, Endpoint e, Object result)
      throws IOException {
    if (result instanceof Endpoint.Answered answered) {
      req.setAttribute(ANSWERED, Boolean.TRUE);
      return answered.status();
    }
    if (result instanceof Endpoint.Raw raw) {
      return send(
          req, res, raw.status(), raw.contentType() == null ? JSON : raw.contentType(), raw.body());
    }
    return send(req, res, e.okStatus(), JSON, Wire.bytes(result));
  }

  /**
   * Writes and completes the response inside the handler, so that when the in-flight count drops
   * the caller already has the answer: stop() can then close the listener without cutting off an
   * acknowledgement (ctx.result() would be written only after the handler returned).
   */
  private static int send(
      HttpServletRequest req, HttpServletResponse res, int status, String contentType, byte[] body)
      throws IOException {
    // Javalin's attribute is the request's: its 404/405 mappers see that the endpoint answered.
    req.setAttribute(ANSWERED, Boolean.TRUE);
    res.setStatus(status);
    res.setContentType(contentType);
    if (InlineReads.inSelector(req)) {
      if (InlineReads.fitsBuffer(req, body.length)) {
        // Buffered, not sent: with no Content-Length set Jetty cannot tell this is all, so it
        // sends it (with its length) when the handler returns, and without blocking; a client
        // that does not read its answers then holds up its own connection only.
        res.getOutputStream().write(body);
      } else {
        InlineReads.handOff(req, () -> sendQuietly(req, res, body));
      }
      return status;
    }
    res.setContentLength(body.length);
    ServletOutputStream out = res.getOutputStream();
    out.write(body);
    out.close();
    return status;
  }

  /** The blocking write of an answer too large to buffer in the selector thread. */
  private static void sendQuietly(HttpServletRequest req, HttpServletResponse res, byte[] body) {
    try {
      res.setContentLength(body.length);
      ServletOutputStream out = res.getOutputStream();
      out.write(body);
      out.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not send the answer to {}: {}", req.getRequestURI(), e.toString());
    }
  }

  private static int writeThrowable(HttpServletRequest req, HttpServletResponse res, Throwable t) {
    if (clientGone(t)) {
      // Not a bug: the client closed the connection while its answer was written (a browser tab
      // closed mid-load); there is nobody left to answer and nothing for an operator to chase.
      LOG.debug("client went away during {} {}: {}", req.getMethod(), req.getRequestURI(), t);
      return CLIENT_CLOSED;
    }
    Throwable cause = t;
    // Jackson and the servlet layer may wrap our own exceptions (e.g. the body limit).
    while (cause.getCause() != null
        && !(cause instanceof FeatureStoreException)
        && !(cause instanceof ApiException)) {
      cause = cause.getCause();
    }
    if (cause instanceof ApiException a) {
      if (a.status() == 413) {
        swallowRest(req, res);
      }
      return writeError(req, res, a.status(), a.code(), a.getMessage());
    }
    if (cause instanceof FeatureStoreException f
        && f.code() != FeatureStoreException.Code.INTERNAL) {
      return writeError(req, res, f.code().httpStatus(), f.code().name(), f.getMessage());
    }
    if (t instanceof HttpResponseException h && h.getStatus() < 500) {
      return writeError(req, res, h.getStatus(), codeFor(h.getStatus()), h.getMessage());
    }
    return internalError(req, res, t);
  }

  /** The status recorded in metrics for a request whose client left before its answer. */
  static final int CLIENT_CLOSED = 499;

  /** Jetty's EofException (broken pipe, reset) anywhere in the chain: the peer is gone. */
  static boolean clientGone(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof EofException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A bug: logged in full under a fresh error id; the client gets the id and nothing else (no SQL,
   * no stack trace, no driver message), so an operator can find the log line it reports.
   */
  static int internalError(Context ctx, Throwable t) {
    return internalError(ctx.req(), ctx.res(), t);
  }

  private static int internalError(HttpServletRequest req, HttpServletResponse res, Throwable t) {
    String errorId = UUID.randomUUID().toString();
    LOG.error("internal error {} on {} {}", errorId, req.getMethod(), req.getRequestURI(), t);
    try {
      return send(req, res, 500, JSON, Wire.internalError(errorId));
    } catch (IOException | IllegalStateException e) {
      LOG.debug("could not send error 500 to {}: {}", req.getRequestURI(), e.toString());
      return 500;
    }
  }

  /**
   * Reads and drops what is left of a rejected body (up to {@link #MAX_SWALLOW_BYTES}) so the
   * client, still sending, receives the 413 instead of a connection reset; past that bound the
   * connection is closed.
   */
  private static void swallowRest(HttpServletRequest req, HttpServletResponse res) {
    res.setHeader("Connection", "close");
    try {
      InputStream in = req.getInputStream();
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      int n;
      while (total < MAX_SWALLOW_BYTES && (n = in.read(buf)) >= 0) {
        total += n;
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not drain a rejected body: {}", e.toString());
    }
  }

  static int writeError(Context ctx, int status, String code, @Nullable String message) {
    return writeError(ctx.req(), ctx.res(), status, code, message);
  }

  static int writeError(
      HttpServletRequest req,
      HttpServletResponse res,
      int status,
      String code,
      @Nullable String message) {
    try {
      return send(req, res, status, JSON, Wire.error(code, message));
    } catch (IOException | IllegalStateException e) {
      // The client went away or the response was already committed: nothing left to tell it.
      LOG.debug("could not send error {} to {}: {}", status, req.getRequestURI(), e.toString());
      return status;
    }
  }

  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "INVALID_ARGUMENT";
      case 404 -> "NOT_FOUND";
      case 405 -> "METHOD_NOT_ALLOWED";
      case 413 -> "PAYLOAD_TOO_LARGE";
      case 415 -> "UNSUPPORTED_MEDIA_TYPE";
      case 503 -> "UNAVAILABLE";
      default -> status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
    };
  }

  private void javalinError(Context ctx, int status, Exception e) {
    if (status == 405) {
      // e.g. TRACE, which Javalin refuses before any route matches
      ctx.header("Allow", routes.allowed(ctx.path()));
    }
    if (clientGone(e)) {
      LOG.debug("client went away during {} {}: {}", ctx.method(), ctx.path(), e.toString());
    } else if (status >= 500) {
      internalError(ctx, e);
    } else {
      writeError(ctx, status, codeFor(status), e.getMessage());
    }
  }

  private void unmatched(Context ctx, int status) {
    if (ctx.attribute(ANSWERED) != null) {
      return; // an endpoint answered with this status itself
    }
    if (status == 405) {
      ctx.header("Allow", routes.allowed(ctx.path()));
    }
    String message =
        status == 405
            ? "method " + ctx.method() + " is not allowed on " + ctx.path()
            : "no endpoint " + ctx.method() + " " + ctx.path() + "; see /openapi.json";
    writeError(ctx, status, codeFor(status), message);
  }

  private static String version() {
    String v = FeatureServer.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0" : v;
  }

  static Duration defaultShutdownTimeout() {
    return ServerOptions.DEFAULT_SHUTDOWN_TIMEOUT;
  }
}
