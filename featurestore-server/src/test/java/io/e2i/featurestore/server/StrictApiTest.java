package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The strict HTTP contract of issue 10 over a real server: registry POST is create-or-identical
 * (201 / 200 / 409 naming fields) and PUT changes; unknown fields are a 400 naming them; 405 says
 * what is allowed; /openapi.json declares the rules.
 */
class StrictApiTest {
  @TempDir Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeEach
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    server = FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
    http = new Http(server.url());
    created(
        http.post(
            "/api/v1/feature-groups",
            """
            {"name": "g", "owner": "data-team", "expected_update_frequency_hours": 24,
             "max_age_hours": 48}"""));
    created(
        http.post(
            "/api/v1/feature-groups/g/features",
            """
            {"name": "f", "value_type": "int64", "entity_keys": ["id"], "owner": "data-team"}"""));
  }

  @AfterEach
  void stop() {
    server.stop();
    store.close();
  }

  private static JsonNode created(Http.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json();
  }

  private static void assertError(Http.Response r, int status, String code, String... words) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    JsonNode error = r.json().get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
    assertThat(error.get("message").asText()).contains(words);
  }

  private Http.Response put(String path, String body) {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  // ---------------------------------------------------------------- registry writes

  @Test
  void postingAGroupAgainIs200WhenIdenticalAnd409NamingTheFieldsWhenNot() {
    Http.Response same =
        http.post(
            "/api/v1/feature-groups",
            """
            {"name": "g", "owner": "data-team", "expected_update_frequency_hours": 24,
             "max_age_hours": 48}""");
    assertThat(same.status()).as(same.text()).isEqualTo(200);
    assertThat(same.json().get("max_age_hours").asInt()).isEqualTo(48);

    // The partial definition of issue 10, item 2: refused, and the bounds stay.
    assertError(
        http.post("/api/v1/feature-groups", "{\"name\": \"g\", \"owner\": \"qa\"}"),
        409,
        "CONFLICT",
        "owner",
        "expected_update_frequency_hours",
        "max_age_hours");
    JsonNode g = http.get("/api/v1/feature-groups/g").json();
    assertThat(g.get("owner").asText()).isEqualTo("data-team");
    assertThat(g.get("expected_update_frequency_hours").asInt()).isEqualTo(24);
    assertThat(g.get("max_age_hours").asInt()).isEqualTo(48);
  }

  @Test
  void putReplacesTheGroupDefinitionAnd404sAnUnknownGroup() {
    Http.Response r = put("/api/v1/feature-groups/g", "{\"owner\": \"qa\", \"max_age_hours\": 72}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().get("owner").asText()).isEqualTo("qa");
    assertThat(r.json().get("max_age_hours").asInt()).isEqualTo(72);
    assertThat(r.json().get("expected_update_frequency_hours").isNull()).isTrue();
    assertThat(http.get("/api/v1/feature-groups/g").json().get("owner").asText()).isEqualTo("qa");

    assertError(put("/api/v1/feature-groups/nope", "{}"), 404, "NOT_FOUND", "nope");
    assertError(
        put("/api/v1/feature-groups/g", "{\"name\": \"g\"}"), 400, "INVALID_ARGUMENT", "'name'");
  }

  @Test
  void postingAFeatureAgainIs200Or409AndPutMakesVersionsOrUpdatesInPlace() {
    Http.Response same =
        http.post(
            "/api/v1/feature-groups/g/features",
            "{\"name\": \"f\", \"value_type\": \"int64\", \"entity_keys\": [\"id\"],"
                + " \"owner\": \"data-team\"}");
    assertThat(same.status()).as(same.text()).isEqualTo(200);
    assertError(
        http.post(
            "/api/v1/feature-groups/g/features",
            "{\"name\": \"f\", \"value_type\": \"float64\", \"entity_keys\": [\"id\"]}"),
        409,
        "CONFLICT",
        "value_type",
        "owner");
    assertThat(http.get("/api/v1/feature-groups/g/features/f/versions").json().get("versions"))
        .hasSize(1);

    Http.Response described =
        put(
            "/api/v1/feature-groups/g/features/f",
            "{\"value_type\": \"int64\", \"entity_keys\": [\"id\"], \"description\": \"visits\"}");
    assertThat(described.status()).as(described.text()).isEqualTo(200);
    assertThat(described.json().get("version").asInt()).isEqualTo(1);
    assertThat(described.json().get("description").asText()).isEqualTo("visits");

    Http.Response retyped =
        put(
            "/api/v1/feature-groups/g/features/f",
            "{\"value_type\": \"float64\", \"entity_keys\": [\"id\"]}");
    assertThat(retyped.status()).as(retyped.text()).isEqualTo(200);
    assertThat(retyped.json().get("version").asInt()).isEqualTo(2);
    assertThat(
            http.get("/api/v1/feature-groups/g/features/f?version=1")
                .json()
                .get("value_type")
                .asText())
        .isEqualTo("int64");

    assertError(
        put(
            "/api/v1/feature-groups/g/features/nope",
            "{\"value_type\": \"int64\", \"entity_keys\": [\"id\"]}"),
        404,
        "NOT_FOUND",
        "nope");
  }

  // ---------------------------------------------------------------- unknown fields

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/v1/feature-groups/g/features|{\"name\":\"x\",\"value_type\":\"int64\",\"entity_keys\":[\"id\"],\"constraint\":{\"min\":0}}|constraint|feature definition",
        "/api/v1/feature-groups/g/features|{\"name\":\"x\",\"value_type\":\"int64\",\"entity_keys\":[\"id\"],\"constraints\":{\"minimum\":0}}|minimum|constraints",
        "/api/v1/feature-groups|{\"name\":\"h\",\"ttl\":3}|ttl|feature group definition",
        "/api/v1/feature-values|{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"1\"},\"value\":1,\"ts\":\"x\"}|ts|feature value",
        "/api/v1/feature-values/batch|[{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"1\"},\"value\":1,\"extra\":1}]|extra|value #1",
        "/api/v1/feature-values/batch|{\"feature_values\":[],\"defaults\":{}}|defaults|batch",
        "/api/v1/online-features|{\"entity_values\":{\"id\":\"1\"},\"feature_group\":\"g\",\"cache\":false}|cache|online features request",
        "/api/v1/historical-features|{\"entity_values\":{\"id\":\"1\"},\"feature_names\":[\"f\"],\"start\":\"x\"}|start|historical features request",
        "/api/v1/training-data|{\"features\":[\"g:f\"],\"spine\":{\"columns\":[\"id\",\"event_timestamp\"],\"rows\":[],\"kind\":\"rows\"}}|kind|spine",
        "/api/v1/training-data|{\"features\":[\"g:f\"],\"spine\":{\"columns\":[\"id\",\"event_timestamp\"],\"rows\":[]},\"label\":\"y\"}|label|training data request",
        "/api/v1/cache/invalidate|{\"entity_values\":{\"id\":\"1\"},\"all\":true}|all|cache invalidation request",
        "/get-online-features|{\"features\":[\"g:f\"],\"entities\":{\"id\":[\"1\"]},\"query_string\":\"x\"}|query_string|Feast",
      })
  void unknownFieldsAreA400NamingTheFieldAndChangeNothing(
      String path, String body, String field, String where) {
    assertError(
        http.post(path, body), 400, "INVALID_ARGUMENT", "unknown field '" + field + "'", where);
    assertThat(http.get("/api/v1/feature-groups").json().get("feature_groups")).hasSize(1);
    assertThat(http.get("/api/v1/feature-groups/g/features").json().get("features")).hasSize(1);
    assertThat(store.getHistoricalFeatures(Map.of("id", "1"), List.of("g:f"), null, null).isEmpty())
        .isTrue();
  }

  /** A key given twice was accepted with the last one winning ({"name":"a","name":"b"} made b). */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/v1/feature-groups|{\"name\":\"a\",\"name\":\"b\"}|name",
        "/api/v1/feature-groups/g/features|{\"name\":\"x\",\"value_type\":\"int64\",\"entity_keys\":[\"id\"],\"constraints\":{\"min\":0,\"min\":1}}|min",
        "/api/v1/feature-values|{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"1\"},\"value\":1,\"value\":2}|value",
        "/api/v1/feature-values|{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"1\",\"id\":\"2\"},\"value\":1}|id",
        "/api/v1/feature-values/batch|[{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"1\"},\"value\":1,\"value\":2}]|value",
        "/api/v1/feature-values/batch|{\"feature_values\":[],\"feature_values\":[{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"1\"},\"value\":1}]}|feature_values",
        "/api/v1/online-features|{\"entity_values\":{\"id\":\"1\"},\"feature_group\":\"g\",\"feature_group\":\"h\"}|feature_group",
        "/api/v1/freshness/update|{\"x\":1,\"x\":2}|x",
        "/get-online-features|{\"features\":[\"g:f\"],\"entities\":{\"id\":[\"1\"]},\"entities\":{\"id\":[\"2\"]}}|entities",
        "/push|{\"push_source_name\":\"g\",\"df\":{\"id\":[\"1\"],\"f\":[1],\"f\":[2],\"event_timestamp\":[\"2026-11-01T10:00:00Z\"]}}|f",
        "/write-to-online-store|{\"feature_view_name\":\"g\",\"feature_view_name\":\"g\",\"df\":{\"id\":[\"1\"],\"f\":[1],\"event_timestamp\":[\"2026-11-01T10:00:00Z\"]}}|feature_view_name",
      })
  void aDuplicateKeyIsA400NamingItAndChangesNothing(String path, String body, String key) {
    Http.Response r = http.post(path, body);
    assertError(r, 400, "INVALID_ARGUMENT", "duplicate field '" + key + "'");
    // Jackson's own wording and its source location stay out of the answer.
    assertThat(r.text()).doesNotContain("Duplicate field", "line:", "column:", "jackson");
    assertThat(http.get("/api/v1/feature-groups").json().get("feature_groups")).hasSize(1);
    assertThat(http.get("/api/v1/feature-groups/g/features").json().get("features")).hasSize(1);
    assertThat(store.getHistoricalFeatures(Map.of("id", "1"), List.of("g:f"), null, null).isEmpty())
        .isTrue();
  }

  /** Empty text that was accepted and then stored or served as if it were a value. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/v1/feature-groups|{\"name\":\"h\",\"tags\":[\"\"]}|'tags' item #1",
        "/api/v1/feature-groups/g/features|{\"name\":\"x\",\"value_type\":\"int64\",\"entity_keys\":[\"id\"],\"tags\":[\"a\",\" \"]}|'tags' item #2",
        "/api/v1/feature-groups/g/features|{\"name\":\"x\",\"value_type\":\"int64\",\"entity_keys\":[\"id\"],\"computation_query\":\"\"}|'computation_query'",
        "/api/v1/feature-groups/g/features|{\"name\":\"x\",\"value_type\":\"int64\",\"entity_keys\":[\"id\",\"\"]}|'entity_keys' item #2",
        "/api/v1/feature-values|{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"\"},\"value\":1}|entity key 'id' is an empty string",
        "/api/v1/feature-values/batch|[{\"feature_name\":\"f\",\"entity_values\":{\"id\":\"\"},\"value\":1}]|value #1: entity key 'id' is an empty string",
        "/api/v1/online-features|{\"entity_values\":{\"id\":\"\"},\"feature_group\":\"g\"}|entity key 'id' is an empty string",
        "/get-online-features|{\"features\":[\"g:f\"],\"entities\":{\"id\":[\"\"]}}|entity key 'id' is an empty string",
        "/push|{\"push_source_name\":\"g\",\"df\":{\"id\":[\"\"],\"f\":[1],\"event_timestamp\":[\"2026-11-01T10:00:00Z\"]}}|entity key 'id' is an empty string",
      })
  void emptyTextWhereAValueIsMeantIsA400NamingTheFieldAndChangesNothing(
      String path, String body, String words) {
    assertError(http.post(path, body), 400, "INVALID_ARGUMENT", words);
    assertThat(http.get("/api/v1/feature-groups").json().get("feature_groups")).hasSize(1);
    assertThat(http.get("/api/v1/feature-groups/g/features").json().get("features")).hasSize(1);
    assertThat(store.getHistoricalFeatures(Map.of("id", ""), List.of("g:f"), null, null).isEmpty())
        .isTrue();
  }

  /**
   * A NUL in the path Jetty refuses before any route sees it: it answered with its HTML error page.
   * An encoded '/' reaches the routes (a JSON 404 naming the decoded name): kept so.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/v1/feature-groups/g%00|400|'%00'",
        "/api/v1/feature-groups/g%00/features|400|'%00'",
        "/api/v1%2ffeature-groups|404|/api/v1%2ffeature-groups",
        "/api/v1/feature-groups/g%2F..%2Ff|404|'g/../f'",
        "/api/v1/feature-groups/g%2F|404|'g/'"
      })
  void anEncodedNulOrSlashInThePathIsAJsonError(String path, int status, String words) {
    Http.Response r = http.get(path);
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/json");
    assertThat(r.json().at("/error/message").asText()).contains(words);
    assertThat(r.text()).doesNotContain("<html", "jetty", "Exception");
  }

  @Test
  void feastRequestsAsFeastsOwnClientsSendThemAreAccepted() {
    // Feast's remote online store sends exactly {"features", "entities"}; its model also has
    // feature_service and full_feature_names, with "features" defaulting to [].
    Http.Response remote =
        http.post("/get-online-features", "{\"features\":[\"g:f\"],\"entities\":{\"id\":[\"1\"]}}");
    assertThat(remote.status()).as(remote.text()).isEqualTo(200);
    Http.Response service =
        http.post(
            "/get-online-features",
            "{\"feature_service\":\"g\",\"features\":[],\"entities\":{\"id\":[\"1\"]},"
                + "\"full_feature_names\":true}");
    assertThat(service.status()).as(service.text()).isEqualTo(200);
  }

  @Test
  void waveTwoDefinitionFieldsRoundTripAndInconsistentRulesAreA400() {
    JsonNode f =
        created(
            http.post(
                "/api/v1/feature-groups/g/features",
                "{\"name\":\"score\",\"value_type\":\"float64\",\"entity_keys\":[\"id\"],"
                    + "\"constraints\":{\"min\":0,\"max\":1,\"nullable\":false},"
                    + "\"validation\":\"warn\",\"drift_thresholds\":{\"psi_warn\":0.2}}"));
    assertThat(f.at("/constraints/max").asDouble()).isEqualTo(1.0);
    assertThat(f.at("/constraints/nullable").asBoolean(true)).isFalse();
    assertThat(f.at("/validation").asText()).isEqualTo("warn");
    assertThat(f.at("/drift_thresholds/psi_drift").asDouble()).isEqualTo(0.25);
    assertError(
        http.post(
            "/api/v1/feature-groups/g/features",
            "{\"name\":\"bad\",\"value_type\":\"float64\",\"entity_keys\":[\"id\"],"
                + "\"constraints\":{\"min\":5,\"max\":1}}"),
        400,
        "INVALID_ARGUMENT",
        "min 5.0 is greater than max 1.0",
        "constraints");
    assertError(
        http.post("/api/v1/feature-groups", "{\"name\":\"v\",\"validation\":\"maybe\"}"),
        400,
        "INVALID_ARGUMENT",
        "validation must be 'reject' or 'warn'",
        "maybe");
    assertThat(http.get("/api/v1/feature-groups/g/features").json().get("features")).hasSize(2);
  }

  @Test
  void historicalFeaturesTakeAFeatureGroupForBareNames() {
    created(http.post("/api/v1/feature-groups", "{\"name\": \"other\"}"));
    created(
        http.post(
            "/api/v1/feature-groups/other/features",
            "{\"name\": \"f\", \"value_type\": \"int64\", \"entity_keys\": [\"id\"]}"));
    created(
        http.post(
            "/api/v1/feature-values",
            "{\"feature_name\": \"f\", \"feature_group\": \"g\", \"entity_values\": {\"id\": \"1\"},"
                + " \"value\": 7, \"event_timestamp\": \"2025-01-01T00:00:00Z\"}"));
    String bare = "{\"entity_values\": {\"id\": \"1\"}, \"feature_names\": [\"f\"]";
    assertError(
        http.post("/api/v1/historical-features", bare + "}"), 409, "CONFLICT", "feature_group");
    Http.Response r =
        http.post("/api/v1/historical-features", bare + ", \"feature_group\": \"g\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode records = r.json().get("records");
    assertThat(records).hasSize(1);
    assertThat(records.get(0).get("feature_group").asText()).isEqualTo("g");
    assertThat(records.get(0).get("value").asInt()).isEqualTo(7);
  }

  @Test
  void valueTypesOutsideTheDocumentedEnumAreRejected() {
    assertError(
        http.post(
            "/api/v1/feature-groups/g/features",
            "{\"name\": \"x\", \"value_type\": \"INT64\", \"entity_keys\": [\"id\"]}"),
        400,
        "INVALID_ARGUMENT",
        "INT64",
        "int64");
    created(
        http.post(
            "/api/v1/feature-groups/g/features",
            "{\"name\": \"x\", \"value_type\": \"list<int64>\", \"entity_keys\": [\"id\"]}"));
  }

  // ---------------------------------------------------------------- 405 and the document

  @Test
  void methodNotAllowedSaysWhatIsAllowed() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (String[] c :
        new String[][] {
          {"DELETE", "/api/v1/feature-groups", "GET, POST"},
          {"PATCH", "/api/v1/feature-groups/g", "GET, PUT"},
          {"TRACE", "/api/v1/online-features", "POST"},
          {"DELETE", "/api/v1/feature-groups/g/features/f", "GET, PUT"},
        }) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create(server.url() + c[1]))
                  .method(c[0], HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(c[0] + " " + c[1]).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).as(c[0] + " " + c[1]).contains(c[2]);
    }
  }

  @Test
  void openApiDeclaresTheRulesTheServerEnforces() {
    JsonNode doc = http.get("/openapi.json").json();
    JsonNode schemas = doc.get("components").get("schemas");
    // Every request body refuses unknown fields, as the server does.
    JsonNode paths = doc.get("paths");
    List<String> bodies = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = paths.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> p = it.next();
      p.getValue()
          .forEach(
              op -> {
                JsonNode ref =
                    op.path("requestBody")
                        .path("content")
                        .path("application/json")
                        .path("schema")
                        .path("$ref");
                if (!ref.isMissingNode()) {
                  bodies.add(ref.asText().substring("#/components/schemas/".length()));
                }
              });
    }
    assertThat(bodies)
        .contains("FeatureGroupCreate", "FeatureGroupUpdate", "FeatureCreate", "FeatureUpdate");
    for (String body : bodies) {
      JsonNode schema = schemas.get(body);
      List<JsonNode> objects = new ArrayList<>();
      if (schema.has("oneOf")) {
        schema.get("oneOf").forEach(objects::add);
      } else {
        objects.add(schema);
      }
      for (JsonNode object : objects) {
        if (object.path("type").asText().equals("object")) {
          assertThat(object.get("additionalProperties").asBoolean(true)).as(body).isFalse();
        }
      }
    }
    JsonNode group = schemas.get("FeatureGroupCreate").get("properties");
    assertThat(group.get("name").get("pattern").asText()).isEqualTo(Wire.NAME_PATTERN);
    assertThat(group.get("max_age_hours").get("minimum").asInt()).isEqualTo(1);
    JsonNode feature = schemas.get("FeatureCreate").get("properties");
    assertThat(feature.get("entity_keys").get("minItems").asInt()).isEqualTo(1);
    assertThat(feature.get("value_type").get("enum")).hasSize(Wire.VALUE_TYPES.size());
    JsonNode names =
        schemas.get("HistoricalFeaturesRequest").get("properties").get("feature_names");
    assertThat(names.get("minItems").asInt()).isEqualTo(1);

    // Statuses: create answers 200 and 201; every operation may answer 500 and 503.
    JsonNode create = paths.get("/api/v1/feature-groups").get("post").get("responses");
    assertThat(create.has("200") && create.has("201") && create.has("409")).isTrue();
    paths.forEach(p -> p.forEach(op -> assertThat(op.get("responses").has("503")).isTrue()));
    // Links lead from a created group to the operations on it.
    JsonNode links = create.get("201").get("links");
    assertThat(links.get("GetFeatureGroup").get("parameters").get("group").asText())
        .isEqualTo("$response.body#/name");
    assertThat(links.has("UpdateFeatureGroup") && links.has("CreateFeature")).isTrue();
  }
}
