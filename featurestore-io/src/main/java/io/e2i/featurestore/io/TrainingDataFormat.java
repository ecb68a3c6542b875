package io.e2i.featurestore.io;

import io.e2i.featurestore.FeatureStoreException;
import java.io.OutputStream;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The output formats of training data, for the HTTP endpoint and the CLI. */
public enum TrainingDataFormat {
  JSON("application/json", ".json"),
  CSV("text/csv", ".csv"),
  PARQUET("application/vnd.apache.parquet", ".parquet");

  private final String contentType;
  private final String extension;

  TrainingDataFormat(String contentType, String extension) {
    this.contentType = contentType;
    this.extension = extension;
  }

  public String contentType() {
    return contentType;
  }

  public String extension() {
    return extension;
  }

  /**
   * A writer that streams the training set to {@code out}; {@link TrainingDataWriter#finish()} ends
   * it.
   */
  public TrainingDataWriter writer(OutputStream out) {
    return switch (this) {
      case JSON -> new JsonTrainingWriter(out);
      case CSV -> new CsvTrainingWriter(out);
      case PARQUET -> new ParquetTrainingWriter(out);
    };
  }

  public static TrainingDataFormat parse(String name) {
    if (name == null || name.isBlank()) {
      return JSON;
    }
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw FeatureStoreException.invalid(
          "unknown format '" + name + "'; expected json, csv or parquet");
    }
  }

  /** The format a file name asks for by its extension, or null. */
  public static @Nullable TrainingDataFormat fromFileName(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    for (TrainingDataFormat f : values()) {
      if (lower.endsWith(f.extension)) {
        return f;
      }
    }
    return null;
  }
}
