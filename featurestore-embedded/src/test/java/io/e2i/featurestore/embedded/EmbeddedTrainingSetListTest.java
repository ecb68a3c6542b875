package io.e2i.featurestore.embedded;

import io.e2i.featurestore.TrainingSetListContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Training sets paged by DuckDB (LIMIT/OFFSET over the name order). */
class EmbeddedTrainingSetListTest extends TrainingSetListContract {
  @TempDir Path dir;

  @Override
  protected OfflineBackend open() {
    return EmbeddedBackendProvider.open(dir);
  }
}
