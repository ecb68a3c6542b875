package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureMetadata;
import io.e2i.featurestore.FeatureRef;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.OnlineRequest;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code POST /get-online-features} with the JSON of Feast's Python feature server, so clients
 * written for Feast work unchanged:
 *
 * <pre>
 * request:  {"features": ["group:feature", ...] | "feature_service": "group",
 *            "entities": {"hcp_id": ["HCP1", "HCP2"]}, "full_feature_names": false}
 * response: {"metadata": {"feature_names": ["hcp_id", "feature", ...]},
 *            "results": [{"values": [...], "statuses": [...], "event_timestamps": [...]}, ...]}
 * </pre>
 *
 * As in Feast, {@code results} holds one column per name of {@code feature_names} (entity keys
 * first, with status PRESENT and the epoch as timestamp, then the features grouped by feature view
 * in the order the views first appear, as Feast's server groups them), each with one cell per
 * entity row. Feature views are our feature groups; a {@code feature_service} names a group and
 * means all its features. A feature uses only the entity columns among its own entity keys.
 * Statuses: PRESENT, NOT_FOUND (no value), NULL_VALUE (a stored null), OUTSIDE_MAX_AGE (older than
 * the group's max_age_hours; the value is still returned, as Feast's Go and Java servers return it
 * past a view's TTL). With {@code include_feature_view_version_metadata}, {@code metadata} also
 * lists {@code feature_view_metadata}: one {@code {"name": group}} per group read (groups have no
 * version; Feast leaves out a version 0).
 */
final class FeastApi {
  static final String EPOCH = "1970-01-01T00:00:00Z";

  /**
   * The fields of Feast's own request model (its Python feature server's GetOnlineFeaturesRequest:
   * what the Feast SDK's remote online store and HTTP clients send); others are a 400.
   */
  static final List<String> REQUEST_FIELDS =
      List.of(
          "features",
          "feature_service",
          "entities",
          "full_feature_names",
          "include_feature_view_version_metadata");

  private final FeatureStore store;
  private final Api api;

  FeastApi(FeatureStore store, Api api) {
    this.store = store;
    this.api = api;
  }

  /** A requested feature and the entity columns it reads. */
  private record Requested(String outputName, Feature feature, String refName, List<String> keys) {}

  Object getOnlineFeatures(Context ctx) throws Exception {
    return getOnlineFeatures(ctx.req());
  }

  /** The online read, given the servlet request: {@link HotRoutes} serves it without Javalin. */
  Object getOnlineFeatures(HttpServletRequest req) throws Exception {
    ObjectNode b = Wire.readObject(api.body(req));
    Wire.knownFields(b, "Feast online features request", REQUEST_FIELDS);
    JsonNode entitiesNode = b.get("entities");
    if (entitiesNode == null || !entitiesNode.isObject() || entitiesNode.isEmpty()) {
      throw ApiException.badRequest(
          "'entities' is required: an object of entity key names to lists of values,"
              + " e.g. {\"hcp_id\": [\"HCP1\", \"HCP2\"]}");
    }
    Map<String, List<JsonNode>> columns = new LinkedHashMap<>();
    int rows = -1;
    Iterator<Map.Entry<String, JsonNode>> it = entitiesNode.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      Wire.entityKey(e.getKey());
      if (!e.getValue().isArray()) {
        throw ApiException.badRequest(
            "entities['" + e.getKey() + "'] must be a list of values, got " + e.getValue());
      }
      List<JsonNode> column = new ArrayList<>();
      e.getValue().forEach(column::add);
      if (rows >= 0 && column.size() != rows) {
        throw ApiException.badRequest(
            "every entity column must have the same length; '"
                + e.getKey()
                + "' has "
                + column.size()
                + ", others "
                + rows);
      }
      rows = column.size();
      columns.put(e.getKey(), column);
    }
    boolean fullNames = Wire.optionalBool(b, "full_feature_names", false);
    boolean viewMetadata = Wire.optionalBool(b, "include_feature_view_version_metadata", false);
    List<Requested> requested = byGroup(requested(b, columns, fullNames));

    // One store read per (entity row, group, entity-key set): the store's own cache applies.
    Map<String, List<Requested>> buckets = new LinkedHashMap<>();
    for (Requested r : requested) {
      buckets
          .computeIfAbsent(r.feature().featureGroup() + "\0" + r.keys(), k -> new ArrayList<>())
          .add(r);
    }
    Map<Requested, Object[]> values = new LinkedHashMap<>();
    Map<Requested, String[]> statuses = new LinkedHashMap<>();
    Map<Requested, Object[]> timestamps = new LinkedHashMap<>();
    for (Requested r : requested) {
      values.put(r, new Object[rows]);
      statuses.put(r, new String[rows]);
      timestamps.put(r, new Object[rows]);
    }
    for (int row = 0; row < rows; row++) {
      for (List<Requested> bucket : buckets.values()) {
        Requested first = bucket.getFirst();
        Map<String, Object> entity = new LinkedHashMap<>();
        for (String key : first.keys()) {
          // requested() checked that every entity key of the bucket has a column
          List<JsonNode> column = Objects.requireNonNull(columns.get(key), key);
          entity.put(key, Wire.entityValue(key, column.get(row)));
        }
        List<String> names = bucket.stream().map(Requested::refName).distinct().toList();
        EntityFeatures ef =
            store.getEntityFeatures(
                new OnlineRequest(entity, first.feature().featureGroup(), names, true, null));
        for (Requested r : bucket) {
          String name = r.feature().name();
          FeatureMetadata md = ef.metadata().get(name);
          Object value = ef.features().get(name);
          String status;
          Object ts = EPOCH;
          if (md == null) {
            status = "NOT_FOUND";
          } else {
            ts = md.eventTimestamp();
            if (md.freshnessStatus() == FreshnessStatus.EXPIRED) {
              status = "OUTSIDE_MAX_AGE";
            } else {
              status = value == null ? "NULL_VALUE" : "PRESENT";
            }
          }
          Objects.requireNonNull(values.get(r))[row] = value;
          Objects.requireNonNull(statuses.get(r))[row] = status;
          Objects.requireNonNull(timestamps.get(r))[row] = ts;
        }
      }
    }

    List<String> featureNames = new ArrayList<>(columns.keySet());
    List<Map<String, Object>> results = new ArrayList<>();
    for (Map.Entry<String, List<JsonNode>> c : columns.entrySet()) {
      String[] present = new String[rows];
      String[] epochs = new String[rows];
      java.util.Arrays.fill(present, "PRESENT");
      java.util.Arrays.fill(epochs, EPOCH);
      results.add(vector(c.getValue(), List.of(present), List.of(epochs)));
    }
    for (Requested r : requested) {
      featureNames.add(r.outputName());
      results.add(
          vector(
              java.util.Arrays.asList(values.get(r)),
              List.of(statuses.get(r)),
              java.util.Arrays.asList(timestamps.get(r))));
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("feature_names", featureNames);
    if (viewMetadata) {
      metadata.put(
          "feature_view_metadata",
          requested.stream()
              .map(r -> r.feature().featureGroup())
              .distinct()
              .map(g -> Map.of("name", g))
              .toList());
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("metadata", metadata);
    response.put("results", results);
    return response;
  }

  /**
   * The features grouped by group, groups in the order they first appear, each group's features in
   * request order; a feature asked for twice under the same output name is read once (Feast's
   * server groups by view and reads each feature once).
   */
  private static List<Requested> byGroup(List<Requested> requested) {
    Map<String, List<Requested>> groups = new LinkedHashMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Requested r : requested) {
      if (seen.add(r.outputName() + "\0" + r.refName())) {
        groups.computeIfAbsent(r.feature().featureGroup(), g -> new ArrayList<>()).add(r);
      }
    }
    List<Requested> out = new ArrayList<>(requested.size());
    groups.values().forEach(out::addAll);
    return out;
  }

  private static Map<String, Object> vector(List<?> values, List<?> statuses, List<?> stamps) {
    Map<String, Object> m = new LinkedHashMap<>(4);
    m.put("values", values);
    m.put("statuses", statuses);
    m.put("event_timestamps", stamps);
    return m;
  }

  private List<Requested> requested(
      JsonNode b, Map<String, List<JsonNode>> columns, boolean fullNames) {
    String service = Wire.optionalText(b, "feature_service");
    List<String> refs = Wire.optionalStrings(b, "features");
    // Feast's model defaults "features" to [], so a client may send it empty beside a service.
    if (service != null && refs != null && !refs.isEmpty()) {
      throw ApiException.badRequest("give either 'features' or 'feature_service', not both");
    }
    List<String> texts = new ArrayList<>();
    if (service != null) {
      if (store.getFeatureGroup(service).isEmpty()) {
        throw FeatureStoreException.notFound(
            "feature service '" + service + "' not found (feature services are feature groups)");
      }
      for (Feature f : store.listFeatures(service)) {
        if (columns.keySet().containsAll(f.entityKeys())) {
          texts.add(service + ":" + f.name());
        }
      }
    } else {
      if (refs == null || refs.isEmpty()) {
        throw ApiException.badRequest(
            "'features' (a list of \"feature_group:feature\") or 'feature_service' is required");
      }
      texts.addAll(refs);
    }
    List<Requested> out = new ArrayList<>();
    for (String text : texts) {
      FeatureRef ref = FeatureRef.parse(text);
      if (ref.featureGroup() == null) {
        throw ApiException.badRequest(
            "feature reference '" + text + "' must be \"feature_group:feature\"");
      }
      Feature feature =
          (ref.version() == null
                  ? store.getFeature(ref.featureGroup(), ref.name())
                  : store.getFeature(ref.featureGroup(), ref.name(), ref.version()))
              .orElseThrow(
                  () -> FeatureStoreException.notFound("feature '" + text + "' not found"));
      List<String> missing =
          feature.entityKeys().stream().filter(k -> !columns.containsKey(k)).toList();
      if (!missing.isEmpty()) {
        throw ApiException.badRequest(
            "missing entity key "
                + String.join(", ", missing)
                + " for feature '"
                + text
                + "' (it takes "
                + feature.entityKeys()
                + ")");
      }
      String refName = ref.version() == null ? ref.name() : ref.name() + "@" + ref.version();
      String output = fullNames ? feature.featureGroup() + "__" + feature.name() : feature.name();
      out.add(new Requested(output, feature, refName, feature.entityKeys()));
    }
    return out;
  }
}
