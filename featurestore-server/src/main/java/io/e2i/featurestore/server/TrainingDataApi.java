package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureRef;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.TrainingSetList;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.io.TrainingDataFormat;
import io.e2i.featurestore.io.TrainingDataWriter;
import io.e2i.featurestore.spi.PitQuery;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time training data over HTTP: {@code POST /api/v1/training-data}, {@code GET
 * /api/v1/training-sets} and {@code POST /api/v1/training-sets/{name}/run}. The answer is streamed
 * (JSON, CSV or Parquet) straight from the store's join into the response.
 *
 * <p>Headers go out before the body, so the as-of time and the feature versions are pinned here,
 * before the join, and handed to the store pinned: {@code X-Training-Set-As-Of} and {@code
 * X-Training-Set-Features} then name exactly what the rows were built from.
 */
final class TrainingDataApi {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingDataApi.class);
  static final String AS_OF_HEADER = "X-Training-Set-As-Of";
  static final String FEATURES_HEADER = "X-Training-Set-Features";
  static final String NAME_HEADER = "X-Training-Set-Name";
  static final List<String> REQUEST_FIELDS =
      List.of("features", "spine", "timestamp_column", "as_of", "save_as", "format");

  private final FeatureStore store;
  private final Api api;
  private final ServerOptions options;

  TrainingDataApi(FeatureStore store, Api api, ServerOptions options) {
    this.store = store;
    this.api = api;
    this.options = options;
  }

  // ---------------------------------------------------------------- endpoints

  Object trainingData(Context ctx) throws IOException {
    ObjectNode b;
    // A spine over JSON can be large: the batch limit applies, not the small-body one.
    try (InputStream in = api.body(ctx, options.maxBatchBodyBytes())) {
      b = Wire.readObject(in);
    }
    Wire.knownFields(b, "training data request", REQUEST_FIELDS);
    List<String> features = Wire.optionalReferences(b, "features");
    if (features == null || features.isEmpty()) {
      throw ApiException.badRequest(
          "'features' must list at least one \"group:feature\" reference");
    }
    String tsColumn = Wire.optionalText(b, "timestamp_column");
    if (tsColumn == null || tsColumn.isBlank()) {
      tsColumn = "event_timestamp";
    }
    Instant asOf = Wire.optionalInstant(b, "as_of");
    String saveAs = Wire.optionalText(b, "save_as");
    if (saveAs != null) {
      Wire.name("save_as", saveAs);
    }
    TrainingDataFormat format = format(Wire.optionalText(b, "format"), ctx);
    // What to join comes before how: an unknown feature is a 404 whatever the spine holds.
    List<String> pinned = pin(features);
    PitQuery.Spine spine = spine(b.get("spine"), tsColumn);

    // A future as-of would let a re-run take in values written after this run: pin it to now.
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Instant pinnedAsOf = asOf == null || asOf.isAfter(now) ? now : asOf;
    TrainingDataRequest request = new TrainingDataRequest(spine, pinned, pinnedAsOf, saveAs);
    return stream(
        ctx, format, pinnedAsOf, pinned, saveAs, sink -> store.getTrainingData(request, sink));
  }

  Object listTrainingSets(Context ctx) {
    TrainingSetPage page = TrainingSetPage.parse(ctx.queryParam("limit"), ctx.queryParam("offset"));
    // The store pages: only this page's definitions are read and parsed.
    TrainingSetList list = store.listTrainingSets(page.offset(), page.limitOrAll());
    List<Map<String, Object>> sets = new ArrayList<>();
    for (TrainingSetDefinition d : list.sets()) {
      sets.add(definition(d));
    }
    // in the spec's order every time (Map.of iterates in an order salted per JVM)
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("training_sets", sets);
    answer.put("total", list.total());
    return answer;
  }

  Object rerun(Context ctx) throws IOException {
    String name = ctx.pathParam("name");
    String formatName = ctx.queryParam("format");
    // The body is optional here: {"format": "csv"} or nothing.
    byte[] body;
    try (InputStream in = api.body(ctx)) {
      body = in.readAllBytes();
    }
    if (!new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      ObjectNode b = Wire.readObject(new java.io.ByteArrayInputStream(body));
      Wire.knownFields(b, "training set run request", List.of("format"));
      String fromBody = Wire.optionalText(b, "format");
      formatName = fromBody == null ? formatName : fromBody;
    }
    TrainingDataFormat format = format(formatName, ctx);
    TrainingSetDefinition saved =
        store
            .trainingSet(name)
            .orElseThrow(
                () -> FeatureStoreException.notFound("training set '" + name + "' not found"));
    return stream(
        ctx,
        format,
        saved.asOf(),
        saved.featureRefs(),
        name,
        sink -> store.rerunTrainingSet(name, sink));
  }

  // ---------------------------------------------------------------- request parsing

  /**
   * A file spine: only a CSV/Parquet file inside the configured spine folder, symlinks resolved.
   */
  private Path spineFile(String path) {
    Path dir = options.spineDir();
    if (dir == null) {
      throw ApiException.forbidden(
          "file spines are disabled on this server (start it with --spine-dir=DIR); send the"
              + " spine's rows as {\"columns\": [...], \"rows\": [[...]]}");
    }
    TrainingDataFormat format = TrainingDataFormat.fromFileName(path);
    if (format == null || format == TrainingDataFormat.JSON) {
      throw ApiException.badRequest(
          "spine path '" + path + "' must end in .csv or .parquet (the format is read from it)");
    }
    Path file = dir.resolve(path).normalize();
    if (!file.startsWith(dir)) {
      throw ApiException.forbidden("spine file '" + path + "' is outside the spine folder");
    }
    if (!Files.isRegularFile(file)) {
      throw ApiException.badRequest("spine file '" + path + "' does not exist in the spine folder");
    }
    try {
      if (!file.toRealPath().startsWith(dir.toRealPath())) {
        throw ApiException.forbidden("spine file '" + path + "' is outside the spine folder");
      }
    } catch (IOException e) {
      throw ApiException.badRequest("spine file '" + path + "' cannot be read: " + e.getMessage());
    }
    return file;
  }

  /** Exactly one of {"columns", "rows"}, {"sql"} or {"path"}. */
  private PitQuery.Spine spine(JsonNode node, String tsColumn) {
    if (node == null || node.isNull()) {
      throw ApiException.badRequest(
          "'spine' is required: {\"columns\": [...], \"rows\": [[...]]}, {\"sql\": \"...\"} or"
              + " {\"path\": \"/file.parquet\"}");
    }
    if (!node.isObject()) {
      throw ApiException.badRequest("'spine' must be an object, got " + node);
    }
    int kinds = (node.has("rows") ? 1 : 0) + (node.has("sql") ? 1 : 0) + (node.has("path") ? 1 : 0);
    if (kinds != 1) {
      throw ApiException.badRequest(
          "'spine' must have exactly one of 'rows' (with 'columns'), 'sql' or 'path'");
    }
    String kind = node.has("rows") ? "rows" : node.has("sql") ? "sql" : "path";
    Wire.knownFields(
        node,
        "spine (" + kind + ")",
        kind.equals("rows") ? List.of("columns", "rows") : List.of(kind));
    if (node.has("sql")) {
      if (!options.sqlSpines()) {
        throw ApiException.forbidden(
            "SQL spines are disabled on this server (start it with --allow-sql-spines); send the"
                + " spine's rows as {\"columns\": [...], \"rows\": [[...]]}");
      }
      return new PitQuery.Spine.Sql(Wire.requiredText(node, "sql"), tsColumn);
    }
    if (node.has("path")) {
      return new PitQuery.Spine.File(spineFile(Wire.requiredText(node, "path")), tsColumn);
    }
    List<String> columns = Wire.optionalStrings(node, "columns");
    if (columns == null || columns.isEmpty()) {
      throw ApiException.badRequest("'spine.columns' must list the spine's column names");
    }
    int ts = columns.indexOf(tsColumn);
    if (ts < 0) {
      throw ApiException.badRequest(
          "spine has no timestamp column '" + tsColumn + "'; columns: " + columns);
    }
    JsonNode rowsNode = node.get("rows");
    if (!rowsNode.isArray()) {
      throw ApiException.badRequest("'spine.rows' must be a list of rows, got " + rowsNode);
    }
    List<Object[]> rows = new ArrayList<>(rowsNode.size());
    int n = 0;
    for (JsonNode r : rowsNode) {
      n++;
      if (!r.isArray() || r.size() != columns.size()) {
        throw ApiException.badRequest(
            "spine row "
                + n
                + " must be a list of "
                + columns.size()
                + " values (one per column), got "
                + abbreviate(r));
      }
      Object[] row = new Object[columns.size()];
      for (int i = 0; i < row.length; i++) {
        row[i] = cell(n, columns.get(i), r.get(i));
      }
      JsonNode t = r.get(ts);
      if (!t.isTextual()) {
        throw ApiException.badRequest(
            "spine row "
                + n
                + ": '"
                + tsColumn
                + "' must be an ISO-8601 timestamp string, got "
                + abbreviate(t));
      }
      try {
        row[ts] = ValueType.toInstant(t.textValue());
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(
            "spine row " + n + ", column '" + tsColumn + "': " + e.getMessage());
      }
      rows.add(row);
    }
    return new PitQuery.Spine.Rows(columns, tsColumn, rows);
  }

  private static @Nullable Object cell(int row, String column, JsonNode v) {
    if (v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      if (!v.canConvertToLong()) {
        throw ApiException.badRequest(
            "spine row " + row + ": '" + column + "' is out of the int64 range: " + v);
      }
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    throw ApiException.badRequest(
        "spine row "
            + row
            + ": '"
            + column
            + "' must be a string, number, boolean or null, got "
            + abbreviate(v));
  }

  private static String abbreviate(JsonNode node) {
    return Wire.abbreviate(node.toString());
  }

  /** The body's "format", else the Accept header, else JSON. */
  static TrainingDataFormat format(@Nullable String name, Context ctx) {
    if (name != null && !name.isBlank()) {
      return TrainingDataFormat.parse(name);
    }
    String accept = ctx.header("Accept");
    if (accept != null) {
      String a = accept.toLowerCase(Locale.ROOT);
      if (a.contains("text/csv")) {
        return TrainingDataFormat.CSV;
      }
      if (a.contains("parquet")) {
        return TrainingDataFormat.PARQUET;
      }
    }
    return TrainingDataFormat.JSON;
  }

  /**
   * Pins every reference to a version ({@code group:feature@v}), the latest one now. A reference
   * the registry does not know is a 404; a bare name in several groups a 409.
   */
  private List<String> pin(List<String> refs) {
    List<String> pinned = new ArrayList<>(refs.size());
    for (String text : refs) {
      FeatureRef ref = FeatureRef.parse(text);
      String group = ref.featureGroup();
      if (group == null) {
        List<String> groups = new ArrayList<>();
        for (FeatureGroup g : store.listFeatureGroups()) {
          if (store.getFeature(g.name(), ref.name()).isPresent()) {
            groups.add(g.name());
          }
        }
        if (groups.size() > 1) {
          throw new FeatureStoreException(
              FeatureStoreException.Code.CONFLICT,
              "feature '" + text + "' exists in groups " + groups + "; name it group:feature");
        }
        group = groups.isEmpty() ? null : groups.getFirst();
      }
      java.util.Optional<Feature> feature =
          group == null
              ? java.util.Optional.empty()
              : ref.version() == null
                  ? store.getFeature(group, ref.name())
                  : store.getFeature(group, ref.name(), ref.version());
      pinned.add(
          feature
              .map(Feature::reference)
              .orElseThrow(
                  () -> FeatureStoreException.notFound("feature '" + text + "' not found")));
    }
    return pinned;
  }

  // ---------------------------------------------------------------- responses

  static Map<String, Object> definition(TrainingSetDefinition d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", d.name());
    m.put("features", d.featureRefs());
    m.put("as_of", d.asOf());
    m.put("created_at", d.createdAt());
    Map<String, Object> spine = new LinkedHashMap<>();
    spine.put("timestamp_column", d.spine().timestampColumn());
    switch (d.spine()) {
      case PitQuery.Spine.Sql sql -> {
        spine.put("type", "sql");
        spine.put("sql", sql.query());
      }
      case PitQuery.Spine.File file -> {
        spine.put("type", "file");
        spine.put("path", file.path().toString());
      }
      case PitQuery.Spine.Rows rows -> {
        spine.put("type", "rows");
        spine.put("columns", rows.columns());
        spine.put("row_count", rows.rows().size());
      }
    }
    m.put("spine", spine);
    return m;
  }

  /**
   * Streams the join into the response. Until the first bytes leave (the writers buffer), a failure
   * still becomes a proper JSON error; after that the connection is cut, so a client never takes a
   * truncated body for a whole training set.
   */
  private static Object stream(
      Context ctx,
      TrainingDataFormat format,
      @Nullable Instant asOf,
      List<String> features,
      @Nullable String name,
      Consumer<PitQuery.RowSink> join)
      throws IOException {
    HttpServletResponse res = ctx.res();
    res.setStatus(200);
    res.setContentType(format.contentType());
    res.setHeader(AS_OF_HEADER, asOf == null ? "" : asOf.toString());
    res.setHeader(FEATURES_HEADER, String.join(",", features));
    if (name != null) {
      res.setHeader(NAME_HEADER, name);
    }
    if (format == TrainingDataFormat.PARQUET) {
      res.setHeader("Content-Disposition", "attachment; filename=\"training.parquet\"");
    }
    ServletOutputStream out = res.getOutputStream();
    long rows;
    try {
      TrainingDataWriter writer = format.writer(out);
      join.accept(writer);
      writer.finish();
      rows = writer.rowCount();
      out.close();
    } catch (RuntimeException | IOException e) {
      if (!res.isCommitted()) {
        res.reset();
        throw e;
      }
      LOG.warn("training data failed after the response began; closing the connection", e);
      abort(ctx, e);
      return new Endpoint.Answered(500);
    }
    LOG.debug("training data: {} rows as {}", rows, format);
    return new Endpoint.Answered(200);
  }

  private static void abort(Context ctx, Throwable cause) {
    try {
      org.eclipse.jetty.server.Request.getBaseRequest(ctx.req()).getHttpChannel().abort(cause);
    } catch (RuntimeException e) {
      LOG.debug("could not abort the connection: {}", e.toString());
    }
  }
}
