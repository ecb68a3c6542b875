package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.KeyScopes.Scope;
import io.e2i.featurestore.ValueType;
import io.javalin.http.Context;
import java.io.InputStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Feast's write routes, {@code POST /write-to-online-store} and {@code POST /push}, with the JSON
 * of Feast's Python feature server (its WriteToFeatureStoreRequest and PushFeaturesRequest), so
 * Feast's SDK with {@code online_store: type: remote} writes through us ({@code
 * write_to_online_store} and {@code push} both send {@code /write-to-online-store}):
 *
 * <pre>
 * {"feature_view_name": "hcp", "df": {"hcp_id": ["H1"], "score": [0.5],
 *  "event_timestamp": ["2026-01-01T00:00:00"], "created": [null]}, "allow_registry_cache": false}
 * {"push_source_name": "hcp", "df": {...}, "to": "online"}
 * </pre>
 *
 * Feature views and push sources are our feature groups. {@code df} is a column-oriented frame:
 * entity key columns, feature columns (a subset of the group's features), {@code event_timestamp}
 * (required; ISO-8601, naive means UTC as in Feast, or epoch seconds) and {@code created} (what
 * Feast's client sends; we record the ingestion time ourselves). Any other column is a 400 naming
 * it. The rows go through the normal write path in one call: types checked (a bad value rejects the
 * whole frame), committed, the cache invalidated, the caller's write scope on the group required.
 * Every push mode ({@code online}, {@code offline}, {@code online_and_offline}) does the same: the
 * offline store is the source of truth and the online cache is invalidated on write.
 */
final class FeastWriteApi {
  static final String EVENT_TIMESTAMP = "event_timestamp";
  static final String CREATED = "created";

  /** Fields of Feast's WriteToFeatureStoreRequest; any other is a 400. */
  static final List<String> WRITE_FIELDS =
      List.of("feature_view_name", "df", "allow_registry_cache", "transform_on_write");

  /** Fields of Feast's PushFeaturesRequest; any other is a 400. */
  static final List<String> PUSH_FIELDS =
      List.of("push_source_name", "df", "allow_registry_cache", "to", "transform_on_write");

  static final List<String> PUSH_MODES = List.of("online", "offline", "online_and_offline");

  /**
   * The largest Feast write body: the frame is read whole (its columns become rows only once all
   * are read), so it is bounded below the streamed batch endpoint's limit.
   */
  static final long MAX_BODY_BYTES = 64L << 20;

  private final FeatureStore store;
  private final Api api;
  private final ServerOptions options;
  private final ServerMetrics metrics;

  FeastWriteApi(FeatureStore store, Api api, ServerOptions options, ServerMetrics metrics) {
    this.store = store;
    this.api = api;
    this.options = options;
    this.metrics = metrics;
  }

  List<Endpoint> endpoints() {
    List<Integer> errors = List.of(400, 403, 404, 409, 413);
    return List.of(
        new Endpoint(
            "POST",
            "/write-to-online-store",
            "feast_write_to_online_store",
            "Feast feature server compatible write of a column-oriented frame to a feature view"
                + " (a feature group), through the normal write path",
            "FeastWriteRequest",
            200,
            "Written",
            errors,
            this::writeToOnlineStore),
        new Endpoint(
            "POST",
            "/push",
            "feast_push",
            "Feast feature server compatible push of a column-oriented frame to a push source"
                + " (a feature group of that name), through the normal write path",
            "FeastPushRequest",
            200,
            "Written",
            errors,
            this::push));
  }

  private Object writeToOnlineStore(Context ctx) throws Exception {
    ObjectNode b = read(ctx);
    Wire.knownFields(b, "Feast write-to-online-store request", WRITE_FIELDS);
    String group = Wire.name("feature_view_name", Wire.requiredText(b, "feature_view_name"));
    flags(b);
    return Map.of("written", write(group, b, "/write-to-online-store", "feature view"));
  }

  private Object push(Context ctx) throws Exception {
    ObjectNode b = read(ctx);
    Wire.knownFields(b, "Feast push request", PUSH_FIELDS);
    String group = Wire.name("push_source_name", Wire.requiredText(b, "push_source_name"));
    String to = Wire.optionalText(b, "to");
    if (to != null && !PUSH_MODES.contains(to)) {
      throw ApiException.badRequest(
          "'to' is '" + to + "'; expected one of " + String.join(", ", PUSH_MODES));
    }
    flags(b);
    return Map.of("written", write(group, b, "/push", "push source"));
  }

  private ObjectNode read(Context ctx) throws java.io.IOException {
    try (InputStream in = api.body(ctx, Math.min(MAX_BODY_BYTES, options.maxBatchBodyBytes()))) {
      return Wire.readObject(in);
    }
  }

  /** Feast's registry-cache and on-write-transform switches: booleans, nothing to do here. */
  private static void flags(JsonNode b) {
    Wire.optionalBool(b, "allow_registry_cache", true);
    Wire.optionalBool(b, "transform_on_write", true);
  }

  private int write(String group, JsonNode b, String endpoint, String what) throws Exception {
    // Write scope first, so a caller without it learns nothing about the group. The frame's
    // columns are matched against the group's definitions, which a write-only key may not read
    // through the guard: it reads them as the local principal, and writes as itself.
    Principal.current().require(Scope.WRITE, group);
    List<Feature> features =
        Principal.LOCAL.runAs(
            "feast_" + what.replace(' ', '_'),
            () -> {
              if (store.getFeatureGroup(group).isEmpty()) {
                throw FeatureStoreException.notFound(
                    what + " '" + group + "' not found (" + what + "s are feature groups)");
              }
              return store.listFeatures(group);
            });
    Frame frame = Frame.of(b.get("df"), group, features);
    if (frame.size() > options.maxBatchValues()) {
      throw ApiException.tooLarge(
          "the frame holds "
              + frame.size()
              + " values; at most "
              + options.maxBatchValues()
              + " per request");
    }
    List<FeatureWrite> writes = frame.writes(group);
    int written = writes.isEmpty() ? 0 : store.writeBatchFeatures(writes);
    metrics.written(endpoint, written);
    return written;
  }

  /** A parsed frame: its rows' entity values, event times and the feature columns. */
  private record Frame(
      int rows,
      Map<String, List<JsonNode>> keys,
      List<Instant> eventTimes,
      Map<Feature, List<JsonNode>> features) {

    long size() {
      return (long) rows * features.size();
    }

    static Frame of(@Nullable JsonNode df, String group, List<Feature> groupFeatures) {
      if (df == null || !df.isObject() || df.isEmpty()) {
        throw ApiException.badRequest(
            "'df' is required: an object of column names to equally long lists of values, e.g."
                + " {\"hcp_id\": [\"HCP1\"], \"score\": [0.5], \"event_timestamp\":"
                + " [\"2026-01-01T00:00:00Z\"]}");
      }
      Map<String, Feature> byName = new LinkedHashMap<>();
      Set<String> entityKeys = new LinkedHashSet<>();
      for (Feature f : groupFeatures) {
        byName.put(f.name(), f);
        entityKeys.addAll(f.entityKeys());
      }
      Map<String, List<JsonNode>> keys = new LinkedHashMap<>();
      Map<Feature, List<JsonNode>> features = new LinkedHashMap<>();
      List<JsonNode> times = null;
      int rows = -1;
      Iterator<Map.Entry<String, JsonNode>> it = df.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String column = e.getKey();
        if (!e.getValue().isArray()) {
          throw ApiException.badRequest(
              "df['" + column + "'] must be a list of values, got " + abbreviate(e.getValue()));
        }
        List<JsonNode> cells = new ArrayList<>(e.getValue().size());
        e.getValue().forEach(cells::add);
        if (rows >= 0 && cells.size() != rows) {
          throw ApiException.badRequest(
              "every df column must have the same length; '"
                  + column
                  + "' has "
                  + cells.size()
                  + ", the columns before it "
                  + rows);
        }
        rows = cells.size();
        Feature feature = byName.get(column);
        if (column.equals(EVENT_TIMESTAMP)) {
          times = cells;
        } else if (column.equals(CREATED)) {
          for (int row = 0; row < cells.size(); row++) {
            if (!cells.get(row).isNull()) {
              timestamp(CREATED, row, cells.get(row));
            }
          }
        } else if (feature != null) {
          features.put(feature, cells);
        } else if (entityKeys.contains(column)) {
          keys.put(column, cells);
        } else {
          throw ApiException.badRequest(
              "df column '"
                  + column
                  + "' is neither a feature of group '"
                  + group
                  + "' ("
                  + String.join(", ", byName.keySet())
                  + "), one of its entity keys ("
                  + String.join(", ", entityKeys)
                  + "), 'event_timestamp' nor 'created'");
        }
      }
      if (times == null) {
        throw ApiException.badRequest(
            "df needs an 'event_timestamp' column (ISO-8601, naive is UTC, or epoch seconds)");
      }
      if (features.isEmpty()) {
        throw ApiException.badRequest(
            "df holds no feature of group '"
                + group
                + "'; its features: "
                + String.join(", ", byName.keySet()));
      }
      for (Feature f : features.keySet()) {
        List<String> missing = f.entityKeys().stream().filter(k -> !keys.containsKey(k)).toList();
        if (!missing.isEmpty()) {
          throw ApiException.badRequest(
              "df has no column for entity key "
                  + String.join(", ", missing)
                  + " of feature '"
                  + f.name()
                  + "' (it takes "
                  + f.entityKeys()
                  + ")");
        }
      }
      List<Instant> eventTimes = new ArrayList<>(times.size());
      for (int row = 0; row < times.size(); row++) {
        eventTimes.add(timestamp(EVENT_TIMESTAMP, row, times.get(row)));
      }
      return new Frame(rows, keys, eventTimes, features);
    }

    /** One write per row and feature column, each with the feature's own entity keys. */
    List<FeatureWrite> writes(String group) {
      List<FeatureWrite> writes = new ArrayList<>((int) Math.min(size(), Integer.MAX_VALUE));
      for (int row = 0; row < rows; row++) {
        for (Map.Entry<Feature, List<JsonNode>> c : features.entrySet()) {
          Feature f = c.getKey();
          Map<String, Object> entity = new LinkedHashMap<>();
          for (String key : f.entityKeys()) {
            // of() checked that every entity key of every feature column has a column
            List<JsonNode> column = java.util.Objects.requireNonNull(keys.get(key), key);
            entity.put(key, Wire.entityValue(key, column.get(row)));
          }
          writes.add(
              new FeatureWrite(
                  f.name(),
                  entity,
                  value(f, row, c.getValue().get(row)),
                  eventTimes.get(row),
                  group));
        }
      }
      return writes;
    }
  }

  /**
   * A cell as the value of {@code f}: Feast's client sends timestamp features as epoch seconds and
   * naive ISO text (UTC); every other type is the plain JSON value, checked by the write path.
   */
  static @Nullable Object value(Feature f, int row, JsonNode cell) {
    ValueType type = f.valueType();
    if (cell.isNull()) {
      return null;
    }
    if (type == ValueType.TIMESTAMP) {
      return timestamp(f.name(), row, cell);
    }
    if (type == ValueType.TIMESTAMP_LIST && cell.isArray()) {
      List<Object> out = new ArrayList<>(cell.size());
      for (JsonNode element : cell) {
        out.add(element.isNull() ? null : timestamp(f.name(), row, element));
      }
      return out;
    }
    return Wire.plainValue(cell);
  }

  /**
   * A timestamp cell: ISO-8601 with an offset, naive ISO-8601 (UTC, as Feast reads it; a space may
   * stand for the 'T', as pandas prints it), or epoch seconds (Feast's UnixTimestamp values).
   */
  static Instant timestamp(String column, int row, JsonNode cell) {
    Instant t = timestamp(cell);
    if (t == null) {
      throw badTimestamp(column, row, cell);
    }
    return t;
  }

  /**
   * {@link #timestamp(String, int, JsonNode)}'s reading of a cell; null when it is none, or one
   * past years 0000 to 9999 (ValueType.MIN_TIMESTAMP).
   */
  static @Nullable Instant timestamp(JsonNode cell) {
    Instant t = read(cell);
    return t == null || !ValueType.isInRange(t) ? null : t;
  }

  private static @Nullable Instant read(JsonNode cell) {
    if (cell.isNumber()) {
      double seconds = cell.doubleValue();
      if (!Double.isFinite(seconds) || Math.abs(seconds) > 1e13) {
        return null;
      }
      long micros = Math.round(seconds * 1e6);
      return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
    if (!cell.isTextual()) {
      return null;
    }
    String text = cell.textValue().trim();
    try {
      return ValueType.toInstant(text);
    } catch (IllegalArgumentException withOffset) {
      String iso =
          text.length() > 10 && text.charAt(10) == ' '
              ? text.substring(0, 10) + "T" + text.substring(11)
              : text;
      try {
        return ValueType.toInstant(iso);
      } catch (IllegalArgumentException spaced) {
        try {
          return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException naive) {
          return null;
        }
      }
    }
  }

  private static ApiException badTimestamp(String column, int row, JsonNode cell) {
    return ApiException.badRequest(
        "df['"
            + column
            + "'] row "
            + row
            + ": "
            + abbreviate(cell)
            + " is no timestamp in years 0000 to 9999 (expected ISO-8601, naive is UTC, or epoch"
            + " seconds)");
  }

  private static String abbreviate(JsonNode node) {
    return Wire.abbreviate(node.toString());
  }
}
