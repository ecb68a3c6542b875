package io.e2i.featurestore.postgres;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.BackendProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
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
      PgRegistry registry = new PgRegistry(db.retain());
      String readUrl = config.options().get(READ_URL_OPTION);
      PgOfflineStore store =
          readUrl == null || readUrl.isBlank()
              ? new PgOfflineStore(db)
              : new PgOfflineStore(db, PgDatabase.open(readUrl.trim(), config.options()));
      store.joinParallelism(joinParallelism(config));
      store.historyConnections(historyConnections(config));
      long minutes = maintenanceMinutes(config);
      if (minutes > 0) {
        store.scheduleMaintenance(Duration.ofMinutes(minutes), () -> retention(registry));
      }
      return new OfflineBackend(registry, store);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /**
   * Option {@code offline_read_url} ({@code FS_OFFLINE_READ_URL}): a read replica for history,
   * training data and statistics.
   */
  static final String READ_URL_OPTION = "offline_read_url";

  /**
   * Option {@code pit_join_connections}: how many connections one point-in-time join of 100,000
   * spine rows or more runs on (default 2; 1 runs every join on one connection).
   */
  static PgPitJoin.Parallelism joinParallelism(FeatureStoreConfig config) {
    String v = config.options().get("pit_join_connections");
    if (v == null || v.isBlank()) {
      return PgPitJoin.Parallelism.DEFAULT;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= 64) {
        PgPitJoin.Parallelism d = PgPitJoin.Parallelism.DEFAULT;
        return new PgPitJoin.Parallelism(n, d.minRows(), d.chunkRows());
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw FeatureStoreException.invalid(
        "option pit_join_connections must be a whole number from 1 to 64, got '" + v + "'");
  }

  /**
   * Option {@code history_connections}: how many connections one history read may split its
   * features over (default 1: since the read sends numbers as float8 (V12), one connection's read
   * had a lower p99 at 50M values than a split over two, 8.6 against 11.4-13.1 ms, with fewer round
   * trips competing for the cores; 2 or more split it). See {@link PgHistory}.
   */
  static int historyConnections(FeatureStoreConfig config) {
    String v = config.options().get("history_connections");
    if (v == null || v.isBlank()) {
      return 1;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= 64) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw FeatureStoreException.invalid(
        "option history_connections must be a whole number from 1 to 64, got '" + v + "'");
  }

  private static long maintenanceMinutes(FeatureStoreConfig config) {
    String v = config.options().getOrDefault("partition_maintenance_minutes", "60").trim();
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw FeatureStoreException.invalid(
          "option partition_maintenance_minutes must be a whole number, got '" + v + "'");
    }
  }

  /** Each group's retention and its feature versions, from the registry. */
  static List<PgPartitions.GroupRetention> retention(PgRegistry registry) {
    Map<String, Set<UUID>> ids = new HashMap<>();
    for (Feature f : registry.loadFeatures()) {
      ids.computeIfAbsent(f.featureGroup(), k -> new HashSet<>()).add(f.id());
    }
    List<PgPartitions.GroupRetention> out = new ArrayList<>();
    for (FeatureGroup g : registry.loadGroups()) {
      out.add(
          new PgPartitions.GroupRetention(
              g.name(), retentionOf(g), Set.copyOf(ids.getOrDefault(g.name(), Set.of()))));
    }
    return out;
  }

  /** The group's {@code retention_days}; none when unset (its values are kept). */
  static @Nullable Duration retentionOf(FeatureGroup group) {
    Integer days = group.retentionDays();
    return days == null ? null : Duration.ofDays(days);
  }
}
