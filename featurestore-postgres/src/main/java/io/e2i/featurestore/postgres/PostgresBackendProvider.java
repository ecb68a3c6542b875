package io.e2i.featurestore.postgres;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.spi.BackendProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code postgresql://}, {@code postgres://} and {@code jdbc:postgresql:} offline URLs
 * (Supabase included): one pool shared by the registry and the offline store. The schema is
 * migrated on open unless option {@code auto_migrate} is {@code false} (then run the CLI's {@code
 * migrate} first).
 */
public final class PostgresBackendProvider implements BackendProvider {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresBackendProvider.class);

  @Override
  public boolean supportsOffline(String url) {
    return PgUrls.supports(url);
  }

  @Override
  public OfflineBackend openOffline(String url, FeatureStoreConfig config) {
    PgDatabase db = PgDatabase.open(url, config.options());
    try {
      if (!"false".equalsIgnoreCase(config.options().getOrDefault("auto_migrate", "true"))) {
        int applied = PgMigrations.migrate(db.dataSource());
        if (applied > 0) {
          LOG.info("applied {} schema migration(s) to {}", applied, db.describe());
        }
      }
      return new OfflineBackend(new PgRegistry(db.retain()), new PgOfflineStore(db));
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }
}
