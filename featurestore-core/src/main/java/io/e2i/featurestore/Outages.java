package io.e2i.featurestore;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jspecify.annotations.Nullable;

/**
 * Tells an outage (the backend is down, restarting, unreachable or out of connections) from a bug,
 * by the exceptions in a failure's cause chain. Only an outage may be reported as 503: clients
 * retry those; a bug reported so would be retried forever and hidden from whoever fixes it.
 */
final class Outages {
  private Outages() {}

  /** The exception in the chain that shows an outage, or null when there is none. */
  static @Nullable Throwable cause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (isOutage(t)) {
        return t;
      }
    }
    return null;
  }

  private static boolean isOutage(Throwable t) {
    if (t instanceof SQLException sql) {
      return sql instanceof SQLTransientConnectionException || isOutageState(sql.getSQLState());
    }
    return t instanceof ConnectException
        || t instanceof NoRouteToHostException
        || t instanceof UnknownHostException
        || t instanceof SocketTimeoutException
        || t instanceof SocketException
        || (t instanceof IOException && t.getClass().getName().endsWith("EOFException"))
        // Clients that wrap their own transport errors (Lettuce, HTTP clients) name them so.
        || t.getClass().getSimpleName().contains("ConnectionException");
  }

  /**
   * SQLSTATE classes of an outage: 08 connection exception, 53 insufficient resources (too many
   * connections, disk full), 57P admin/crash shutdown or "cannot connect now".
   */
  private static boolean isOutageState(@Nullable String state) {
    return state != null
        && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P"));
  }

  /** A short reason for the caller: the outage's own message, without any SQL it might quote. */
  static String describe(Throwable outage) {
    String message = outage.getMessage();
    if (message == null || message.isBlank()) {
      return outage.getClass().getSimpleName();
    }
    String firstLine = message.lines().findFirst().orElse(message).strip();
    return firstLine.length() > 200 ? firstLine.substring(0, 200) + "..." : firstLine;
  }
}
