package io.e2i.featurestore.spi;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Where the store reports the runs that move data (training-set builds, materializations) as
 * lineage events, e.g. OpenLineage. Calls must return at once: an implementation queues and sends
 * in the background, dropping (and counting) what it cannot send, so lineage never holds back the
 * call that caused it.
 */
public interface LineageEvents extends AutoCloseable {

  /**
   * One finished run.
   *
   * @param job what ran, e.g. {@code training_set:churn} or {@code materialize:hcp_targeting}
   * @param inputs the lineage node ids it read (feature versions, tables)
   * @param outputs the lineage node ids it wrote (a saved training set, feature versions)
   * @param error null when it succeeded
   */
  record Run(
      UUID runId,
      String job,
      Instant started,
      Instant ended,
      List<String> inputs,
      List<String> outputs,
      @Nullable String error) {
    public Run {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }
  }

  void runFinished(Run run);

  /** Waits up to the timeout for queued events to be sent; returns how many are still queued. */
  default int drain(java.time.Duration timeout) {
    return 0;
  }

  String describe();

  @Override
  default void close() {}

  LineageEvents NONE =
      new LineageEvents() {
        @Override
        public void runFinished(Run run) {}

        @Override
        public String describe() {
          return "none";
        }
      };
}
