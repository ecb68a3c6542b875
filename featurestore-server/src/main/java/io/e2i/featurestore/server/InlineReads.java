package io.e2i.featurestore.server;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpChannelOverHttp;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnection;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 connections that answer an online read in the thread that saw its bytes arrive (Jetty's
 * selector) instead of handing it to a pool thread: that hand-off costs a thread wake-up, and
 * waiting for the next request from a pool thread a selector wake-up, per request; together with
 * the system calls they bring they were the largest part of the server's CPU per online read.
 *
 * <p>Only a {@code POST} to a hot path whose whole body has arrived runs inline (its handler never
 * waits for the network); every other request, and a hot one whose body is still coming, is handed
 * to the pool as before. While an inline read runs, the other connections of that selector wait, so
 * it must never wait itself: the read answers from memory only ({@link
 * io.e2i.featurestore.MemoryOnly}; a read that needs I/O is handed to the pool with {@link
 * #handOff} before anything is written), and its answer is left in the response buffer for Jetty to
 * send without blocking once the handler returns ({@link #fitsBuffer}), so a client that stops
 * reading its answers stalls its own connection, not the selector. On by default; {@link
 * ServerOptions#withInlineReads} turns it off.
 */
final class InlineReads {
  /** Bodies larger than this are read from the pool, as they may not have arrived in one piece. */
  private static final int MAX_INLINE_BODY = 16 * 1024;

  private InlineReads() {}

  /**
   * Whether {@code req} is being answered in its connection's selector thread, by this thread: its
   * handler must then neither wait for I/O (reads answer from memory only, see {@link
   * io.e2i.featurestore.MemoryOnly}) nor write more than the response buffer takes (see {@link
   * #fitsBuffer}); {@link #handOff} moves it to a pool thread otherwise.
   */
  static boolean inSelector(HttpServletRequest req) {
    return Request.getBaseRequest(req) instanceof Request base
        && base.getHttpChannel() instanceof Channel channel
        && channel.connection.inSelector();
  }

  /**
   * Whether an answer of {@code length} bytes stays in the response's buffer when written without a
   * Content-Length: Jetty then sends it after the handler returns, without blocking (a client that
   * does not read its answers makes its own connection wait, not the selector).
   */
  static boolean fitsBuffer(HttpServletRequest req, int length) {
    HttpConfiguration config = Request.getBaseRequest(req).getHttpChannel().getHttpConfiguration();
    return length <= config.getOutputAggregationSize() && length < config.getOutputBufferSize();
  }

  /**
   * Suspends the request and runs {@code work} (which answers it, blocking as it likes) in a pool
   * thread, then completes it: for a read that needs I/O, or an answer too large to buffer.
   */
  static void handOff(HttpServletRequest req, Runnable work) {
    AsyncContext async = req.startAsync();
    async.setTimeout(0); // as long as the read takes, like a request handled in the pool
    Executor pool = Request.getBaseRequest(req).getHttpChannel().getConnector().getExecutor();
    pool.execute(
        () -> {
          try {
            work.run();
          } finally {
            async.complete();
          }
        });
  }

  /** A plain HTTP connector like Javalin's default, with inline online reads. */
  static ServerConnector connector(
      Server server, HttpConfiguration http, String host, int port, Set<String> hotPaths) {
    ServerConnector connector = new ServerConnector(server, new Factory(http, hotPaths));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  private static final class Factory extends HttpConnectionFactory {
    private final Set<String> hotPaths;

    Factory(HttpConfiguration http, Set<String> hotPaths) {
      super(http);
      this.hotPaths = Set.copyOf(hotPaths);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
      InlineConnection connection =
          new InlineConnection(
              getHttpConfiguration(),
              connector,
              endPoint,
              isRecordHttpComplianceViolations(),
              hotPaths);
      connection.setUseInputDirectByteBuffers(isUseInputDirectByteBuffers());
      connection.setUseOutputDirectByteBuffers(isUseOutputDirectByteBuffers());
      return configure(connection, connector, endPoint);
    }
  }

  private static final class InlineConnection extends HttpConnection {
    private final Set<String> hotPaths;
    private final Callback inlineRead = new InlineRead();
    // The selector thread while it runs onFillable, else null: a pool thread that took over a
    // request of this connection meanwhile must not take itself for the selector.
    private volatile @Nullable Thread selector;

    InlineConnection(
        HttpConfiguration config,
        Connector connector,
        EndPoint endPoint,
        boolean recordViolations,
        Set<String> hotPaths) {
      super(config, connector, endPoint, recordViolations);
      this.hotPaths = hotPaths;
    }

    /** Called by the constructor of HttpConnection: this class's fields are not set yet. */
    @Override
    protected HttpChannelOverHttp newHttpChannel() {
      return new Channel(this, getConnector(), getHttpConfiguration(), getEndPoint());
    }

    /** Waits for the next bytes with a callback the selector may run itself. */
    @Override
    public void fillInterested() {
      getEndPoint().fillInterested(inlineRead);
    }

    /** Whether the request just parsed may be answered in this (selector) thread. */
    boolean inSelector() {
      return selector == Thread.currentThread();
    }

    boolean answerInline(Request request) {
      if (!inSelector()
          || !"POST".equals(request.getMethod())
          || !hotPaths.contains(request.getRequestURI())) {
        return false;
      }
      long length = request.getContentLengthLong();
      if (length == 0) {
        return true;
      }
      if (length < 0 || length > MAX_INLINE_BODY) {
        return false;
      }
      try {
        // Parses what is buffered (and reads what the socket has) without blocking.
        return request.getHttpInput().available() >= length;
      } catch (RuntimeException e) {
        return false; // let the pool thread meet the failure where the handler reads
      }
    }

    private final class InlineRead implements Callback {
      @Override
      public void succeeded() {
        selector = Thread.currentThread();
        try {
          onFillable();
        } finally {
          selector = null;
        }
      }

      @Override
      public void failed(Throwable x) {
        onFillInterestedFailed(x);
      }

      @Override
      public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
      }
    }
  }

  private static final class Channel extends HttpChannelOverHttp {
    private final InlineConnection connection;

    Channel(
        InlineConnection connection,
        Connector connector,
        HttpConfiguration config,
        EndPoint endPoint) {
      super(connection, connector, config, endPoint, connection);
      this.connection = connection;
    }

    /**
     * In the selector thread, answers a hot request; hands any other to the pool and tells the
     * connection to stop reading, as for a suspended request: the pool thread's handling completes
     * the request and asks for the next one itself.
     */
    @Override
    public boolean handle() {
      if (!connection.inSelector() || connection.answerInline(getRequest())) {
        return super.handle();
      }
      getConnector().getExecutor().execute(this::handleInPool);
      return false;
    }

    private void handleInPool() {
      super.handle();
    }
  }
}
