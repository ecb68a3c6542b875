package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.MaterializationContract;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.PipelineBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.io.TempDir;

/** Materialization on DuckDB, from a CSV file that grows (read_csv counts as a source). */
class EmbeddedMaterializationTest extends MaterializationContract {
  @TempDir Path dir;
  private Path csv;
  private OfflineBackend backend;

  @Override
  protected FeatureStore open(Clock clock) {
    csv = dir.resolve("rx.csv");
    write("hcp_id,ts,trx,specialty\n");
    backend = EmbeddedBackendProvider.open(dir.resolve("data"));
    return build(backend.registry(), backend.store(), clock);
  }

  @Override
  protected void appendSource(List<Object[]> rows) {
    StringBuilder text = new StringBuilder();
    for (Object[] r : rows) {
      text.append(r[0])
          .append(',')
          .append(sqlTime((Instant) r[1]))
          .append(',')
          .append(r[2])
          .append(',')
          .append(r[3])
          .append('\n');
    }
    write(text.toString());
  }

  static String sqlTime(Instant t) {
    return t.toString().replace('T', ' ').replace("Z", "+00");
  }

  private void write(String text) {
    try {
      Files.writeString(csv, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected String source() {
    return "read_csv('"
        + csv
        + "', header = true, columns = {'hcp_id': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'trx':"
        + " 'BIGINT', 'specialty': 'VARCHAR'})";
  }

  @Override
  protected PipelineBackend.GroupLock lockElsewhere(String group) {
    // DuckDB lets one process open a file: the lock is process-wide, so a second backend object
    // on the same file stands for the other instance.
    return Objects.requireNonNull(
        new DuckDbPipelines(((DuckDbOfflineStore) backend.store()).db).tryLock(group));
  }
}
