package io.e2i.featurestore.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * A Java migration that Flyway must not wrap in one transaction (V6, V12): its slow steps run
 * beside the writes, each statement committing as it goes, so a large table is not held for the
 * whole run. Its checksum is fixed (its version), since Flyway compares it with the one recorded
 * when it ran and a Java migration has no script to hash.
 */
abstract class OutsideTransactionMigration implements JavaMigration {
  private final int version;
  private final String description;

  OutsideTransactionMigration(int version, String description) {
    this.version = version;
    this.description = description;
  }

  /** The migration's steps on {@code c}, in autocommit mode. */
  abstract void run(Connection c) throws SQLException;

  @Override
  public final MigrationVersion getVersion() {
    return MigrationVersion.fromVersion(Integer.toString(version));
  }

  @Override
  public final String getDescription() {
    return description;
  }

  @Override
  public final Integer getChecksum() {
    return version;
  }

  @Override
  public final boolean canExecuteInTransaction() {
    return false;
  }

  @Override
  public final void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try {
      run(c);
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }
}
