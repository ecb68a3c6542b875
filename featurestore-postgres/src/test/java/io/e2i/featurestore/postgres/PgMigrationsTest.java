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
      assertThat(PgMigrations.migrate(db.dataSource(), "11")).isEqualTo(1);
      PgMigrations.migrate(db.dataSource());
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

  /**
   * V12 rebuilds the read index with value_num on a table with data in the legacy partition and in
   * months: every partition gets a valid part that includes it, attached to the one index of the
   * old name, the old parts are gone, no row is lost, a month created after V12 gets the new part,
   * history reads stay index-only, and running it again changes nothing.
   */
  @Test
  void v12PutsValueNumIntoEveryPartitionsReadIndex() throws SQLException {
    String url = TestPostgres.newDatabase();
    String id = "5e0c2a4e-2f6b-4d8e-9a51-7a1c3e5f7d91";
    java.time.YearMonth cutoff = java.time.YearMonth.now(java.time.ZoneOffset.UTC).plusMonths(2);
    try (PgDatabase db = PgDatabase.open(url, Map.of())) {
      PgMigrations.migrate(db.dataSource(), "5");
      exec(
          db,
          "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp, written_at)"
              + " SELECT '"
              + id
              + "', '{\"id\":\"E' || (i % 10) || '\"}', to_jsonb(i * 0.5),"
              + " timestamptz '2025-10-01' + i * interval '1 minute', now()"
              + " FROM generate_series(1, 5000) i");
      PgMigrations.migrate(db.dataSource(), "11");
      exec(
          db,
          "INSERT INTO feature_values (feature_id, entity_key, value, value_num, event_timestamp,"
              + " written_at) SELECT '"
              + id
              + "', '{\"id\":\"E' || (i % 10) || '\"}', to_jsonb(i), i, "
              + PgPartitions.literal(cutoff)
              + " + i * interval '10 minutes', now() FROM generate_series(1, 4000) i");
      List<String> before = readIndexParts(db);
      assertThat(before).hasSizeGreaterThanOrEqualTo(3).noneMatch(p -> p.contains("value_num"));
      assertThat(PgMigrations.migrate(db.dataSource(), "12")).isEqualTo(1);
      List<String> after = readIndexParts(db);
      assertThat(after).hasSameSizeAs(before);
      for (String part : after) {
        assertThat(part)
            .matches("feature_values_(legacy|y\\d{4}m\\d\\d) feature_values_\\S+_read_idx valid .*")
            .endsWith(
                "USING btree (feature_id, entity_key, event_timestamp DESC, seq DESC)"
                    + " INCLUDE (value, value_num, written_at)");
      }
      assertThat(
              strings(
                  url,
                  "SELECT c.relname FROM pg_class c WHERE c.relkind IN ('i', 'I')"
                      + " AND (c.relname LIKE '%read12%' OR c.relname LIKE '%v12%'"
                      + " OR c.relname LIKE '%entity_key_event%')"))
          .as("indexes left over")
          .isEmpty();
      assertThat(
              strings(
                  url,
                  "SELECT indisvalid::text FROM pg_index"
                      + " WHERE indexrelid = 'feature_values_read_idx'::regclass"))
          .containsExactly("true");
      assertThat(strings(url, "SELECT count(*) FROM feature_values")).containsExactly("9000");
      try (Connection c = db.connection()) {
        ReadIndexMigration.migrate(c); // done: changes nothing
      }
      assertThat(readIndexParts(db)).isEqualTo(after);
      PgMigrations.migrate(db.dataSource());
      try (PgOfflineStore store = new PgOfflineStore(db.retain())) {
        store.write(
            List.of(
                new io.e2i.featurestore.spi.ValueRow(
                    java.util.UUID.fromString(id),
                    io.e2i.featurestore.EntityKey.of("id", "E1"),
                    7L,
                    java.time.Instant.parse("2041-06-01T00:00:00Z"))),
            java.time.Instant.now());
      }
      List<String> withNewMonth = readIndexParts(db);
      assertThat(withNewMonth).hasSize(after.size() + 1);
      assertThat(withNewMonth)
          .anyMatch(p -> p.startsWith("feature_values_y2041m06 ") && p.contains("value_num"));
      exec(db, "CHECKPOINT");
      exec(db, "VACUUM ANALYZE feature_values");
      String query =
          PgOfflineStore.historySql(false, false)
              .replaceFirst("\\?", "ARRAY['" + id + "'::uuid]")
              .replaceFirst("\\?", "'{\"id\":\"E1\"}'");
      assertThat(strings(url, "EXPLAIN (ANALYZE) " + query))
          .anyMatch(l -> l.contains("Index Only Scan using feature_values_legacy_read_idx"))
          .noneMatch(l -> l.contains("Heap Fetches") && !l.contains("Heap Fetches: 0"));
    }
  }

  /** Each partition's part of feature_values_read_idx: "partition index valid definition". */
  private static List<String> readIndexParts(PgDatabase db) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.connection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT t.relname || ' ' || i.relname || ' ' || CASE WHEN x.indisvalid THEN"
                    + " 'valid' ELSE 'invalid' END || ' ' || pg_get_indexdef(i.oid)"
                    + " FROM pg_inherits p JOIN pg_class t ON t.oid = p.inhrelid"
                    + " JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class i ON i.oid ="
                    + " x.indexrelid WHERE p.inhparent = 'feature_values'::regclass"
                    + " AND NOT x.indisprimary"
                    + " ORDER BY t.relname, i.relname")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void exec(PgDatabase db, String sql) throws SQLException {
    try (Connection c = db.connection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
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
