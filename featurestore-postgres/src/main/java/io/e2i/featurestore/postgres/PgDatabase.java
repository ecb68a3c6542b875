package io.e2i.featurestore.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.e2i.featurestore.FeatureStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The connection pool shared by a {@link PgRegistry} and a {@link PgOfflineStore} opened together.
 * Reference-counted so that whichever closes last closes the pool.
 */
final class PgDatabase implements AutoCloseable {
  private final HikariDataSource pool;
  private final String description;
  private final AtomicInteger refs = new AtomicInteger(1);

  private PgDatabase(HikariDataSource pool, String description) {
    this.pool = pool;
    this.description = description;
  }

  /**
   * Opens a pool. Options: {@code pool_size} (default 10), {@code connect_timeout_ms} (how long a
   * call waits for a connection when PostgreSQL is down, default 5000), {@code prepare_threshold}.
   */
  static PgDatabase open(String url, Map<String, String> options) {
    PgUrls.Target target = PgUrls.parse(url, options);
    HikariConfig config = new HikariConfig();
    config.setPoolName("featurestore-pg");
    config.setJdbcUrl(target.jdbcUrl());
    if (target.user() != null) {
      config.setUsername(target.user());
    }
    if (target.password() != null) {
      config.setPassword(target.password());
    }
    if (target.prepareThreshold() != null) {
      config.addDataSourceProperty("prepareThreshold", target.prepareThreshold());
    }
    config.addDataSourceProperty("ApplicationName", "e2i-featurestore");
    config.setMaximumPoolSize(intOption(options, "pool_size", 10));
    config.setMinimumIdle(Math.min(2, config.getMaximumPoolSize()));
    long timeout = intOption(options, "connect_timeout_ms", 5000);
    config.setConnectionTimeout(timeout);
    config.setValidationTimeout(Math.min(timeout, 2000));
    config.setInitializationFailTimeout(timeout);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw FeatureStoreException.unavailable(
          "cannot connect to PostgreSQL at " + target + ": " + rootMessage(e), e);
    }
    return new PgDatabase(pool, "postgresql " + target);
  }

  private static int intOption(Map<String, String> options, String name, int dflt) {
    String v = options == null ? null : options.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw FeatureStoreException.invalid("option " + name + " must be a number, got '" + v + "'");
    }
  }

  DataSource dataSource() {
    return pool;
  }

  Connection connection() {
    try {
      return pool.getConnection();
    } catch (SQLException e) {
      throw error("cannot get a PostgreSQL connection", e);
    }
  }

  /**
   * A second connection for a caller that holds one already, or null unless the pool has one idle
   * right now: callers that each hold a connection and wait for another could otherwise wait for
   * each other until the pool's timeout. Never waits: the pool's own {@code getConnection(0)} takes
   * an idle connection or gives up at once, so another thread taking the last idle one between the
   * count and the take makes this null, not a wait of the pool's connection timeout. (The MXBean is
   * the pool itself; the count only spares the timeout exception when nothing is idle.)
   */
  @Nullable Connection idleConnection() {
    if (!(pool.getHikariPoolMXBean() instanceof HikariPool p) || p.getIdleConnections() == 0) {
      return null;
    }
    try {
      return p.getConnection(0);
    } catch (SQLException e) {
      return null; // none idle any more: the caller reads on its own connection
    }
  }

  /**
   * Drops a connection from the pool. Needed after COPY failures: COPY runs on the unwrapped pgjdbc
   * connection, so HikariCP never sees its errors, and a rollback of a transaction that never
   * reached the server does not touch the socket either. Without this, a dead connection would be
   * handed out again and again after a database restart.
   */
  void evict(Connection connection) {
    pool.evictConnection(connection);
  }

  String describe() {
    return description;
  }

  boolean isHealthy() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  PgDatabase retain() {
    refs.incrementAndGet();
    return this;
  }

  @Override
  public void close() {
    if (refs.decrementAndGet() == 0) {
      pool.close();
    }
  }

  /**
   * Maps a driver error to the feature store's: bad data (SQL state class 22, 23) is the caller's
   * mistake; a lost or refused connection or a server going down is an outage (503); anything else
   * is a bug (500) whose SQL text must not reach a client. Either way nothing was written.
   */
  static FeatureStoreException error(String what, SQLException e) {
    String state = e.getSQLState();
    if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
      return new FeatureStoreException(
          FeatureStoreException.Code.INVALID_ARGUMENT,
          what + ": " + e.getMessage() + "; nothing was written",
          e);
    }
    return FeatureStoreException.fromBackend(what, e);
  }

  private static @Nullable String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
