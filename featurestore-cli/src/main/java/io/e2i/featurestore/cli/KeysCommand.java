package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.SecurityRegistry;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code featurestore keys create|list|revoke}: API keys in the configured store's registry, or
 * through a running server ({@code --server}, with an admin key), e.g. when the server holds the
 * embedded store.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = {
      // The first line is the summary in the command list: a whole sentence.
      "Creates, lists and revokes API keys.",
      "Once a store has a key, its servers require one on every API call (Authorization: Bearer"
          + " <key>); a server without keys listens on 127.0.0.1."
    },
    subcommands = {
      KeysCommand.Create.class,
      KeysCommand.ListKeys.class,
      KeysCommand.Revoke.class,
      CommandLine.HelpCommand.class
    })
final class KeysCommand implements Runnable {
  @ParentCommand @Nullable Main main;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing command: create, list or revoke");
  }

  /** What the three subcommands share: store flags, --server/--api-key, --json, output. */
  abstract static class Sub implements Callable<Integer> {
    @ParentCommand KeysCommand keys;

    @Mixin StoreOptions store;

    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print JSON (the HTTP API's shape).")
    boolean json;

    @Option(
        names = "--server",
        paramLabel = "URL",
        description = "Manage the keys through a running server (needs an admin '*' key).")
    @Nullable String server;

    @Option(
        names = "--api-key",
        paramLabel = "KEY",
        description = "API key for --server (default: the FS_API_KEY environment variable).")
    @Nullable String apiKey;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    Map<String, String> env() {
      return keys.main == null ? System.getenv() : keys.main.env;
    }

    RemoteClient remote(String url) {
      return new RemoteClient(url, apiKey != null ? apiKey : env().get("FS_API_KEY"));
    }

    FeatureStore openStore() {
      return store.open(env());
    }

    @Override
    public final Integer call() throws Exception {
      int code = execute();
      out().flush();
      return code;
    }

    abstract int execute() throws Exception;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Creates an API key and prints it once: it is stored only as a hash.",
        "Patterns are feature group names or globs: --read 'hcp_*' --write hcp_targeting.",
        "read: definitions and values; write: values, cache, statistics;",
        "admin: create/update groups and features (implies read and write), and with '*'",
        "the audit log and key management."
      })
  static final class Create extends Sub {
    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Unique name.")
    String name;

    @Option(
        names = "--read",
        split = ",",
        paramLabel = "PATTERN",
        description = "Groups it may read (repeatable).")
    List<String> read = new ArrayList<>();

    @Option(
        names = "--write",
        split = ",",
        paramLabel = "PATTERN",
        description = "Groups it may write values to (repeatable).")
    List<String> write = new ArrayList<>();

    @Option(
        names = "--admin",
        split = ",",
        paramLabel = "PATTERN",
        description = "Groups it may define (repeatable).")
    List<String> admin = new ArrayList<>();

    @Override
    int execute() {
      KeyScopes scopes = new KeyScopes(read, write, admin);
      JsonNode created;
      if (server != null) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("read", read);
        body.put("write", write);
        body.put("admin", admin);
        created = remote(server).post("/api/v1/keys", body);
      } else {
        try (FeatureStore fs = openStore()) {
          SecurityRegistry.CreatedKey k =
              fs.security().createKey(name, scopes, SecurityRegistry.LOCAL);
          Map<String, Object> m = view(k.key());
          m.put("key", k.secret());
          created = Views.JSON.valueToTree(m);
        }
      }
      if (json) {
        out().println(Views.pretty(created));
        return Main.EXIT_OK;
      }
      out()
          .println(
              "created API key '"
                  + name
                  + "' ("
                  + scopes
                  + "). Copy it now: it is shown only this once.");
      out().println(created.get("key").asText());
      return Main.EXIT_OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists API keys, revoked ones too (never the keys themselves).")
  static final class ListKeys extends Sub {
    @Override
    int execute() {
      JsonNode keys;
      if (server != null) {
        keys = remote(server).get("/api/v1/keys").get("keys");
      } else {
        try (FeatureStore fs = openStore()) {
          List<Map<String, Object>> list = new ArrayList<>();
          fs.security().listKeys().forEach(k -> list.add(view(k)));
          keys = Views.JSON.valueToTree(list);
        }
      }
      if (json) {
        out().println(Views.pretty(Views.JSON.valueToTree(Map.of("keys", keys))));
        return Main.EXIT_OK;
      }
      if (keys.isEmpty()) {
        out()
            .println(
                "(no API keys: servers on this store listen on 127.0.0.1 only; create one with"
                    + " 'featurestore keys create --name NAME --admin \"*\"')");
        return Main.EXIT_OK;
      }
      Table t =
          new Table(
              "NAME", "ID", "STATUS", "READ", "WRITE", "ADMIN", "CREATED", "LAST_USED", "USES");
      for (JsonNode k : keys) {
        t.row(
            k.get("name"),
            k.get("id"),
            k.get("active").asBoolean() ? "active" : "revoked " + k.path("revoked_at").asText(),
            patterns(k.get("read")),
            patterns(k.get("write")),
            patterns(k.get("admin")),
            k.get("created_at"),
            k.get("last_used_at"),
            k.get("use_count"));
      }
      t.print(out(), "");
      return Main.EXIT_OK;
    }

    private static String patterns(JsonNode list) {
      List<String> p = new ArrayList<>();
      list.forEach(n -> p.add(n.asText()));
      return p.isEmpty() ? "-" : String.join(",", p);
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revokes an API key: every server on the store refuses it within a second.")
  static final class Revoke extends Sub {
    @Parameters(paramLabel = "NAME", description = "The key's name.")
    String name;

    @Override
    int execute() {
      JsonNode revoked;
      if (server != null) {
        revoked = remote(server).delete("/api/v1/keys/" + name);
      } else {
        try (FeatureStore fs = openStore()) {
          revoked =
              Views.JSON.valueToTree(view(fs.security().revokeKey(name, SecurityRegistry.LOCAL)));
        }
      }
      if (json) {
        out().println(Views.pretty(revoked));
      } else {
        out()
            .println(
                "revoked API key '" + name + "'; servers on this store refuse it within a second");
      }
      return Main.EXIT_OK;
    }
  }

  /** A key as GET /api/v1/keys shows it. */
  static Map<String, Object> view(ApiKey k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", k.name());
    m.put("id", k.id());
    m.put("read", k.scopes().read());
    m.put("write", k.scopes().write());
    m.put("admin", k.scopes().admin());
    m.put("active", k.active());
    m.put("created_at", text(k.createdAt()));
    m.put("revoked_at", text(k.revokedAt()));
    m.put("last_used_at", text(k.lastUsedAt()));
    m.put("use_count", k.useCount());
    return m;
  }

  private static @Nullable String text(@Nullable Instant t) {
    return t == null ? null : t.toString();
  }
}
