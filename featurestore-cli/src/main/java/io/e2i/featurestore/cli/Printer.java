package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;

/** Renders results (in the HTTP API's JSON shape, see {@link Views}) as text. */
final class Printer {
  private Printer() {}

  static void online(PrintWriter out, JsonNode r) {
    out.println(
        "entity " + r.path("entity_values") + " in group " + Table.cell(r.path("feature_group")));
    JsonNode features = r.path("features");
    if (features.isEmpty()) {
      out.println("  (no values stored)");
      return;
    }
    Table t = new Table("FEATURE", "VALUE", "VERSION", "EVENT_TIMESTAMP", "FRESHNESS");
    features
        .fieldNames()
        .forEachRemaining(
            name -> {
              JsonNode md = r.path("metadata").path(name);
              t.row(
                  name,
                  features.get(name),
                  md.path("version"),
                  md.path("event_timestamp"),
                  md.path("freshness_status"));
            });
    t.print(out, "  ");
  }

  static void history(PrintWriter out, JsonNode rows) {
    if (rows.isEmpty()) {
      out.println("(no values in range)");
      return;
    }
    Table t = new Table("FEATURE", "VALUE", "EVENT_TIMESTAMP", "WRITTEN_AT", "FRESHNESS");
    for (JsonNode r : rows) {
      t.row(
          Table.cell(r.path("feature_group"))
              + ":"
              + Table.cell(r.path("feature_name"))
              + "@"
              + Table.cell(r.path("version")),
          r.path("value"),
          r.path("event_timestamp"),
          r.path("written_at"),
          r.path("freshness_status"));
    }
    t.print(out, "");
  }

  static void freshness(PrintWriter out, JsonNode rows) {
    if (rows.isEmpty()) {
      out.println("(no features registered)");
      return;
    }
    Table t =
        new Table(
            "GROUP", "FEATURE", "V", "ENTITIES", "FRESH", "STALE", "EXPIRED", "LAST_EVENT", "AGE");
    for (JsonNode r : rows) {
      t.row(
          r.path("feature_group"),
          r.path("feature_name"),
          r.path("version"),
          r.path("total_entities"),
          r.path("fresh_count"),
          r.path("stale_count"),
          r.path("expired_count"),
          r.path("last_event_timestamp"),
          age(r));
    }
    t.print(out, "");
  }

  private static String age(JsonNode r) {
    JsonNode s = r.path("time_since_last_event_seconds");
    if (s.isNumber()) {
      return human(Duration.ofSeconds(s.asLong()));
    }
    JsonNode d = r.path("time_since_last_event");
    if (d.isTextual()) {
      try {
        return human(Duration.parse(d.textValue()));
      } catch (RuntimeException e) {
        return d.textValue();
      }
    }
    if (d.isNumber()) {
      return human(Duration.ofMillis((long) (d.asDouble() * 1000)));
    }
    return "-";
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60) + "s";
    }
    if (s < 86400) {
      return (s / 3600) + "h" + ((s % 3600) / 60) + "m";
    }
    return (s / 86400) + "d" + ((s % 86400) / 3600) + "h";
  }
}
