package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code featurestore tag-run TRAINING_SET RUN_ID}: records that a run (an MLflow run id) trained
 * on a saved training set, so the set's lineage leads to it (POST
 * /api/v1/training-sets/{name}/runs).
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "tag-run",
    description = "Tags a saved training set with a run (e.g. an MLflow run id) that used it.")
final class TagRunCommand extends ReadCommand {

  @Parameters(index = "0", paramLabel = "TRAINING_SET", description = "A saved training set.")
  String trainingSet = "";

  @Parameters(index = "1", paramLabel = "RUN_ID", description = "The run's id.")
  String runId = "";

  @Override
  int execute() {
    if (server != null) {
      remote(server)
          .post("/api/v1/training-sets/" + trainingSet + "/runs", Map.of("run_id", runId));
    } else {
      try (FeatureStore fs = openStore()) {
        fs.tagTrainingSetRun(trainingSet, runId);
      }
    }
    out().printf("tagged training set %s with run %s%n", trainingSet, runId);
    return Main.EXIT_OK;
  }
}
