package io.e2i.featurestore;

import io.e2i.featurestore.spi.PitQuery;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A point-in-time correct training set: a spine (entity keys + event timestamp per row, plus any
 * extra columns) and feature references ({@code group:feature} or {@code group:feature@version}).
 * {@code asOf} (ingestion time) ignores everything written later, so the same request gives the
 * same rows next month. {@code saveAs} stores the definition under that name, with every version
 * and the as-of pinned, so it can be re-run with {@link FeatureStore#rerunTrainingSet}.
 */
public record TrainingDataRequest(
    PitQuery.Spine spine,
    List<String> featureRefs,
    @Nullable Instant asOf,
    @Nullable String saveAs) {

  public TrainingDataRequest {
    if (spine == null) {
      throw FeatureStoreException.invalid("a spine is required");
    }
    if (featureRefs == null || featureRefs.isEmpty()) {
      throw FeatureStoreException.invalid("features must name at least one 'group:feature'");
    }
    featureRefs = List.copyOf(featureRefs);
    if (saveAs != null) {
      Names.check("training set name", saveAs);
    }
  }

  public TrainingDataRequest(PitQuery.Spine spine, List<String> featureRefs) {
    this(spine, featureRefs, null, null);
  }
}
