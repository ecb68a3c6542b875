package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.server.LocalAudit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    mixinStandardHelpOptions = true,
    name = "apply",
    description = {
      "Creates or updates feature groups and features declared in a YAML file.",
      "Idempotent: applying the same file again changes nothing."
    })
final class ApplyCommand extends BaseCommand {

  @Parameters(paramLabel = "FILE.yaml", description = "Groups and features to apply.")
  Path file;

  @Option(names = "--dry-run", description = "Print what would change, change nothing.")
  boolean dryRun;

  @Mixin TrackingWait trackingWait;

  @Override
  int execute() {
    FeatureFile parsed = read(file);
    try (FeatureStore fs = openStore();
        TrackingWait.Handle tracked =
            dryRun ? TrackingWait.Handle.NO_WAIT : trackingWait.on(fs, env(), err())) {
      Applier.Summary s = new Applier(LocalAudit.of(fs), out()).apply(parsed, dryRun);
      out()
          .printf(
              "%s %s: %d created, %d updated, %d new versions, %d unchanged%n",
              dryRun ? "would apply" : "applied",
              file,
              s.created(),
              s.updated(),
              s.newVersions(),
              s.unchanged());
    }
    return Main.EXIT_OK;
  }

  static FeatureFile read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return FeatureFile.parse(file.toString(), in);
    } catch (NoSuchFileException e) {
      throw FeatureStoreException.invalid("file " + file + " not found");
    } catch (IOException e) {
      throw FeatureStoreException.invalid("cannot read " + file + ": " + e.getMessage());
    }
  }
}
