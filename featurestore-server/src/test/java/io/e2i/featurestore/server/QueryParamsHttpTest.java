package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Unknown query parameters are errors, as unknown body fields are: every operation but the scrape
 * endpoint and the web UI's files answers a 400 naming an undeclared or repeated parameter, and
 * accepts every parameter /openapi.json declares for it, which covers every one the Python SDK, the
 * web UI and Feast's client send.
 */
class QueryParamsHttpTest {
  private static final String UNDECLARED = "zz_undeclared";

  @TempDir Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeEach
  void start() {
    store = EmbeddedFeatureStore.open(dir);
    server = FeatureServer.start(store, ServerOptions.defaults(0).withHost("127.0.0.1"));
    http = new Http(server.url());
    assertThat(
            http.post(
                    "/api/v1/feature-groups",
                    """
                    {"name": "g", "owner": "data-team", "expected_update_frequency_hours": 24,
                     "max_age_hours": 48}""")
                .status())
        .isEqualTo(201);
    assertThat(
            http.post(
                    "/api/v1/feature-groups/g/features",
                    """
                    {"name": "f", "value_type": "int64", "entity_keys": ["id"],
                     "owner": "data-team"}""")
                .status())
        .isEqualTo(201);
  }

  @AfterEach
  void stop() {
    server.stop();
    store.close();
  }

