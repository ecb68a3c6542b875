package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStoreException;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;

/**
 * Applies the feature store's versioned schema migrations ({@code db/migration/V*.sql}) with
 * Flyway. Running it again changes nothing. The history table has its own name so that it never
 * collides with an application's own Flyway history in a shared Supabase database.
 */
public final class PgMigrations {
  /** Flyway's bookkeeping table for this schema. */
  public static final String HISTORY_TABLE = "feature_store_schema_history";

  private PgMigrations() {}

  /**
   * Migrates the database behind a data source.
   *
   * @return how many migrations were applied (0 when the schema was current)
   */
  public static int migrate(DataSource dataSource) {
    return migrate(dataSource, "latest");
  }

  /**
   * Migrates up to a version ({@code "latest"}: all); tests and ReadIndexMigrationBench migrate an
   * old schema with data.
   */
  public static int migrate(DataSource dataSource, String target) {
    try {
      FluentConfiguration config =
          Flyway.configure(PgMigrations.class.getClassLoader())
              .dataSource(dataSource)
              .target(target)
              .table(HISTORY_TABLE)
              .locations("classpath:db/migration")
              // V6 and V12: not one transaction each, see there
              .javaMigrations(new PartitionMigration(), new ReadIndexMigration())
              .baselineOnMigrate(false);
      // A session advisory lock, not Flyway's default transactional one: that transaction stays
      // open on another connection for the whole run, and V12's CREATE INDEX CONCURRENTLY waits
      // for every transaction older than it, so it would wait forever.
      config
          .getPluginRegister()
          .getExact(PostgreSQLConfigurationExtension.class)
          .setTransactionalLock(false);
      MigrateResult result = config.load().migrate();
      return result.migrationsExecuted;
    } catch (FlywayException e) {
      throw FeatureStoreException.unavailable("schema migration failed: " + e.getMessage(), e);
    }
  }

  /** Migrates the database a {@code postgresql://} or {@code jdbc:postgresql:} URL names. */
  public static int migrate(String url) {
    return migrate(url, Map.of());
  }

  /** As {@link #migrate(String)}, with backend options such as {@code prepare_threshold}. */
  public static int migrate(String url, Map<String, String> options) {
    try (PgDatabase db = PgDatabase.open(url, options)) {
      return migrate(db.dataSource());
    }
  }
}
