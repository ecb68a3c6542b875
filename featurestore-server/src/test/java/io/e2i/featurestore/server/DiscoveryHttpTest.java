package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lineage, search and the UI's static files over real HTTP on the embedded store (issue 14). */
class DiscoveryHttpTest {
  @TempDir Path dir;
  FeatureStore store;
  FeatureServer server;
  Http http;

  @BeforeEach
  void start() {
    store = EmbeddedFeatureStore.open(dir.resolve("store"));
    DiscoveryFixture.seed(store);
    server = FeatureServer.start(store, ServerOptions.defaults(0));
    http = new Http(server.url());
  }

  @AfterEach
  void stop() {
    server.stop();
    store.close();
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static List<String> ids(JsonNode graph) {
    List<String> ids = new ArrayList<>();
    graph.get("nodes").forEach(n -> ids.add(n.get("id").asText()));
    return ids;
  }

  @Test
  void theImpactQuestionIsDownstreamLineageOfTheFeatureVersion() {
    Http.Response r =
        http.get("/api/v1/lineage?direction=downstream&node=" + q("hcp_targeting:total_trx_30d@1"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.text()).startsWith("{\"nodes\":[").contains("],\"edges\":[");
    assertThat(ids(r.json()))
        .containsExactlyInAnyOrder(
            "feature:hcp_targeting:total_trx_30d@1",
            "training_set:churn_model",
            "training_set:uplift_model",
            "run:8f2a9c0d41e34b7e",
            "run:5b1e7d20c3f94a66");
    assertThat(r.json().get("edges")).hasSize(4);
    JsonNode first = r.json().get("nodes").get(0);
    assertThat(first.get("type").asText()).isEqualTo("feature_version");
    assertThat(first.get("attributes").get("value_type").asText()).isEqualTo("int64");

    // Version 2 has its own query and no training set yet.
    JsonNode v2 = http.get("/api/v1/lineage?node=" + q("hcp_targeting:total_trx_30d")).json();
    assertThat(ids(v2))
        .containsExactlyInAnyOrder(
            "feature:hcp_targeting:total_trx_30d@2",
            "computation:hcp_targeting:total_trx_30d@2",
            "table:rx_claims_v2");
  }

  @Test
  void taggingARunAddsItToTheLineage() {
    Http.Response tagged =
        http.post("/api/v1/training-sets/segment_model/runs", "{\"run_id\": \"abc123\"}");
    assertThat(tagged.status()).as(tagged.text()).isEqualTo(201);
    assertThat(tagged.json().get("edge").get("to").asText()).isEqualTo("run:abc123");
    JsonNode up = http.get("/api/v1/lineage?direction=upstream&depth=10&node=run:abc123").json();
    assertThat(ids(up))
        .contains(
            "training_set:segment_model",
            "feature:hcp_targeting:segment@1",
            "feature:hcp_demographics:years_in_practice@1",
            "table:rx_claims",
            "table:hcps");
  }

  @Test
  void badLineageRequestsAre4xxNamingTheProblem() {
    assertError(http.get("/api/v1/lineage"), 400, "node");
    assertError(http.get("/api/v1/lineage?node=hcp_targeting:nope@1"), 404, "nope");
    assertError(http.get("/api/v1/lineage?node=x&depth=0"), 400, "depth");
    assertError(http.get("/api/v1/lineage?node=x&depth=abc"), 400, "depth");
    assertError(
        http.get("/api/v1/lineage?direction=sideways&node=hcp_targeting:segment"), 400, "sideways");
    assertError(http.get("/api/v1/lineage?node=" + q("not a node")), 404, "not a node");
    assertError(
        http.post("/api/v1/training-sets/churn_model/runs", "{\"run_id\": \"a\", \"x\": 1}"),
        400,
        "x");
    assertError(http.post("/api/v1/training-sets/churn_model/runs", "{}"), 400, "run_id");
    assertError(
        http.post("/api/v1/training-sets/churn_model/runs", "{\"run_id\": \"bad id\"}"),
        400,
        "run_id");
    assertError(http.post("/api/v1/training-sets/ghost/runs", "{\"run_id\": \"a\"}"), 404, "ghost");
  }

  private static void assertError(Http.Response r, int status, String word) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.json().get("error").get("message").asText()).contains(word);
  }

