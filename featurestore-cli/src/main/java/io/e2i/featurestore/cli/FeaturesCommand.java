package io.e2i.featurestore.cli;

import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    mixinStandardHelpOptions = true,
    name = "features",
    description = "Lists features (latest versions), of one group or all.")
final class FeaturesCommand extends BaseCommand {

  @Parameters(arity = "0..1", paramLabel = "GROUP")
  @Nullable String group;

  @Override
  int execute() {
    try (FeatureStore fs = openStore()) {
      List<String> groups =
          group != null
              ? List.of(group)
              : fs.listFeatureGroups().stream().map(FeatureGroup::name).toList();
      Table t = new Table("GROUP", "FEATURE", "V", "TYPE", "ENTITY_KEYS", "DESCRIPTION");
      for (String g : groups) {
        for (Feature f : fs.listFeatures(g)) {
          t.row(
              f.featureGroup(),
              f.name(),
              f.version(),
              f.valueType().wireName(),
              String.join(",", f.entityKeys()),
              f.description());
        }
      }
      if (t.isEmpty()) {
        out().println("(no features)");
      } else {
        t.print(out(), "");
      }
    }
    return Main.EXIT_OK;
  }
}
