package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.ValueType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgMigrationsTest {

  @Test
  void migratingTwiceChangesNothingTheSecondTime() throws SQLException {
    String url = TestPostgres.newDatabase();
    assertThat(PgMigrations.migrate(url)).isGreaterThanOrEqualTo(5); // V6 is a Java migration
    String before = schemaFingerprint(url);
    assertThat(PgMigrations.migrate(url)).isZero();
    assertThat(schemaFingerprint(url)).isEqualTo(before);
    assertThat(before)
        .contains(
            "table feature_groups",
            "table features",
            "partitioned table feature_values",
            "table training_sets",
            "table api_keys",
            "table audit_log",
            "view feature_values_latest",
            "view feature_freshness_monitor",
            "partitioned index feature_values_read_idx");
  }

  /** V10 fills the groups of the sets saved before it as TrainingSets.groups would. */
  @Test
  void trainingSetsSavedBeforeV10GainTheirGroups() throws SQLException {
    String url = TestPostgres.newDatabase();
    String[][] sets = {
      {"two", "{\"features\": [\"b:g@2\", \"a:f@1\", \"a:h@1\"]}"},
      {"bare", "{\"features\": [\"f\", \"a:f@1\"]}"},
      {"none", "{\"spine\": {}}"},
    };
    try (PgDatabase db = PgDatabase.open(url, Map.of())) {
      PgMigrations.migrate(db.dataSource(), "9");
      try (Connection c = db.connection();
          var ps =
              c.prepareStatement(
                  "INSERT INTO training_sets (name, definition) VALUES (?, ?::jsonb)")) {
        for (String[] set : sets) {
          ps.setString(1, set[0]);
          ps.setString(2, set[1]);
          ps.executeUpdate();
        }
      }
      PgMigrations.migrate(db.dataSource());
    }
    for (String[] set : sets) {
      assertThat(
              strings(url, "SELECT groups::text FROM training_sets WHERE name = '" + set[0] + "'"))
          .as(set[0])
          .containsExactly(
              "{"
                  + String.join(",", quotedEmpty(io.e2i.featurestore.TrainingSets.groups(set[1])))
                  + "}");
    }
    assertThat(strings(url, "SELECT groups::text FROM training_sets ORDER BY name"))
        .containsExactly("{\"\",a}", "{}", "{a,b}");
  }

  /** PostgreSQL's text form of an array writes the empty string as "". */
  private static List<String> quotedEmpty(List<String> groups) {
    return groups.stream().map(g -> g.isEmpty() ? "\"\"" : g).toList();
  }

  @Test
  void enumsCarryTheWireNames() throws SQLException {
    String url = TestPostgres.newDatabase();
    PgMigrations.migrate(url);
    assertThat(enumLabels(url, "feature_value_type")).isEqualTo(ValueType.wireNames());
    assertThat(enumLabels(url, "freshness_status"))
        .isEqualTo(Arrays.stream(FreshnessStatus.values()).map(FreshnessStatus::wireName).toList());
  }

  /**
   * V11 adds value_num to every partition (the legacy one of a table partitioned by V6 included)
   * without touching rows: those written before keep it null; later writes fill it, also into a
   * month created after V11 and into the legacy partition's range.
   */
  @Test
  void v11AddsValueNumToEveryPartitionAndLaterWritesFillIt() throws SQLException {
    String url = TestPostgres.newDatabase();
    String id = "0b0c2a4e-2f6b-4d8e-9a51-7a1c3e5f7d90";
    java.time.Instant old = java.time.Instant.parse("2020-03-04T05:06:07Z");
    java.time.Instant now = java.time.Instant.now();
    try (PgDatabase db = PgDatabase.open(url, Map.of())) {
      PgMigrations.migrate(db.dataSource(), "5"); // not partitioned yet: V6 makes it the legacy
      try (Connection c = db.connection();
          Statement s = c.createStatement()) {
        s.execute(
            "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp,"
                + " written_at) VALUES ('"
                + id
                + "', '{\"id\":\"A\"}', '1.5', '"
                + old
                + "', now())");
      }
      PgMigrations.migrate(db.dataSource(), "10");
      try (Connection c = db.connection();
          Statement s = c.createStatement()) {
        s.execute(
            "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp,"
                + " written_at) VALUES ('"
                + id
                + "', '{\"id\":\"B\"}', '2.5', '"
                + now
                + "', now())");
      }
      assertThat(PgMigrations.migrate(db.dataSource())).isEqualTo(1);
      try (PgOfflineStore store = new PgOfflineStore(db.retain())) {
        java.util.UUID feature = java.util.UUID.fromString(id);
        store.write(
            List.of(
                new io.e2i.featurestore.spi.ValueRow(
                    feature, io.e2i.featurestore.EntityKey.of("id", "C"), 3.5, old.plusSeconds(1)),
                new io.e2i.featurestore.spi.ValueRow(
                    feature, io.e2i.featurestore.EntityKey.of("id", "D"), 4L, now),
                new io.e2i.featurestore.spi.ValueRow(
                    feature,
                    io.e2i.featurestore.EntityKey.of("id", "E"),
                    5.5,
                    java.time.Instant.parse("2041-06-01T00:00:00Z"))),
            now);
      }
    }
    assertThat(
            strings(
                url,
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    + " WHERE i.inhparent = 'feature_values'::regclass AND NOT EXISTS (SELECT 1"
                    + " FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'value_num'"
                    + " AND NOT a.attisdropped)"))
        .as("partitions without value_num")
        .isEmpty();
    assertThat(strings(url, "SELECT count(*) FROM feature_values_legacy")) // before V6's cutoff
        .containsExactly("4");
    assertThat(
            strings(
                url,
                "SELECT entity_key || ' ' || value || ' ' || coalesce(value_num::text, 'null')"
                    + " FROM feature_values ORDER BY entity_key"))
        .containsExactly(
            "{\"id\":\"A\"} 1.5 null",
            "{\"id\":\"B\"} 2.5 null",
            "{\"id\":\"C\"} 3.5 3.5",
            "{\"id\":\"D\"} 4 4",
            "{\"id\":\"E\"} 5.5 5.5");
  }

  private static List<String> enumLabels(String url, String type) throws SQLException {
    return strings(
        url,
        "SELECT enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = '"
            + type
            + "' ORDER BY e.enumsortorder");
  }

  private static String schemaFingerprint(String url) throws SQLException {
    return String.join(
        "\n",
        strings(
            url,
            "SELECT CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'v' THEN 'view ' WHEN 'i' THEN"
                + " 'index ' WHEN 'p' THEN 'partitioned table ' WHEN 'I' THEN 'partitioned index '"
                + " ELSE c.relkind || ' ' END || c.relname FROM pg_class c JOIN"
                + " pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY"
                + " 1"));
  }

  static List<String> strings(String url, String sql) throws SQLException {
    try (PgDatabase db = PgDatabase.open(url, Map.of());
        Connection c = db.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }
}