  @Test
  void searchRanksNamesAboveTagsOwnersAndDescriptions() {
    JsonNode r = http.get("/api/v1/search?q=specialty").json();
    assertThat(r.get("results").get(0).get("name").asText()).isEqualTo("specialty");
    assertThat(r.get("results").get(0).get("kind").asText()).isEqualTo("feature");

    // "trx" is part of a name; prefixes match as you type.
    assertThat(http.get("/api/v1/search?q=tot").json().get("results").get(0).get("name").asText())
        .isEqualTo("total_trx_30d");
    // tag, owner and description; every word must match
    JsonNode tag = http.get("/api/v1/search?q=categorical").json();
    assertThat(tag.get("total").asInt()).isEqualTo(2);
    JsonNode owner = http.get("/api/v1/search?q=growth-team").json();
    assertThat(owner.get("results").get(0).get("name").asText()).isEqualTo("hcp_targeting");
    JsonNode both = http.get("/api/v1/search?q=" + q("medical specialty")).json();
    assertThat(both.get("total").asInt()).isEqualTo(1);
    assertThat(http.get("/api/v1/search?q=zzzz").json().get("total").asInt()).isZero();
    assertThat(http.get("/api/v1/search?q=hcp&limit=2").json().get("results")).hasSize(2);
    // a group named by the word comes before its features
    JsonNode group = http.get("/api/v1/search?q=hcp_demographics").json();
    assertThat(group.get("results").get(0).get("kind").asText()).isEqualTo("group");
    assertThat(http.get("/api/v1/search?q=" + q("!!")).json().get("total").asInt()).isZero();

    assertThat(http.get("/api/v1/search").status()).isEqualTo(400);
    assertThat(http.get("/api/v1/search?q=").status()).isEqualTo(400);
    assertThat(http.get("/api/v1/search?q=a&limit=0").status()).isEqualTo(400);
    assertThat(http.get("/api/v1/search?q=" + "a".repeat(201)).status()).isEqualTo(400);
  }

  @Test
  void theUiIsServedFromTheJar() {
    Http.Response page = http.get("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    assertThat(page.text()).contains("<script src=\"/ui/app.js\">").doesNotContain("https://");
    assertThat(http.get("/ui/app.js").contentType()).startsWith("text/javascript");
    assertThat(http.get("/ui/app.css").contentType()).startsWith("text/css");
    assertThat(http.get("/ui/favicon.svg").contentType()).startsWith("image/svg+xml");
    Http.Response missing = http.get("/ui/secret.txt");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("error").get("code").asText()).isEqualTo("NOT_FOUND");
    assertThat(http.get("/ui/index.html").status()).isEqualTo(404);
  }

  @Test
  void openApiDeclaresTheNewRoutes() {
    JsonNode paths = http.get("/openapi.json").json().get("paths");
    assertThat(paths.has("/api/v1/lineage")).isTrue();
    assertThat(paths.has("/api/v1/search")).isTrue();
    assertThat(paths.has("/api/v1/training-sets/{name}/runs")).isTrue();
    assertThat(
            paths.get("/").get("get").get("responses").get("200").get("content").has("text/html"))
        .isTrue();
    assertThat(paths.get("/api/v1/lineage").get("get").get("parameters").toString())
        .contains("\"node\"", "\"depth\"", "\"direction\"", "downstream");
  }

  @Test
  void withKeysThePageIsOpenAndTheDataNeedsAReadKey() throws Exception {
    String reader =
        store
            .security()
            .createKey(
                "demo_reader",
                new KeyScopes(List.of("hcp_demographics"), List.of(), List.of()),
                "local")
            .secret();
    server.stop();
    server = FeatureServer.start(store, ServerOptions.defaults(0));
    KeyedClient anonymous = KeyedClient.of(server.url(), null);
    KeyedClient keyed = KeyedClient.of(server.url(), reader);
    assertThat(anonymous.get("/").status()).isEqualTo(200);
    assertThat(anonymous.get("/ui/app.js").status()).isEqualTo(200);
    assertThat(anonymous.get("/api/v1/search?q=hcp").status()).isEqualTo(401);
    assertThat(anonymous.get("/api/v1/lineage?node=hcp_demographics:specialty").status())
        .isEqualTo(401);

    // The key reads hcp_demographics only: search and lineage show nothing of hcp_targeting.
    KeyedClient.Response found = keyed.get("/api/v1/search?q=hcp");
    assertThat(found.status()).isEqualTo(200);
    found
        .json()
        .get("results")
        .forEach(h -> assertThat(h.get("group").asText()).isEqualTo("hcp_demographics"));
    assertThat(keyed.get("/api/v1/lineage?node=hcp_targeting:segment").status()).isEqualTo(403);
    KeyedClient.Response lineage =
        keyed.get("/api/v1/lineage?depth=10&node=training_set:churn_model");
    assertThat(lineage.status()).isEqualTo(200);
    assertThat(lineage.body())
        .contains("feature:hcp_demographics:specialty@1")
        .doesNotContain("feature:hcp_targeting");
    // Tagging a run needs write scope.
    assertThat(
            keyed.post("/api/v1/training-sets/churn_model/runs", "{\"run_id\": \"r9\"}").status())
        .isEqualTo(403);
  }
}
