package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.TrainingSetDefinition;
import io.e2i.featurestore.TrainingSets;
import io.e2i.featurestore.spi.PitQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A feature's drift over time and the paged training-set list over real HTTP with API keys (issue
 * 14), run on each backend by its subclass: the history comes from explicit monitor runs kept in
 * the store's drift history table.
 */
abstract class DriftHistoryHttpContract {
  static final String HISTORY = "/api/v1/feature-groups/hcp/features/score/drift/history";

  FeatureStore store;
  FeatureServer server;
  KeyedClient admin;
  KeyedClient otherReader;
  final Instant now = Instant.now();

  /** A store with nothing in it. */
  protected abstract FeatureStore openStore();

  /** Saves a definition as the store's registry keeps it, without running it. */
  protected abstract void saveDefinition(String name, String json);

  @BeforeEach
  void start() {
    store = openStore();
    String all =
        store
            .security()
            .createKey("all", new KeyScopes(List.of("*"), List.of("*"), List.of("*")), "local")
            .secret();
    String other =
        store
            .security()
            .createKey(
                "other_reader", new KeyScopes(List.of("other"), List.of(), List.of()), "local")
            .secret();
    server = FeatureServer.start(store, ServerOptions.defaults(0));
    admin = KeyedClient.of(server.url(), all);
    otherReader = KeyedClient.of(server.url(), other);
    ok(admin.post("/api/v1/feature-groups", "{\"name\": \"hcp\"}"));
    ok(admin.post("/api/v1/feature-groups", "{\"name\": \"other\"}"));
    ok(
        admin.post(
            "/api/v1/feature-groups/hcp/features",
            "{\"name\": \"score\", \"value_type\": \"float64\", \"entity_keys\": [\"hcp_id\"],"
                + " \"drift_thresholds\": {\"psi_warn\": 0.1, \"psi_drift\": 0.2}}"));
    ok(
        admin.post(
            "/api/v1/feature-groups/hcp/features",
            "{\"name\": \"quiet\", \"value_type\": \"int64\", \"entity_keys\": [\"hcp_id\"]}"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
    if (store != null) {
      store.close();
    }
  }

  private static KeyedClient.Response ok(KeyedClient.Response r) {
    assertThat(r.status()).as(r.toString()).isBetween(200, 201);
    return r;
  }

  /** Reference values (3 days ago) around 0.3, current ones (last hour) around {@code mean}. */
  private void write(double mean, String prefix) {
    List<String> values = new ArrayList<>();
    java.util.Random rnd = new java.util.Random(7);
    for (int i = 0; i < 1000; i++) {
      values.add(value("R" + prefix + i, 0.3 + 0.1 * rnd.nextGaussian(), 3 * 86_400 + i));
      values.add(value("C" + prefix + i, mean + 0.1 * rnd.nextGaussian(), 60 + i));
    }
    ok(
        admin.post(
            "/api/v1/feature-values/batch",
            "{\"feature_values\": [" + String.join(",", values) + "]}"));
  }

  private String value(String hcp, double value, long secondsAgo) {
    return Http.json(
        Map.of(
            "feature_name",
            "score",
            "entity_values",
            Map.of("hcp_id", hcp),
            "value",
            value,
            "event_timestamp",
            now.minusSeconds(secondsAgo).toString(),
            "feature_group",
            "hcp"));
  }

  private JsonNode run() {
    JsonNode results = ok(admin.post("/api/v1/feature-groups/hcp/drift/run", "")).json();
    for (JsonNode r : results.get("results")) {
      if (r.get("feature_name").asText().equals("score")) {
        return r;
      }
    }
    throw new AssertionError("no result for score: " + results);
  }

  @Test
  void theHistoryListsEachRunNewestFirstWithItsNumbers() {
    write(0.3, "a");
    JsonNode first = run();
    write(0.8, "b"); // the current window moves away from the reference
    JsonNode second = run();
    JsonNode third = run();
    assertThat(first.get("status").asText()).isEqualTo("ok");
    assertThat(second.get("status").asText()).isEqualTo("drift");

    JsonNode h = ok(admin.get(HISTORY)).json();
    assertThat(h.get("feature_group").asText()).isEqualTo("hcp");
    assertThat(h.get("feature_name").asText()).isEqualTo("score");
    JsonNode results = h.get("results");
    assertThat(results).hasSize(3);
    // Newest first, each run's own numbers as the run answered them.
    List<JsonNode> runs = List.of(third, second, first);
    for (int i = 0; i < 3; i++) {
      JsonNode kept = results.get(i);
      JsonNode ran = runs.get(i);
      assertThat(kept.get("computed_at").asText()).isEqualTo(ran.get("computed_at").asText());
      assertThat(kept.get("status").asText()).isEqualTo(ran.get("status").asText());
      assertThat(kept.get("psi").asDouble()).isEqualTo(ran.get("psi").asDouble());
      assertThat(kept.get("ks_p_value").asDouble()).isEqualTo(ran.get("ks_p_value").asDouble());
      assertThat(kept.at("/thresholds/psi_drift").asDouble()).isEqualTo(0.2);
    }
    assertThat(Instant.parse(results.get(0).get("computed_at").asText()))
        .isAfterOrEqualTo(Instant.parse(results.get(2).get("computed_at").asText()));

    JsonNode two = ok(admin.get(HISTORY + "?limit=2")).json().get("results");
    assertThat(two).hasSize(2);
    assertThat(two.get(0).get("computed_at")).isEqualTo(results.get(0).get("computed_at"));
    // Every latest feature of the group is checked on each run, one without values too.
    JsonNode quiet =
        ok(admin.get("/api/v1/feature-groups/hcp/features/quiet/drift/history"))
            .json()
            .get("results");
    assertThat(quiet).hasSize(3);
    assertThat(quiet.get(0).get("status").asText()).isEqualTo("no_data");
    assertThat(quiet.get(0).get("psi").isNull()).isTrue();
  }

  @Test
  void aFeatureNeverCheckedHasAnEmptyHistory() {
    assertThat(ok(admin.get(HISTORY)).json().get("results")).isEmpty();
  }

  @Test
  void unknownNamesAre404AndBadLimits400AndOtherGroupsKeys403() {
    KeyedClient.Response feature =
        admin.get("/api/v1/feature-groups/hcp/features/nope/drift/history");
    assertThat(feature.status()).as(feature.toString()).isEqualTo(404);
    assertThat(feature.errorMessage()).contains("hcp:nope");
    KeyedClient.Response group =
        admin.get("/api/v1/feature-groups/nope/features/score/drift/history");
    assertThat(group.status()).as(group.toString()).isEqualTo(404);
    assertThat(group.errorMessage()).contains("nope");
    for (String bad : List.of("0", "-1", "1001", "abc", "1.5", "")) {
      KeyedClient.Response r = admin.get(HISTORY + "?limit=" + bad);
      assertThat(r.status()).as(bad + ": " + r).isEqualTo(400);
      assertThat(r.errorMessage()).contains("limit", "1 to 1000");
    }
    KeyedClient.Response refused = otherReader.get(HISTORY);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
    assertThat(KeyedClient.of(server.url(), null).get(HISTORY).status()).isEqualTo(401);
  }

  @Test
  void theTrainingSetListPagesInNameOrderAndCountsAll() {
    write(0.3, "a");
    for (String name : List.of("d_set", "a_set", "c_set", "b_set", "e_set")) {
      ok(
          admin.post(
              "/api/v1/training-data",
              "{\"features\": [\"hcp:score\"], \"save_as\": \""
                  + name
                  + "\", \"spine\": {\"columns\": [\"hcp_id\", \"event_timestamp\"],"
                  + " \"rows\": [[\"Ca0\", \""
                  + now
                  + "\"]]}}"));
    }
    JsonNode all = ok(admin.get("/api/v1/training-sets")).json();
    assertThat(all.get("total").asInt()).isEqualTo(5);
    assertThat(names(all)).containsExactly("a_set", "b_set", "c_set", "d_set", "e_set");
    JsonNode page = ok(admin.get("/api/v1/training-sets?limit=2&offset=2")).json();
    assertThat(names(page)).containsExactly("c_set", "d_set");
    assertThat(page.get("total").asInt()).isEqualTo(5);
    assertThat(names(ok(admin.get("/api/v1/training-sets?offset=4")).json()))
        .containsExactly("e_set");
    assertThat(names(ok(admin.get("/api/v1/training-sets?limit=3&offset=9")).json())).isEmpty();
    // Another group's reader sees none of them, on any page, and counts none.
    JsonNode hidden = ok(otherReader.get("/api/v1/training-sets?limit=2")).json();
    assertThat(hidden.get("total").asInt()).isZero();
    for (String bad : List.of("limit=0", "limit=1001", "offset=-1", "offset=x", "limit=")) {
      KeyedClient.Response r = admin.get("/api/v1/training-sets?" + bad);
      assertThat(r.status()).as(bad + ": " + r).isEqualTo(400);
      assertThat(r.errorMessage()).contains(bad.substring(0, bad.indexOf('=')));
    }
  }

  private static List<String> names(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.get("training_sets").forEach(s -> out.add(s.get("name").asText()));
    return out;
  }

  /** A key that reads one group pages through the sets of that group only, counted as its own. */
  @Test
  void aRestrictedKeyPagesThroughTheSetsItMayRead() {
    ok(
        admin.post(
            "/api/v1/feature-groups/other/features",
            "{\"name\": \"o\", \"value_type\": \"int64\", \"entity_keys\": [\"hcp_id\"]}"));
    for (String name : List.of("a_hcp", "b_other", "c_hcp", "d_other", "e_other", "f_hcp")) {
      String feature = name.endsWith("hcp") ? "hcp:score" : "other:o";
      ok(
          admin.post(
              "/api/v1/training-data",
              "{\"features\": [\""
                  + feature
                  + "\"], \"save_as\": \""
                  + name
                  + "\", \"spine\": {\"columns\": [\"hcp_id\", \"event_timestamp\"],"
                  + " \"rows\": [[\"H1\", \""
                  + now
                  + "\"]]}}"));
    }
    JsonNode first = ok(otherReader.get("/api/v1/training-sets?limit=2")).json();
    assertThat(names(first)).containsExactly("b_other", "d_other");
    assertThat(first.get("total").asInt()).isEqualTo(3);
    JsonNode second = ok(otherReader.get("/api/v1/training-sets?limit=2&offset=1")).json();
    assertThat(names(second)).containsExactly("d_other", "e_other");
    assertThat(names(ok(otherReader.get("/api/v1/training-sets?offset=2")).json()))
        .containsExactly("e_other");
    assertThat(names(ok(otherReader.get("/api/v1/training-sets?limit=5&offset=3")).json()))
        .isEmpty();
    JsonNode all = ok(admin.get("/api/v1/training-sets?limit=2&offset=4")).json();
    assertThat(names(all)).containsExactly("e_other", "f_hcp");
    assertThat(all.get("total").asInt()).isEqualTo(6);
    // A set it may not read is not there for it, also when named.
    KeyedClient.Response hidden = otherReader.post("/api/v1/training-sets/a_hcp/run", "");
    assertThat(hidden.status()).as(hidden.toString()).isEqualTo(404);
  }

  /**
   * A restricted key's page is read among the sets it may see only: past more hidden sets than any
   * chunk of a filter-after-reading list, and past one that is no definition at all (which fails
   * the page of whoever reads it, as an unrestricted key's page that holds it shows).
   */
  @Test
  void aRestrictedKeysPageReadsNoneOfTheSetsItMayNotSee() {
    ok(
        admin.post(
            "/api/v1/feature-groups/other/features",
            "{\"name\": \"o\", \"value_type\": \"int64\", \"entity_keys\": [\"hcp_id\"]}"));
    for (String name : List.of("m_other", "z_other")) {
      ok(
          admin.post(
              "/api/v1/training-data",
              "{\"features\": [\"other:o\"], \"save_as\": \""
                  + name
                  + "\", \"spine\": {\"columns\": [\"hcp_id\", \"event_timestamp\"],"
                  + " \"rows\": [[\"H1\", \""
                  + now
                  + "\"]]}}"));
    }
    for (int i = 0; i < 520; i++) {
      String name = String.format("h_%03d", i);
      saveDefinition(
          name,
          TrainingSets.toJson(
              new TrainingSetDefinition(
                  name,
                  new PitQuery.Spine.Sql("SELECT 1", "event_timestamp"),
                  List.of("hcp:score@1", "other:o@1"),
                  now,
                  now)));
    }
    saveDefinition("a_broken", "{\"features\": [\"hcp:score@1\"]}");
    KeyedClient.Response first = otherReader.get("/api/v1/training-sets?limit=1");
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(names(first.json())).containsExactly("m_other");
    assertThat(first.json().get("total").asInt()).isEqualTo(2);
    JsonNode second = ok(otherReader.get("/api/v1/training-sets?limit=5&offset=1")).json();
    assertThat(names(second)).containsExactly("z_other");
    assertThat(second.get("total").asInt()).isEqualTo(2);
    JsonNode last = ok(admin.get("/api/v1/training-sets?limit=1&offset=522")).json();
    assertThat(names(last)).containsExactly("z_other");
    assertThat(last.get("total").asInt()).isEqualTo(523);
    KeyedClient.Response broken = admin.get("/api/v1/training-sets?limit=1");
    assertThat(broken.status()).as(broken.toString()).isEqualTo(500);
  }

  @Test
  void theOpenApiDocumentDeclaresTheHistoryAndThePaging() {
    JsonNode doc = ok(admin.get("/openapi.json")).json();
    JsonNode op =
        doc.at("/paths/~1api~1v1~1feature-groups~1{group}~1features~1{name}~1drift~1history/get");
    assertThat(op.get("operationId").asText()).isEqualTo("feature_drift_history");
    List<String> params = new ArrayList<>();
    op.get("parameters")
        .forEach(p -> params.add(p.get("in").asText() + ":" + p.get("name").asText()));
    assertThat(params).containsExactly("path:group", "path:name", "query:limit");
    assertThat(op.at("/parameters/2/schema/maximum").asInt()).isEqualTo(1000);
    assertThat(op.get("responses").has("400")).isTrue();
    assertThat(op.get("responses").has("404")).isTrue();
    assertThat(op.at("/responses/200/content/application~1json/schema/$ref").asText())
        .endsWith("/DriftHistory");
    assertThat(doc.at("/components/schemas/DriftHistory/properties/results/items/$ref").asText())
        .endsWith("/DriftResult");
    JsonNode list = doc.at("/paths/~1api~1v1~1training-sets/get/parameters");
    List<String> paging = new ArrayList<>();
    list.forEach(p -> paging.add(p.get("name").asText()));
    assertThat(paging).containsExactly("limit", "offset");
    assertThat(doc.at("/components/schemas/TrainingSetList/required").toString()).contains("total");
  }
}
