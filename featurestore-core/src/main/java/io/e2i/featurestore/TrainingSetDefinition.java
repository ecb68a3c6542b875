package io.e2i.featurestore;

import io.e2i.featurestore.spi.PitQuery;
import java.time.Instant;
import java.util.List;

/**
 * A saved training set: its spine, its features pinned to versions ({@code group:feature@v}) and
 * the ingestion time it was built as of. Re-running it gives the same rows.
 */
public record TrainingSetDefinition(
    String name, PitQuery.Spine spine, List<String> featureRefs, Instant asOf, Instant createdAt) {

  public TrainingSetDefinition {
    Names.check("training set name", name);
    featureRefs = List.copyOf(featureRefs);
  }
}
