package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.postgres.TestPostgres;
import io.e2i.featurestore.server.FeatureServer;
import io.e2i.featurestore.server.ServerOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keys, audit, serve's bind defaults and --api-key, through the real CLI on embedded stores and on
 * PostgreSQL (FS_OFFLINE_URL).
 */
class SecurityCliTest {
  private static final Pattern KEY = Pattern.compile("fsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
  @TempDir Path dir;

  private static String keyIn(String out) {
    Matcher m = KEY.matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group();
  }

  private void keysCreateListRevokeAndAudit(CliRunner cli) {
    CliRunner.Run created =
        cli.run(
            "keys", "create", "--name", "ci-reader", "--read", "hcp_*", "--write", "hcp_targeting");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out())
        .contains("created API key 'ci-reader'")
        .contains("shown only this once");
    String key = keyIn(created.out());
    assertThat(created.out().lines().toList().getLast()).isEqualTo(key);

    CliRunner.Run list = cli.run("keys", "list");
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("ci-reader").contains("active").contains("hcp_*");
    assertThat(list.out()).doesNotContain(key).doesNotContain(key.substring(17));

    CliRunner.Run again = cli.run("keys", "create", "--name", "ci-reader", "--read", "*");
    assertThat(again.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(again.err()).contains("'ci-reader' exists already");
    CliRunner.Run bad = cli.run("keys", "create", "--name", "no scopes");
    assertThat(bad.code()).isEqualTo(Main.EXIT_USAGE);

    CliRunner.Run revoked = cli.run("keys", "revoke", "ci-reader");
    assertThat(revoked.code()).as(revoked.err()).isZero();
    assertThat(revoked.out()).contains("revoked API key 'ci-reader'");
    assertThat(cli.run("keys", "list").out()).contains("revoked");
    assertThat(cli.run("keys", "revoke", "nobody").code()).isEqualTo(Main.EXIT_USAGE);

    CliRunner.Run audit = cli.run("audit");
    assertThat(audit.code()).as(audit.err()).isZero();
    assertThat(audit.out()).contains("revoke_api_key").contains("create_api_key").contains("local");
    CliRunner.Run json = cli.run("audit", "--json", "--action", "create_api_key");
    assertThat(json.out()).contains("\"target\" : \"ci-reader\"").doesNotContain("revoke_api_key");
  }

  @Test
  void keysAndAuditOnTheEmbeddedStore() {
    keysCreateListRevokeAndAudit(new CliRunner(dir));
  }

  @Test
  void keysAndAuditOnPostgresql() {
    CliRunner cli = new CliRunner(dir);
    cli.env.put("FS_OFFLINE_URL", TestPostgres.newMigratedDatabase());
    keysCreateListRevokeAndAudit(cli);
  }

  @Test
  void applyIsAuditedAsLocalChangeByChange() {
    CliRunner cli = new CliRunner(dir);
    assertThat(cli.run("apply", CliTest.FEATURES.toString()).code()).isZero();
    CliRunner.Run audit = cli.run("audit", "--json", "--actor", "local", "--limit", "1000");
    assertThat(audit.out())
        .contains("\"action\" : \"create_feature_group\"")
        .contains("\"target\" : \"hcp_demographics\"")
        .contains("\"target\" : \"hcp_demographics:specialty@1\"");
    long entries = audit.out().lines().filter(l -> l.contains("\"action\"")).count();
    assertThat(entries).isGreaterThanOrEqualTo(4);
    assertThat(cli.run("apply", CliTest.FEATURES.toString()).code()).isZero();
    CliRunner.Run again = cli.run("audit", "--json", "--actor", "local", "--limit", "1000");
    assertThat(again.out().lines().filter(l -> l.contains("\"action\"")).count())
        .as("applying the same file again changes nothing, so logs nothing")
        .isEqualTo(entries);
  }

  // ---------------------------------------------------------------- serve

  /** Runs serve on a thread until it printed where it listens; interrupting it stops it. */
  private record Serving(Thread thread, StringWriter out, StringWriter err, AtomicInteger code) {
    int port() {
      Matcher m = Pattern.compile("serving on https?://[^:]+:(\\d+)").matcher(out.toString());
      assertThat(m.find()).isTrue();
      return Integer.parseInt(m.group(1));
    }

    int stop() throws InterruptedException {
      thread.interrupt();
      thread.join(30_000);
      return code.get();
    }
  }

  private Serving serve(CliRunner cli, String... args) throws InterruptedException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    String[] all = new String[args.length + 3];
    all[0] = "serve";
    all[1] = "--port";
    all[2] = "0";
    System.arraycopy(args, 0, all, 3, args.length);
    Thread t =
        new Thread(
            () -> code.set(Main.run(cli.env, new PrintWriter(out), new PrintWriter(err), all)));
    t.start();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!out.toString().contains("health:") && code.get() < 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return new Serving(t, out, err, code);
  }

