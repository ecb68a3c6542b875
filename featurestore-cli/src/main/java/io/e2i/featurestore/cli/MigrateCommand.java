package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.postgres.PgMigrations;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(
    mixinStandardHelpOptions = true,
    name = "migrate",
    description = "Applies the PostgreSQL schema migrations to the configured offline store.")
final class MigrateCommand extends BaseCommand {

  @Override
  int execute() {
    FeatureStoreConfig config = store.config(env());
    String url = config.offlineUrl();
    String lower = url.toLowerCase(Locale.ROOT);
    if (!(lower.startsWith("postgresql:")
        || lower.startsWith("postgres:")
        || lower.startsWith("jdbc:postgresql:"))) {
      out().println("offline store " + FeatureStoreConfig.redact(url) + " needs no migrations");
      return Main.EXIT_OK;
    }
    int applied = PgMigrations.migrate(url, config.options());
    out()
        .println(
            FeatureStoreConfig.redact(url)
                + ": "
                + (applied == 0 ? "schema is current" : "applied " + applied + " migrations"));
    return Main.EXIT_OK;
  }
}
