package io.e2i.featurestore.spi;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A point-in-time join: for each spine row (entity key columns + a timestamp T), each feature takes
 * its latest value with {@code event_timestamp <= T} (ties: latest written), none when that value
 * is older than {@code maxAge} ({@code T - event_timestamp > maxAge}), and only among values
 * written at or before {@code asOf} when it is set. Output rows keep the spine's order and columns,
 * followed by one column per feature.
 */
public record PitQuery(Spine spine, List<PitFeature> features, @Nullable Instant asOf) {

  public PitQuery {
    features = List.copyOf(features);
  }

  /** One feature column of the output. */
  public record PitFeature(
      UUID featureId,
      String column,
      ValueType type,
      List<String> entityKeys,
      @Nullable Duration maxAge) {

    /** {@link #maxAge()} in whole microseconds, the stores' time unit; only when it is set. */
    public long maxAgeMicros() {
      Duration maxAge = Objects.requireNonNull(this.maxAge, "maxAge");
      return Math.addExact(
          Math.multiplyExact(maxAge.getSeconds(), 1_000_000L), maxAge.getNano() / 1_000);
    }
  }

  /** Where spine rows come from. Every spine has a timestamp column and the entity key columns. */
  public sealed interface Spine {
    String timestampColumn();

    /**
     * Rows given in memory (JSON over HTTP, tests). Values: String, Long, Double, Boolean, Instant.
     */
    record Rows(List<String> columns, String timestampColumn, List<Object[]> rows)
        implements Spine {

      /**
       * The canonical entity text ({@link EntityKey#canonical()}) of a row's key columns at {@code
       * indexes}, so joins match what writes stored; null when a key is null or unusable (it
       * matches nothing, like a key nobody wrote).
       */
      public static @Nullable String canonicalEntity(
          List<String> keys, int[] indexes, Object[] row) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < indexes.length; i++) {
          Object v = row[indexes[i]];
          if (v == null) {
            return null;
          }
          values.put(keys.get(i), v instanceof Instant instant ? instant.toString() : v);
        }
        try {
          return EntityKey.of(values).canonical();
        } catch (FeatureStoreException e) {
          return null;
        }
      }
    }

    /** A SQL query run on the offline store itself. */
    record Sql(String query, String timestampColumn) implements Spine {}

    /** A CSV or Parquet file (by extension). */
    record File(Path path, String timestampColumn) implements Spine {}
  }

  /** Receives the output, streamed: columns first, then rows in spine order. */
  public interface RowSink {
    void columns(List<String> names);

    /** Spine values as read, then each feature's normalized value or null. */
    void row(Object[] values);
  }
}
