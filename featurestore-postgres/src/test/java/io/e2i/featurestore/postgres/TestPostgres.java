package io.e2i.featurestore.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL (zonky's embedded binaries, fetched as a Maven artifact) shared by the test
 * classes of this JVM; each caller gets its own database. Public, in the test-jar, for other
 * modules' tests.
 */
public final class TestPostgres {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestPostgres() {}

  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        // zonky waits 10 s for the server by default, too short on a loaded shared machine
        server = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(120)).start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return server;
  }

  /** A fresh, empty database; its {@code postgresql://} URL. */
  public static String newDatabase() {
    EmbeddedPostgres pg = server();
    String name = "fs_test_" + DATABASES.incrementAndGet();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return url(pg.getPort(), name);
  }

  /** A fresh database with the schema migrated; its {@code postgresql://} URL. */
  public static String newMigratedDatabase() {
    String url = newDatabase();
    PgMigrations.migrate(url);
    return url;
  }

  /** Empties the feature store's tables in the database at {@code url} (from this server). */
  public static void truncate(String url) {
    String jdbc =
        "jdbc:postgresql://localhost:" + server().getPort() + url.substring(url.lastIndexOf('/'));
    try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(
          "TRUNCATE feature_values, features, feature_groups, training_sets, api_keys, audit_log"
              + " RESTART IDENTITY CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static String url(int port, String database) {
    return "postgresql://postgres:secret@localhost:" + port + "/" + database;
  }
}