  private static void assertRefused(Http.Response r, String... words) {
    assertThat(r.status()).as(r.text()).isEqualTo(400);
    JsonNode error = r.json().get("error");
    assertThat(error.get("code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.get("message").asText()).contains(words);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET|/api/v1/feature-groups?bogus=1|bogus|takes none",
        "GET|/api/v1/feature-groups/g/features/f?versoin=1|versoin|known: version",
        "GET|/health?verbose=true|verbose|takes none",
        "GET|/openapi.json?format=yaml|format|takes none",
        "GET|/api/v1/search?q=g&max=3|max|known: q, limit",
        "GET|/api/v1/lineage?node=g:f&dept=2|dept|known: node, depth, direction",
        "GET|/api/v1/audit?sinse=2020-01-01T00:00:00Z|sinse|known: since, actor, action, limit",
        "GET|/api/v1/training-sets?page=2|page|known: limit, offset",
        "GET|/api/v1/materializations?group=g&limit=1&limit=2|limit|more than once",
        "GET|/api/v1/training-sets?offset=1&offset=1|offset|more than once",
        "GET|/api/v1/search?q=a&q=b|q|more than once",
        "POST|/get-online-features?full=true|full|takes none",
        "POST|/materialize?asnyc=true|asnyc|known: async, force",
      })
  void anUndeclaredOrRepeatedParameterIsA400NamingIt(
      String method, String path, String word, String more) {
    Http.Response r =
        method.equals("GET") ? http.get(path) : http.post(path, "{\"feature_views\": [\"g\"]}");
    assertRefused(r, "'" + word + "'", more);
  }

  @Test
  void aRefusedWriteChangesNothing() {
    assertRefused(
        http.post(
            "/api/v1/feature-groups?dry_run=true",
            """
            {"name": "h", "owner": "data-team", "expected_update_frequency_hours": 24,
             "max_age_hours": 48}"""),
        "'dry_run'");
    assertThat(http.get("/api/v1/feature-groups/h").status()).isEqualTo(404);
    assertRefused(
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(server.url() + "/api/v1/feature-groups/g?force=1"))
                .header("Content-Type", "application/json")
                .PUT(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        """
                        {"name": "g", "owner": "other-team", "expected_update_frequency_hours": 24,
                         "max_age_hours": 48}"""))),
        "'force'");
    assertThat(http.get("/api/v1/feature-groups/g").json().get("owner").asText())
        .isEqualTo("data-team");
  }

  @Test
  void scrapesAndTheWebUiStayLenient() {
    assertThat(http.get("/metrics?name%5B%5D=up").status()).isEqualTo(200);
    assertThat(http.get("/?utm_source=mail").status()).isEqualTo(200);
    assertThat(http.get("/ui/app.js?v=123").status()).isEqualTo(200);
  }

  /** Each operation of /openapi.json: a path with its parameters filled in. */
  private record Operation(String method, String template, String path, List<JsonNode> query) {}

  private List<Operation> operations() {
    JsonNode paths = http.get("/openapi.json").json().get("paths");
    List<Operation> ops = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = paths.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> p = it.next();
      String path =
          p.getKey()
              .replace("{group}", "g")
              .replace("{name}", "f")
              .replace("{version}", "1")
              .replaceAll("\\{[^}]+}", "x");
      if (p.getKey().equals(UiRoutes.ASSET)) {
        path = "/ui/app.js";
      }
      Iterator<Map.Entry<String, JsonNode>> methods = p.getValue().fields();
      while (methods.hasNext()) {
        Map.Entry<String, JsonNode> m = methods.next();
        List<JsonNode> query = new ArrayList<>();
        m.getValue()
            .path("parameters")
            .forEach(
                q -> {
                  if (q.get("in").asText().equals("query")) {
                    query.add(q);
                  }
                });
        ops.add(
            new Operation(m.getKey().toUpperCase(java.util.Locale.ROOT), p.getKey(), path, query));
      }
    }
    return ops;
  }

  private Http.Response call(String method, String path) {
    // Mutations get no body: the parameters are checked before it is read, and nothing changes.
    return http.method(method, path);
  }

  @Test
  void everyOperationRefusesAnUndeclaredParameterAndAcceptsItsDeclaredOnes() {
    List<Operation> ops = operations();
    assertThat(ops).hasSizeGreaterThan(30);
    int declared = 0;
    for (Operation op : ops) {
      String what = op.method() + " " + op.template();
      Http.Response r = call(op.method(), op.path() + "?" + UNDECLARED + "=1");
      if (QueryParams.LENIENT.contains(op.template())) {
        assertThat(r.text()).as(what).doesNotContain(UNDECLARED);
        continue;
      }
      assertThat(r.status()).as(what + ": " + r.text()).isEqualTo(400);
      assertThat(r.json().get("error").get("message").asText())
          .as(what)
          .contains("unknown query parameter '" + UNDECLARED + "'");
      for (JsonNode q : op.query()) {
        String name = q.get("name").asText();
        Http.Response ok = call(op.method(), op.path() + "?" + name + "=" + example(q));
        assertThat(ok.text()).as(what + " ?" + name).doesNotContain("query parameter '" + name);
        declared++;
      }
    }
    assertThat(declared).isGreaterThanOrEqualTo(17);
    assertThat(ops.stream().map(Operation::method)).contains("DELETE", "PUT");
  }

  private static String example(JsonNode param) {
    JsonNode schema = param.path("schema");
    if (schema.has("enum")) {
      return schema.get("enum").get(0).asText();
    }
    if (schema.has("default")) {
      return schema.get("default").asText();
    }
    if ("date-time".equals(schema.path("format").asText())) {
      return "2020-01-01T00:00:00Z";
    }
    return schema.path("type").asText().equals("integer") ? "1" : "g";
  }

  /**
   * What the Python SDK (python/src/e2i_feature_store/_calls.py, _training.py), the web UI
   * (ui/app.js) and Feast's client send. Declared in /openapi.json, hence accepted.
   */
  @Test
  void everyParameterTheSdkTheUiAndFeastSendIsDeclared() {
    Map<String, List<String>> sent = new LinkedHashMap<>();
    sent.put("GET /api/v1/feature-groups/{group}/features/{name}", List.of("version"));
    sent.put("GET /api/v1/audit", List.of("since", "actor", "action", "limit"));
    sent.put("GET /api/v1/lineage", List.of("node", "depth", "direction"));
    sent.put("GET /api/v1/search", List.of("q", "limit"));
    sent.put("GET " + DriftHistoryApi.PATH, List.of("limit"));
    sent.put("GET /api/v1/materializations", List.of("group", "limit"));
    sent.put("POST /api/v1/training-sets/{name}/run", List.of("format"));
    sent.put("GET /api/v1/training-sets", List.of("limit", "offset"));
    sent.put("POST /materialize", List.of("async", "force"));
    sent.put("POST /materialize-incremental", List.of("async", "force"));
    Map<String, List<String>> declared = new LinkedHashMap<>();
    for (Operation op : operations()) {
      declared.put(
          op.method() + " " + op.template(),
          op.query().stream().map(q -> q.get("name").asText()).toList());
    }
    sent.forEach((op, params) -> assertThat(declared.get(op)).as(op).containsAll(params));
  }

  @Test
  void whatTheUiAndSdkSendIsAnswered() {
    for (String path :
        List.of(
            "/api/v1/search?limit=25&q=f",
            "/api/v1/training-sets?limit=1",
            "/api/v1/training-sets?limit=2&offset=0",
            "/api/v1/materializations?group=g",
            "/api/v1/materializations?group=g&limit=5",
            "/api/v1/feature-groups/g/features/f/drift/history?limit=50",
            "/api/v1/lineage?depth=10&direction=both&node=g:f",
            "/api/v1/feature-groups/g/features/f?version=1",
            "/api/v1/audit?since=2020-01-01T00:00:00Z&actor=local&action=create_feature_group"
                + "&limit=5")) {
      Http.Response r = http.get(path);
      assertThat(r.status()).as(path + ": " + r.text()).isEqualTo(200);
    }
  }
}
