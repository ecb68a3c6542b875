package io.e2i.featurestore.server;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.HandlerWrapper;

/**
 * Serves the online reads ({@code POST /api/v1/online-features}, Feast's {@code
 * /get-online-features}) straight from Jetty, in front of Javalin's servlet: the same endpoint
 * code, key check, metrics and error answers as every other route ({@link FeatureServer#serve}),
 * without Javalin's context, routing and task queue or the servlet context's scoping, which cost
 * about a tenth of the server's CPU per online read. Any other method or path (a 405, a trailing
 * slash, HEAD) goes on to Javalin, which has these routes too.
 */
final class HotRoutes extends HandlerWrapper {

  /** The handler body of a hot endpoint, given the request instead of a Javalin context. */
  @FunctionalInterface
  interface Action {
    Object handle(HttpServletRequest req) throws Exception;
  }

  /** Serves one request to a hot endpoint. */
  @FunctionalInterface
  interface Serve {
    void serve(HttpServletRequest req, HttpServletResponse res);
  }

  private final Map<String, Serve> byPath;

  HotRoutes(Map<String, Serve> byPath) {
    this.byPath = Map.copyOf(byPath);
  }

  /**
   * Puts this handler innermost in the server's chain of wrappers (after Jetty's statistics, which
   * counts requests for a graceful stop), so that Javalin, attaching its servlet context to the
   * innermost wrapper when it starts, lands behind it.
   */
  void install(Server server) {
    Handler current = server.getHandler();
    if (current == null) {
      server.setHandler(this);
      return;
    }
    HandlerWrapper innermost = null;
    while (current instanceof HandlerWrapper w) {
      innermost = w;
      current = w.getHandler();
    }
    if (innermost == null || current != null) {
      throw new IllegalStateException("unexpected Jetty handler chain: " + server.getHandler());
    }
    innermost.setHandler(this);
  }

  @Override
  public void handle(String target, Request base, HttpServletRequest req, HttpServletResponse res)
      throws IOException, ServletException {
    // The raw URI, as Javalin matches it: an encoded path is Javalin's to answer (a 404).
    Serve hot = "POST".equals(base.getMethod()) ? byPath.get(base.getRequestURI()) : null;
    if (hot == null) {
      super.handle(target, base, req, res);
      return;
    }
    base.setHandled(true);
    // Javalin sets a content type first: headers then come in the same order on both paths.
    res.setContentType(FeatureServer.JSON);
    hot.serve(req, res);
  }
}
