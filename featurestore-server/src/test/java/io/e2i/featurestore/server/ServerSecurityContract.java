package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.AuditEntry;
import io.e2i.featurestore.AuditQuery;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.SecurityRegistry;
import io.e2i.featurestore.ValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.assertj.core.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * API keys, scopes, the audit log and the bind policy over real HTTP (loopback), run against every
 * registry backend: each backend extends this class. {@link #openStore} gives a store on empty
 * state; {@link #openSecondInstance} another store on the same state, as a second server process
 * would have.
 */
public abstract class ServerSecurityContract {
  private static final Duration REFRESH = SecurityOptions.DEFAULT_KEY_REFRESH;

  protected FeatureStore store;
  private final List<FeatureServer> servers = new ArrayList<>();
  private final List<FeatureStore> extraStores = new ArrayList<>();

  protected abstract FeatureStore openStore();

  /** Another store over the same registry, as a second instance (skipped where impossible). */
  protected FeatureStore openSecondInstance() {
    Assumptions.assumeThat(false).as("one instance per store on this backend").isTrue();
    throw new AssertionError();
  }

  @BeforeEach
  void seed() {
    store = openStore();
    store.createFeatureGroup(FeatureGroup.builder("hcp_demographics").maxAgeHours(720).build());
    store.createFeature(
        new FeatureSpec("hcp_demographics", "specialty", ValueType.STRING, List.of("hcp_id")));
    store.createFeatureGroup(FeatureGroup.builder("hcp_targeting").build());
    store.createFeature(
        new FeatureSpec("hcp_targeting", "total_trx_30d", ValueType.INT64, List.of("hcp_id")));
    store.createFeatureGroup(FeatureGroup.builder("brand_performance").build());
    store.createFeature(
        new FeatureSpec(
            "brand_performance", "market_share", ValueType.FLOAT64, List.of("brand_id")));
  }

  @AfterEach
  void stop() {
    servers.forEach(FeatureServer::close);
    extraStores.forEach(FeatureStore::close);
    store.close();
  }

  private FeatureServer start(FeatureStore on, SecurityOptions options) {
    FeatureServer s = FeatureServer.start(on, ServerOptions.defaults(0), options);
    servers.add(s);
    return s;
  }

  private FeatureServer start() {
    return start(store, SecurityOptions.defaults());
  }

  private String key(String name, List<String> read, List<String> write, List<String> admin) {
    return store.security().createKey(name, new KeyScopes(read, write, admin), "local").secret();
  }

  private static KeyedClient client(FeatureServer s, String key) {
    return KeyedClient.of(s.url(), key);
  }

  private static KeyedClient anonymous(FeatureServer s) {
    return KeyedClient.of(s.url(), null);
  }

  private static String online(String group, String entityKey, String id) {
    return "{\"entity_values\": {\""
        + entityKey
        + "\": \""
        + id
        + "\"}, \"feature_group\": \""
        + group
        + "\"}";
  }

  private static String write(String group, String feature, String entityKey, Object value) {
    return "{\"feature_name\": \""
        + feature
        + "\", \"entity_values\": {\""
        + entityKey
        + "\": \"E1\"}, \"value\": "
        + Http.json(value)
        + (group == null ? "" : ", \"feature_group\": \"" + group + "\"")
        + "}";
  }

  /** Polls until the condition holds; returns how long it took. Fails after {@code limit}. */
  private static Duration within(Duration limit, Supplier<Boolean> condition) {
    long start = System.nanoTime();
    while (!condition.get()) {
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      if (took.compareTo(limit) > 0) {
        throw new AssertionError("not within " + limit);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static void forbidden(KeyedClient.Response r, String scope, String group) {
    assertThat(r.status()).as(r.toString()).isEqualTo(403);
    assertThat(r.errorCode()).isEqualTo("FORBIDDEN");
    assertThat(r.errorMessage()).contains(scope).contains("'" + group + "'");
  }

  // ---------------------------------------------------------------- no keys

  @Test
  void withoutKeysEveryCallerIsTheLocalUserAndChangesAreAuditedAsLocal() {
    FeatureServer s = start();
    assertThat(s.keysRequired()).isFalse();
    KeyedClient c = anonymous(s);

    assertThat(c.post("/api/v1/feature-groups", "{\"name\": \"new_group\"}").status())
        .isEqualTo(201);
    assertThat(c.post("/api/v1/feature-groups", "{\"name\": \"new_group\"}").status())
        .as("identical again: no change, not audited again")
        .isIn(200, 201);
    assertThat(c.get("/api/v1/feature-groups").json().get("feature_groups")).hasSize(4);

    List<AuditEntry> log = store.security().auditLog(AuditQuery.latest(10));
    assertThat(log).hasSize(1);
    assertThat(log.getFirst().actor()).isEqualTo("local");
    assertThat(log.getFirst().action()).isEqualTo("create_feature_group");
    assertThat(log.getFirst().target()).isEqualTo("new_group");
  }

  @Test
  void withoutKeysTheFirstKeyCannotBeCreatedOverHttp() {
    FeatureServer s = start();
    KeyedClient.Response r =
        anonymous(s).post("/api/v1/keys", "{\"name\": \"sneaky\", \"admin\": [\"*\"]}");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.errorMessage()).contains("featurestore keys create");
    assertThat(store.security().listKeys()).isEmpty();
    assertThat(s.keysRequired()).isFalse();
  }

  @Test
  void withoutKeysTheServerListensOnlyOnLoopbackUnlessInsecure() {
    assertThatThrownBy(
            () ->
                FeatureServer.start(
                    store,
                    ServerOptions.defaults(0).withHost("0.0.0.0"),
                    SecurityOptions.defaults()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("refusing to listen on 0.0.0.0 without API keys")
        .hasMessageContaining("--insecure");
    FeatureServer insecure =
        FeatureServer.start(
            store,
            ServerOptions.defaults(0).withHost("0.0.0.0"),
            SecurityOptions.defaults().withInsecure(true));
    servers.add(insecure);
    assertThat(anonymous(insecure).get("/api/v1/feature-groups").status()).isEqualTo(200);

    key("any", List.of("*"), List.of(), List.of());
    FeatureServer keyed =
        FeatureServer.start(
            store, ServerOptions.defaults(0).withHost("0.0.0.0"), SecurityOptions.defaults());
    servers.add(keyed);
    assertThat(keyed.keysRequired()).isTrue();
    assertThat(anonymous(keyed).get("/api/v1/feature-groups").status()).isEqualTo(401);
  }

  // ---------------------------------------------------------------- 401

  @Test
  void onceTheStoreHasAKeyEveryApiCallNeedsAValidOne() {
    String valid = key("reader", List.of("*"), List.of(), List.of());
    FeatureServer s = start();
    assertThat(s.keysRequired()).isTrue();

    KeyedClient.Response none = anonymous(s).get("/api/v1/feature-groups");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.errorCode()).isEqualTo("UNAUTHENTICATED");
    assertThat(none.errorMessage()).contains("Authorization: Bearer");
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"featurestore\"");

    KeyedClient.Response basic =
        anonymous(s).withAuthorization("Basic dXNlcjpwYXNz").get("/api/v1/feature-groups");
    assertThat(basic.status()).isEqualTo(401);
    assertThat(basic.errorMessage()).contains("'Bearer <key>'");

    String wrongSecret = valid.substring(0, valid.length() - 4) + "AAAA";
    for (String bad : List.of("nonsense", wrongSecret, valid + "x")) {
      KeyedClient.Response r = client(s, bad).get("/api/v1/feature-groups");
      assertThat(r.status()).as(bad).isEqualTo(401);
      assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
      assertThat(r.body()).doesNotContain(bad);
    }
    // Feast's endpoint and writes are keyed as well.
    assertThat(anonymous(s).post("/get-online-features", "{}").status()).isEqualTo(401);
    assertThat(
            anonymous(s)
                .post(
                    "/api/v1/feature-values", write("hcp_targeting", "total_trx_30d", "hcp_id", 1))
                .status())
        .isEqualTo(401);
    assertThat(client(s, valid).get("/api/v1/feature-groups").status()).isEqualTo(200);
    assertThat(
            anonymous(s)
                .withAuthorization("bearer   " + valid)
                .get("/api/v1/feature-groups")
                .status())
        .as("the scheme is case-insensitive (RFC 7235)")
        .isEqualTo(200);

    // Open by default: health, metrics and the document.
    assertThat(anonymous(s).get("/health").status()).isEqualTo(200);
    assertThat(anonymous(s).get("/metrics").status()).isEqualTo(200);
    assertThat(anonymous(s).get("/openapi.json").status()).isEqualTo(200);
  }

  @Test
  void healthAndMetricsCanBeKeyed() {
    String valid = key("nothing-much", List.of("unrelated"), List.of(), List.of());
    FeatureServer s = start(store, SecurityOptions.defaults().withKeyedMonitoring(true));
    assertThat(anonymous(s).get("/health").status()).isEqualTo(401);
    assertThat(anonymous(s).get("/metrics").status()).isEqualTo(401);
    assertThat(anonymous(s).get("/openapi.json").status()).isEqualTo(200);
    assertThat(client(s, valid).get("/health").status()).isEqualTo(200);
    assertThat(client(s, valid).get("/metrics").status()).isEqualTo(200);
  }

  @Test
  void aKeyCreatedWhileServingTurnsAuthenticationOnWithinASecond() {
    FeatureServer s = start();
    assertThat(anonymous(s).get("/api/v1/feature-groups").status()).isEqualTo(200);
    String k = key("late", List.of("*"), List.of(), List.of());
    within(
        REFRESH.multipliedBy(2), () -> anonymous(s).get("/api/v1/feature-groups").status() == 401);
    assertThat(client(s, k).get("/api/v1/feature-groups").status()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- 403: read

  @Test
  void readCoversTheGroupsItsPatternsMatchAndListsShowOnlyThose() {
    String k = key("reader", List.of("hcp_*"), List.of(), List.of());
    FeatureServer s = start();
    KeyedClient c = client(s, k);

    assertThat(
            c.post("/api/v1/online-features", online("hcp_demographics", "hcp_id", "H1")).status())
        .isEqualTo(200);
    assertThat(c.get("/api/v1/feature-groups/hcp_targeting").status()).isEqualTo(200);
    assertThat(c.get("/api/v1/feature-groups/hcp_targeting/features/total_trx_30d").status())
        .isEqualTo(200);
    forbidden(
        c.post("/api/v1/online-features", online("brand_performance", "brand_id", "B1")),
        "read",
        "brand_performance");
    forbidden(c.get("/api/v1/feature-groups/brand_performance"), "read", "brand_performance");
    forbidden(
        c.get("/api/v1/feature-groups/brand_performance/features"), "read", "brand_performance");
    forbidden(
        c.post(
            "/api/v1/historical-features",
            "{\"entity_values\": {\"brand_id\": \"B1\"}, \"feature_names\": [\"market_share\"]}"),
        "read",
        "brand_performance");
    forbidden(
        c.post(
            "/get-online-features",
            "{\"features\": [\"brand_performance:market_share\"], \"entities\": {\"brand_id\":"
                + " [\"B1\"]}}"),
        "read",
        "brand_performance");

    JsonNode groups = c.get("/api/v1/feature-groups").json().get("feature_groups");
    List<String> names = new ArrayList<>();
    groups.forEach(g -> names.add(g.get("name").asText()));
    assertThat(names).containsExactlyInAnyOrder("hcp_demographics", "hcp_targeting");

    // A read key writes nothing.
    forbidden(
        c.post("/api/v1/feature-values", write("hcp_targeting", "total_trx_30d", "hcp_id", 5)),
        "write",
        "hcp_targeting");
  }

  @Test
  void freshnessShowsOnlyReadableGroupsAndItsUpdateNeedsWriteOnAll() {
    store.writeFeatureValue(
        "market_share",
        Map.of("brand_id", "B1"),
        0.5,
        java.time.Instant.now(),
        "brand_performance");
    store.writeFeatureValue(
        "specialty", Map.of("hcp_id", "H1"), "x", java.time.Instant.now(), "hcp_demographics");
    String k = key("reader", List.of("hcp_*"), List.of("hcp_*"), List.of());
    FeatureServer s = start();
    KeyedClient c = client(s, k);
    JsonNode data = c.get("/api/v1/freshness").json().get("data");
    List<String> groups = new ArrayList<>();
    data.forEach(r -> groups.add(r.get("feature_group").asText()));
    assertThat(groups).isNotEmpty().allMatch(g -> g.startsWith("hcp_"));
    forbidden(c.post("/api/v1/freshness/update", ""), "write", "brand_performance");
  }

  // ---------------------------------------------------------------- 403: write

  @Test
  void writesNeedWriteOnEveryGroupTheyTouchAndARefusedBatchWritesNothing() {
    String k = key("etl", List.of("hcp_*"), List.of("hcp_targeting"), List.of());
    FeatureServer s = start();
    KeyedClient c = client(s, k);

    assertThat(
            c.post("/api/v1/feature-values", write("hcp_targeting", "total_trx_30d", "hcp_id", 7))
                .status())
        .isEqualTo(201);
    // A bare feature name is checked against the group it resolves to.
    assertThat(c.post("/api/v1/feature-values", write(null, "total_trx_30d", "hcp_id", 8)).status())
        .isEqualTo(201);
    forbidden(
        c.post("/api/v1/feature-values", write(null, "specialty", "hcp_id", "Oncology")),
        "write",
        "hcp_demographics");
    forbidden(
        c.post(
            "/api/v1/feature-values/batch",
            "["
                + write("hcp_targeting", "total_trx_30d", "hcp_id", 9)
                + ","
                + write("hcp_demographics", "specialty", "hcp_id", "Cardiology")
                + "]"),
        "write",
        "hcp_demographics");
    assertThat(
            store
                .getEntityFeatures(Map.of("hcp_id", "E1"), "hcp_targeting", false)
                .features()
                .get("total_trx_30d"))
        .as("the refused batch wrote nothing")
        .isEqualTo(8L);
    forbidden(
        c.post("/api/v1/cache/invalidate", "{\"entity_values\": {\"hcp_id\": \"E1\"}}"),
        "write",
        "brand_performance");
    assertThat(
            c.post(
                    "/api/v1/cache/invalidate",
                    "{\"entity_values\": {\"hcp_id\": \"E1\"}, \"feature_group\": \"hcp_targeting\"}")
                .status())
        .isEqualTo(200);
    forbidden(
        c.post("/api/v1/feature-groups/hcp_demographics/features/specialty/statistics", ""),
        "write",
        "hcp_demographics");
    assertThat(
            c.post("/api/v1/feature-groups/hcp_targeting/features/total_trx_30d/statistics", "")
                .status())
        .isEqualTo(200);
  }

  // ---------------------------------------------------------------- 403: admin

  @Test
  void registryChangesNeedAdminAndAreAuditedUnderTheKeysName() {
    String etl = key("etl", List.of("*"), List.of("*"), List.of());
    String owner = key("hcp-owner", List.of(), List.of(), List.of("hcp_*"));
    FeatureServer s = start();

    forbidden(
        client(s, etl).post("/api/v1/feature-groups", "{\"name\": \"hcp_new\"}"),
        "admin",
        "hcp_new");
    KeyedClient o = client(s, owner);
    assertThat(o.post("/api/v1/feature-groups", "{\"name\": \"hcp_new\"}").status()).isEqualTo(201);
    assertThat(
            o.post(
                    "/api/v1/feature-groups/hcp_new/features",
                    "{\"name\": \"score\", \"value_type\": \"float64\", \"entity_keys\": [\"hcp_id\"]}")
                .status())
        .isEqualTo(201);
    forbidden(o.post("/api/v1/feature-groups", "{\"name\": \"brand_new\"}"), "admin", "brand_new");
    // Admin on a group implies read and write on it.
    assertThat(o.get("/api/v1/feature-groups/hcp_new").status()).isEqualTo(200);
    assertThat(o.post("/api/v1/feature-values", write("hcp_new", "score", "hcp_id", 0.5)).status())
        .isEqualTo(201);
    forbidden(o.get("/api/v1/feature-groups/brand_performance"), "read", "brand_performance");
    assertThat(store.getFeatureGroup("brand_new")).isEmpty();

    List<AuditEntry> log = store.security().auditLog(new AuditQuery(null, "hcp-owner", null, 10));
    assertThat(log)
        .extracting(AuditEntry::action)
        .containsExactly("create_feature", "create_feature_group");
    assertThat(log).extracting(AuditEntry::target).containsExactly("hcp_new:score@1", "hcp_new");
  }

  // ---------------------------------------------------------------- training data

  @Test
  void trainingDataNeedsReadOnEveryGroupItReads() {
    String k = key("scientist", List.of("hcp_*"), List.of(), List.of());
    FeatureServer s = start();
    KeyedClient c = client(s, k);
    String spine =
        "\"spine\": {\"columns\": [\"hcp_id\", \"brand_id\", \"event_timestamp\"], \"rows\":"
            + " [[\"H1\", \"B1\", \"2025-12-10T00:00:00Z\"]]}";
    assertThat(
            c.post(
                    "/api/v1/training-data",
                    "{\"features\": [\"hcp_demographics:specialty\"], " + spine + "}")
                .status())
        .isEqualTo(200);
    forbidden(
        c.post(
            "/api/v1/training-data",
            "{\"features\": [\"hcp_demographics:specialty\", \"brand_performance:market_share\"], "
                + spine
                + "}"),
        "read",
        "brand_performance");
    // A bare name resolves among the groups the key can read: unreadable ones are not there.
    KeyedClient.Response bare =
        c.post("/api/v1/training-data", "{\"features\": [\"market_share\"], " + spine + "}");
    assertThat(bare.status()).as(bare.toString()).isIn(403, 404);
    assertThat(bare.body()).doesNotContain("0.5");
  }

  // ---------------------------------------------------------------- audit and keys over HTTP

  @Test
  void theAuditLogIsForAdminsOfEveryGroup() {
    String root = key("root", List.of(), List.of(), List.of("*"));
    String owner = key("hcp-owner", List.of(), List.of(), List.of("hcp_*"));
    FeatureServer s = start();
    assertThat(client(s, owner).post("/api/v1/feature-groups", "{\"name\": \"hcp_x\"}").status())
        .isEqualTo(201);

    KeyedClient.Response refused = client(s, owner).get("/api/v1/audit");
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.errorMessage()).contains("admin on every group ('*')");

    JsonNode entries = client(s, root).get("/api/v1/audit?actor=hcp-owner").json().get("entries");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).get("action").asText()).isEqualTo("create_feature_group");
    assertThat(entries.get(0).get("target").asText()).isEqualTo("hcp_x");
    assertThat(entries.get(0).get("at").asText()).endsWith("Z");
    assertThat(client(s, root).get("/api/v1/audit?limit=1").json().get("entries")).hasSize(1);
    assertThat(client(s, root).get("/api/v1/audit?limit=0").status()).isEqualTo(400);
    assertThat(client(s, root).get("/api/v1/audit?user=x").status()).isEqualTo(400);
    assertThat(client(s, root).get("/api/v1/audit?since=yesterday").status()).isEqualTo(400);
    assertThat(client(s, root).get("/api/v1/audit?actor=").status()).isEqualTo(400);
    // RFC 3339 allows offsets up to 23:59 (java.time only 18:00): the document promises RFC 3339.
    assertThat(
            client(s, root)
                .get("/api/v1/audit?since=4978-01-14T18%3A49%3A23.413161-21%3A46")
                .status())
        .isEqualTo(200);
    assertThat(
            client(s, root)
                .get("/api/v1/audit?since=2020-01-01t00%3A00%3A00z")
                .json()
                .get("entries"))
        .isNotEmpty();
    assertThat(
            client(s, root).get("/api/v1/audit?since=2020-01-01T00%3A00%3A00%2B24%3A00").status())
        .isEqualTo(400);
    assertThat(client(s, root).get("/api/v1/audit?action=a%00b").status()).isEqualTo(400);
    assertThat(client(s, root).get("/api/v1/audit?limit=%205").status()).isEqualTo(400);
  }

  @Test
  void keysCanBeCreatedListedAndRevokedOverHttpByAnAdminOfEverything() {
    String root = key("root", List.of(), List.of(), List.of("*"));
    FeatureServer s = start();
    KeyedClient admin = client(s, root);

    KeyedClient.Response created =
        admin.post("/api/v1/keys", "{\"name\": \"ci\", \"read\": [\"hcp_*\"]}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String secret = created.json().get("key").asText();
    assertThat(SecurityRegistry.keyId(secret)).isEqualTo(created.json().get("id").asText());
    assertThat(client(s, secret).get("/api/v1/feature-groups/hcp_targeting").status())
        .isEqualTo(200);

    KeyedClient.Response listed = admin.get("/api/v1/keys");
    assertThat(listed.body()).doesNotContain(secret).doesNotContain(SecurityRegistry.hash(secret));
    assertThat(listed.json().get("keys")).hasSize(2);

    assertThat(admin.post("/api/v1/keys", "{\"name\": \"ci\", \"read\": [\"*\"]}").status())
        .isEqualTo(409);
    KeyedClient.Response unknown =
        admin.post("/api/v1/keys", "{\"name\": \"x\", \"read\": [\"*\"], \"scopes\": 1}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorMessage()).contains("unknown field 'scopes'");
    assertThat(admin.post("/api/v1/keys", "{\"name\": \"empty\"}").status()).isEqualTo(400);
    assertThat(
            admin
                .post("/api/v1/keys", "{\"name\": \"n\", \"read\": [\"*\"], \"admin\": null}")
                .status())
        .as("null is not a list")
        .isEqualTo(400);
    assertThat(admin.post("/api/v1/keys", "{\"name\": \"n\", \"read\": [1]}").status())
        .isEqualTo(400);
    forbidden(client(s, secret).get("/api/v1/keys"), "admin", "*");

    KeyedClient.Response self = admin.delete("/api/v1/keys/root");
    assertThat(self.status()).isEqualTo(409);
    assertThat(self.errorMessage()).contains("cannot revoke itself");
    KeyedClient.Response revoked = admin.delete("/api/v1/keys/ci");
    assertThat(revoked.status()).isEqualTo(200);
    assertThat(revoked.json().get("active").asBoolean()).isFalse();
    within(
        REFRESH.multipliedBy(2),
        () -> client(s, secret).get("/api/v1/feature-groups/hcp_targeting").status() == 401);
    assertThat(admin.delete("/api/v1/keys/ci").status()).isEqualTo(409);
    assertThat(admin.delete("/api/v1/keys/nobody").status()).isEqualTo(404);
    assertThat(store.security().auditLog(new AuditQuery(null, "root", null, 10)))
        .extracting(AuditEntry::action)
        .containsExactly("revoke_api_key", "create_api_key");
  }

  // ---------------------------------------------------------------- revocation and use

  @Test
  void aRevokedKeyIsRefusedWithinASecond() {
    String k = key("soon-gone", List.of("*"), List.of(), List.of());
    FeatureServer s = start();
    assertThat(client(s, k).get("/api/v1/feature-groups").status()).isEqualTo(200);
    store.security().revokeKey("soon-gone", "local");
    Duration took =
        within(
            Duration.ofSeconds(1),
            () -> client(s, k).get("/api/v1/feature-groups").status() == 401);
    assertThat(took).isLessThan(Duration.ofSeconds(1));
    assertThat(s.keysRequired()).as("no key left: still closed, never open again").isTrue();
    assertThat(anonymous(s).get("/api/v1/feature-groups").status()).isEqualTo(401);
  }

  @Test
  void aRevocationOnOneInstanceReachesAnotherWithinASecond() {
    FeatureStore second = openSecondInstance();
    extraStores.add(second);
    String k = key("shared", List.of("*"), List.of(), List.of());
    FeatureServer a = start(store, SecurityOptions.defaults());
    FeatureServer b = start(second, SecurityOptions.defaults());
    assertThat(client(a, k).get("/api/v1/feature-groups").status()).isEqualTo(200);
    assertThat(client(b, k).get("/api/v1/feature-groups").status()).isEqualTo(200);

    // Revoked through instance A's HTTP API by an admin; instance B must refuse it in < 1 s.
    String root = key("root", List.of(), List.of(), List.of("*"));
    within(REFRESH.multipliedBy(2), () -> client(a, root).get("/api/v1/keys").status() == 200);
    assertThat(client(a, root).delete("/api/v1/keys/shared").status()).isEqualTo(200);
    Duration took =
        within(
            Duration.ofSeconds(1),
            () -> client(b, k).get("/api/v1/feature-groups").status() == 401);
    assertThat(took).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void keyUseIsCountedInMemoryAndFlushedToTheRegistry() {
    String k = key("busy", List.of("hcp_*"), List.of(), List.of());
    FeatureServer s = start(store, SecurityOptions.defaults().withUseFlush(Duration.ofMillis(200)));
    KeyedClient c = client(s, k);
    for (int i = 0; i < 5; i++) {
      assertThat(c.get("/api/v1/feature-groups").status()).isEqualTo(200);
    }
    assertThat(c.get("/api/v1/feature-groups/brand_performance").status()).isEqualTo(403);

    AuditQuery uses = new AuditQuery(null, "busy", SecurityRegistry.KEY_USE, 10);
    within(Duration.ofSeconds(5), () -> !store.security().auditLog(uses).isEmpty());
    ApiKey busy = store.security().listKeys().getFirst();
    assertThat(busy.useCount()).isEqualTo(6);
    assertThat(busy.lastUsedAt()).isNotNull();
    assertThat(store.security().auditLog(uses).getLast().detail())
        .startsWith("6 requests (1 refused)");
  }
}
