package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.spi.PitQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    mixinStandardHelpOptions = true,
    name = "training-sets",
    description = "Lists saved training set definitions (re-run one with 'training-data --rerun').")
final class TrainingSetsCommand extends BaseCommand {

  @Option(names = "--json", description = "Print JSON (the HTTP API's shape).")
  boolean json;

  @Override
  int execute() throws Exception {
    List<TrainingSetDefinition> sets;
    try (FeatureStore fs = openStore()) {
      sets = fs.listTrainingSets();
    }
    if (json) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (TrainingSetDefinition d : sets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("features", d.featureRefs());
        m.put("as_of", d.asOf() == null ? null : d.asOf().toString());
        m.put("created_at", d.createdAt() == null ? null : d.createdAt().toString());
        m.put("spine", spine(d.spine()));
        list.add(m);
      }
      out().println(Views.pretty(Views.JSON.valueToTree(Map.of("training_sets", list))));
      return Main.EXIT_OK;
    }
    if (sets.isEmpty()) {
      out().println("(no saved training sets; save one with 'training-data ... --save-as NAME')");
      return Main.EXIT_OK;
    }
    Table t = new Table("NAME", "FEATURES", "AS_OF", "SPINE", "CREATED");
    for (TrainingSetDefinition d : sets) {
      t.row(d.name(), String.join(",", d.featureRefs()), d.asOf(), spine(d.spine()), d.createdAt());
    }
    t.print(out(), "");
    return Main.EXIT_OK;
  }

  private static String spine(PitQuery.Spine spine) {
    return switch (spine) {
      case PitQuery.Spine.File f -> "file " + f.path();
      case PitQuery.Spine.Sql s -> "sql " + s.query().strip().replaceAll("\\s+", " ");
      case PitQuery.Spine.Rows r -> r.rows().size() + " rows";
    };
  }
}
