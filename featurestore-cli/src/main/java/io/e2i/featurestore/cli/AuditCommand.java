package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.AuditEntry;
import io.e2i.featurestore.AuditQuery;
import io.e2i.featurestore.FeatureStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    mixinStandardHelpOptions = true,
    name = "audit",
    description = {
      // The first line is the summary in the command list: a whole sentence.
      "Prints the audit log, newest first: registry changes (who, what, when) one by one, and"
          + " API key use aggregated per flush.",
      "Read-only."
    })
final class AuditCommand extends ReadCommand {

  @Option(names = "--since", paramLabel = "T", description = "Entries at or after T (ISO-8601).")
  @Nullable String since;

  @Option(names = "--actor", paramLabel = "NAME", description = "A key's name, or 'local'.")
  @Nullable String actor;

  @Option(
      names = "--action",
      paramLabel = "ACTION",
      description = "e.g. create_feature_group, update_feature, revoke_api_key, api_key_use.")
  @Nullable String action;

  @Option(
      names = "--limit",
      defaultValue = "100",
      paramLabel = "N",
      description = "At most N entries (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  int execute() {
    Instant from = since == null ? null : Times.parse("--since", since);
    AuditQuery query = new AuditQuery(from, actor, action, limit);
    JsonNode entries;
    if (server != null) {
      StringBuilder path = new StringBuilder("/api/v1/audit?limit=").append(limit);
      if (from != null) {
        path.append("&since=").append(from);
      }
      if (actor != null) {
        path.append("&actor=").append(URLEncoder.encode(actor, StandardCharsets.UTF_8));
      }
      if (action != null) {
        path.append("&action=").append(URLEncoder.encode(action, StandardCharsets.UTF_8));
      }
      entries = remote(server).get(path.toString()).get("entries");
    } else {
      try (FeatureStore fs = openStore()) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (AuditEntry e : fs.security().auditLog(query)) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("id", e.id());
          m.put("at", e.at().toString());
          m.put("actor", e.actor());
          m.put("action", e.action());
          m.put("target", e.target());
          m.put("detail", e.detail());
          list.add(m);
        }
        entries = Views.JSON.valueToTree(list);
      }
    }
    if (json) {
      out().println(Views.pretty(Views.JSON.valueToTree(Map.of("entries", entries))));
      return Main.EXIT_OK;
    }
    if (entries.isEmpty()) {
      out().println("(no audit entries)");
      return Main.EXIT_OK;
    }
    Table t = new Table("AT", "ACTOR", "ACTION", "TARGET", "DETAIL");
    for (JsonNode e : entries) {
      t.row(e.get("at"), e.get("actor"), e.get("action"), e.get("target"), e.get("detail"));
    }
    t.print(out(), "");
    return Main.EXIT_OK;
  }
}
