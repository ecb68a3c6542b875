package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import picocli.CommandLine.Command;

@Command(mixinStandardHelpOptions = true, name = "groups", description = "Lists feature groups.")
final class GroupsCommand extends BaseCommand {

  @Override
  int execute() {
    try (FeatureStore fs = openStore()) {
      Table t = new Table("GROUP", "FEATURES", "EXPECTED_H", "MAX_AGE_H", "OWNER", "DESCRIPTION");
      for (FeatureGroup g : fs.listFeatureGroups()) {
        t.row(
            g.name(),
            fs.listFeatures(g.name()).size(),
            g.expectedUpdateFrequencyHours(),
            g.maxAgeHours(),
            g.owner(),
            g.description());
      }
      if (t.isEmpty()) {
        out().println("(no feature groups; create some with 'featurestore apply FILE.yaml')");
      } else {
        t.print(out(), "");
      }
    }
    return Main.EXIT_OK;
  }
}