  private static int status(String url, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return HttpClient.newHttpClient()
        .send(b.build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void withoutKeysServeListensOnLoopbackAndSaysWhy() throws Exception {
    CliRunner cli = new CliRunner(dir);
    Serving s = serve(cli);
    assertThat(s.out().toString())
        .contains("no API keys in this store: listening on 127.0.0.1 only")
        .contains("featurestore keys create")
        .contains("bound to 127.0.0.1, no API keys");
    assertThat(status("http://127.0.0.1:" + s.port() + "/api/v1/feature-groups", null))
        .isEqualTo(200);
    assertThat(s.stop()).isZero();
  }

  @Test
  void withoutKeysAnotherAddressNeedsInsecure() throws Exception {
    CliRunner cli = new CliRunner(dir);
    CliRunner.Run refused = cli.run("serve", "--port", "0", "--host", "0.0.0.0");
    assertThat(refused.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(refused.err())
        .contains("refusing to listen on 0.0.0.0 without API keys")
        .contains("--insecure");

    Serving s = serve(cli, "--host", "0.0.0.0", "--insecure");
    assertThat(s.err().toString()).contains("WARNING: serving 0.0.0.0 without API keys");
    assertThat(s.out().toString()).contains("bound to 0.0.0.0, no API keys");
    assertThat(s.stop()).isZero();
    assertThat(cli.run("serve", "--tls-cert", "x.pem").code()).isEqualTo(Main.EXIT_USAGE);
  }

  @Test
  void withKeysServeBindsEveryInterfaceAndRequiresThem() throws Exception {
    CliRunner cli = new CliRunner(dir);
    String key = keyIn(cli.run("keys", "create", "--name", "app", "--read", "*").out());
    Serving s = serve(cli);
    assertThat(s.out().toString()).contains("bound to 0.0.0.0, API keys required");
    String groups = "http://127.0.0.1:" + s.port() + "/api/v1/feature-groups";
    assertThat(status(groups, null)).isEqualTo(401);
    assertThat(status(groups, key)).isEqualTo(200);
    assertThat(s.stop()).isZero();
  }

  // ---------------------------------------------------------------- --server with a key

  @Test
  void remoteCommandsSendTheKeyFromTheOptionOrFsApiKey() {
    FeatureStore store =
        FeatureStores.open(FeatureStoreConfig.embedded(dir.resolve("server").toString()));
    try {
      store.createFeatureGroup(FeatureGroup.builder("hcp_demographics").build());
      store.createFeature(
          new FeatureSpec("hcp_demographics", "specialty", ValueType.STRING, List.of("hcp_id")));
      store.writeFeatureValue(
          "specialty",
          Map.of("hcp_id", "H1"),
          "Oncology",
          java.time.Instant.now(),
          "hcp_demographics");
      String reader =
          store
              .security()
              .createKey("reader", new KeyScopes(List.of("hcp_*"), List.of(), List.of()), "local")
              .secret();
      String root =
          store
              .security()
              .createKey("root", new KeyScopes(List.of(), List.of(), List.of("*")), "local")
              .secret();
      try (FeatureServer server = FeatureServer.start(store, ServerOptions.defaults(0))) {
        String url = server.url();
        CliRunner cli = new CliRunner(dir.resolve("no-store-here"));
        String[] get = {
          "get", "--server", url, "--group", "hcp_demographics", "--entity", "hcp_id=H1"
        };

        CliRunner.Run without = cli.run(get);
        assertThat(without.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(without.err()).contains("an API key is required");

        cli.env.put("FS_API_KEY", reader);
        CliRunner.Run withEnv = cli.run(get);
        assertThat(withEnv.code()).as(withEnv.err()).isZero();
        assertThat(withEnv.out()).contains("Oncology");

        cli.env.remove("FS_API_KEY");
        String[] withOption = java.util.Arrays.copyOf(get, get.length + 2);
        withOption[get.length] = "--api-key";
        withOption[get.length + 1] = reader;
        assertThat(cli.run(withOption).code()).isZero();

        CliRunner.Run notAdmin = cli.run("keys", "list", "--server", url, "--api-key", reader);
        assertThat(notAdmin.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(notAdmin.err()).contains("admin on every group");
        cli.env.put("FS_API_KEY", root);
        CliRunner.Run created =
            cli.run("keys", "create", "--server", url, "--name", "etl", "--write", "hcp_*");
        assertThat(created.code()).as(created.err()).isZero();
        keyIn(created.out());
        assertThat(cli.run("keys", "list", "--server", url).out())
            .contains("etl")
            .contains("reader");
        assertThat(cli.run("keys", "revoke", "--server", url, "etl").code()).isZero();
        CliRunner.Run audit = cli.run("audit", "--server", url, "--actor", "root");
        assertThat(audit.code()).as(audit.err()).isZero();
        assertThat(audit.out()).contains("create_api_key").contains("revoke_api_key");
      }
    } finally {
      store.close();
    }
  }
}
