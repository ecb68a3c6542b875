package io.e2i.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureSpec;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStores;
import io.e2i.featurestore.FeatureWrite;
import io.e2i.featurestore.TrainingDataRequest;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.BackendProvider.OfflineBackend;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.testing.CollectingSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training data hands out numbers and booleans as typed columns where their JSON text allows (see
 * {@code PitJoin.ValueColumns}): every stored text, canonical or as another writer might have put
 * it, must come out as the value {@link ValueCodec#decode} reads from it, in spine and file order.
 */
class EmbeddedTrainingValuesTest {
  private static final Instant T0 = Instant.parse("2025-06-01T00:00:00Z");

  /**
   * Texts per type: what the store writes, and forms it never writes but must still read the way
   * the decoder does. Texts the decoder refuses are left out: they fail a read either way.
   */
  private static final Map<ValueType, List<String>> TEXTS = new LinkedHashMap<>();

  static {
    put(
        ValueType.INT64,
        List.of(
            "42",
            "-7",
            "0",
            "-0",
            "9223372036854775807",
            "-9223372036854775808",
            "+5",
            "007",
            " 5",
            "1e3",
            "1.0",
            "1.5",
            "9223372036854775808",
            "null",
            "\"12\""));
    put(
        ValueType.FLOAT64,
        List.of(
            "0.25",
            "-0.0",
            "0.0",
            "1.0E10",
            "1.0E-5",
            "3",
            "-1.5e+2",
            "1E3",
            "0.1",
            "4.9E-324",
            "2.2250738585072014E-308",
            "1.7976931348623157E308",
            "1e400",
            "1e-400",
            "123456789012345678901234567890",
            "0.30000000000000004",
            "NaN",
            "Infinity",
            "-Infinity",
            "inf",
            "nan",
            "01.5",
            "1.",
            ".5",
            " 2.5",
            "1_0",
            "null",
            "\"1.5\""));
    put(ValueType.BOOL, List.of("true", "false", "null", "TRUE", " true", "\"true\"", "1"));
    put(
        ValueType.STRING,
        List.of(
            "\"S1\"",
            "\"a\\\"b\"",
            "\"\"",
            "\"ünï\uD83D\uDE00\"",
            "\"e\u0301\"",
            "\"3:x-\"",
            "-",
            "null"));
    put(ValueType.TIMESTAMP, List.of("\"2025-01-01T00:00:00Z\"", "null"));
    put(ValueType.FLOAT64_LIST, List.of("[1.0,2.5]", "[]", "null"));
  }

  private static void put(ValueType type, List<String> texts) {
    List<String> readable = new ArrayList<>();
    for (String text : texts) {
      try {
        ValueCodec.decode(type, text);
        readable.add(text);
      } catch (IllegalArgumentException refused) {
        // not a value of this type for the decoder either
      }
    }
    TEXTS.put(type, readable);
  }

  @TempDir Path dir;

  @Test
  void everyStoredTextComesOutAsTheDecoderReadsIt() throws Exception {
    int entities = fill();
    List<Object[]> spine = new ArrayList<>();
    for (int e = entities - 1; e >= 0; e--) { // not in entity order: rows come back in spine order
      spine.add(new Object[] {"e" + e, T0.plus(Duration.ofHours(1)), e});
      spine.add(new Object[] {"e" + e, T0.minusSeconds(1), -e});
    }
    CollectingSink out = join(new PitQuery.Spine.Rows(List.of("id", "ts", "label"), "ts", spine));
    assertThat(out.rows).hasSize(spine.size());
    for (int r = 0; r < spine.size(); r++) {
      assertThat(out.rows.get(r).subList(0, 3)).isEqualTo(Arrays.asList(spine.get(r)));
      assertFeatures(out.rows.get(r), 3, (String) spine.get(r)[0], (Instant) spine.get(r)[1]);
    }
  }

  /** A SQL spine's text columns travel packed with the values: odd texts, NULLs and all. */
  @Test
  void aSqlSpinesColumnsComeBackAsTheyAre() throws Exception {
    int entities = fill();
    List<String> notes =
        Arrays.asList(
            "", null, "e\u0301", "\uD83D\uDE00x", "3:abc", "-", "-1:", "a'b", "ünï", "\t\n", "0:");
    StringBuilder values = new StringBuilder();
    List<List<Object>> expected = new ArrayList<>();
    for (int r = 0; r < 3 * entities; r++) {
      String id = "e" + (r % entities);
      Instant ts = r % 3 == 0 ? T0.minusSeconds(5) : T0.plus(Duration.ofMinutes(r));
      String note = notes.get(r % notes.size());
      values
          .append(r == 0 ? "" : ", ")
          .append("(")
          .append(r)
          .append(", '")
          .append(id)
          .append("', TIMESTAMPTZ '")
          .append(ts)
          .append("', ")
          .append(note == null ? "NULL" : "'" + note.replace("'", "''") + "'")
          .append(", ")
          .append(r % 4 == 0 ? "NULL" : String.valueOf(r * 10))
          .append(")");
      expected.add(Arrays.asList(id, ts, note, r % 4 == 0 ? null : (long) r * 10));
    }
    CollectingSink out =
        join(
            new PitQuery.Spine.Sql(
                "SELECT id, ts, note, n FROM (VALUES "
                    + values
                    + ") v(r, id, ts, note, n) ORDER BY r",
                "ts"));
    assertThat(out.columns.subList(0, 4)).containsExactly("id", "ts", "note", "n");
    assertThat(out.rows).hasSize(expected.size());
    for (int r = 0; r < expected.size(); r++) {
      List<Object> row = out.rows.get(r);
      assertThat(row.subList(0, 4)).as("row %d", r).isEqualTo(expected.get(r));
      assertFeatures(row, 4, (String) row.get(0), (Instant) row.get(1));
    }
  }

  private void assertFeatures(List<Object> row, int first, String id, Instant ts) {
    int e = Integer.parseInt(id.substring(1));
    int f = first;
    for (Map.Entry<ValueType, List<String>> t : TEXTS.entrySet()) {
      String text = t.getValue().get(e % t.getValue().size());
      Object expected = ts.isBefore(T0) ? null : ValueCodec.decode(t.getKey(), text);
      assertThat(row.get(f)).as("%s text %s at %s", t.getKey(), text, ts).isEqualTo(expected);
      f++;
    }
    assertThat(row).hasSize(f);
  }

  private CollectingSink join(PitQuery.Spine spine) throws Exception {
    CollectingSink out = new CollectingSink();
    try (FeatureStore store = open()) {
      store.getTrainingData(new TrainingDataRequest(spine, refs, null, null), out);
    }
    return out;
  }

  private final List<String> refs = new ArrayList<>();

  /**
   * One feature per type, entity {@code e<i>} holding text {@code i} of the type's list (cycled) at
   * T0; returns how many entities.
   */
  private int fill() throws Exception {
    int entities = TEXTS.values().stream().mapToInt(List::size).max().orElseThrow();
    try (FeatureStore store = open()) {
      store.createFeatureGroup(FeatureGroup.builder("g").build());
      for (ValueType type : TEXTS.keySet()) {
        String name = type.name().toLowerCase(Locale.ROOT);
        store.createFeature(new FeatureSpec("g", name, type, List.of("id")));
        refs.add("g:" + name);
        Object placeholder = ValueCodec.decode(type, TEXTS.get(type).get(0));
        for (int e = 0; e < entities; e++) {
          store.writeFeatureValue(
              new FeatureWrite(name, Map.of("id", "e" + e), placeholder, T0, "g"));
        }
      }
    }
    // Another writer's texts, put in place while the store is closed.
    try (Connection c =
            DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("featurestore.duckdb"));
        PreparedStatement update =
            c.prepareStatement(
                "UPDATE feature_values SET value_json = ? WHERE entity = ? AND feature_id ="
                    + " (SELECT id FROM features WHERE name = ?)")) {
      for (Map.Entry<ValueType, List<String>> e : TEXTS.entrySet()) {
        for (int i = 0; i < entities; i++) {
          List<String> texts = e.getValue();
          update.setString(1, texts.get(i % texts.size()));
          update.setString(2, "{\"id\":\"e" + i + "\"}");
          update.setString(3, e.getKey().name().toLowerCase(Locale.ROOT));
          assertThat(update.executeUpdate()).isEqualTo(1);
        }
      }
    }
    return entities;
  }

  private FeatureStore open() {
    OfflineBackend backend = EmbeddedBackendProvider.open(dir);
    return FeatureStores.builder()
        .registry(backend.registry())
        .offlineStore(backend.store())
        .build();
  }
}
