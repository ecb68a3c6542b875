package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.HistorySink;
import io.e2i.featurestore.spi.ValueRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decoded history read ({@link PgOfflineStore#history(EntityKey, List, List, Instant, Instant,
 * HistorySink)}: packed rows, values decoded from bytes) against an oracle that reads the same rows
 * one per value as text, the way the history was read before, and decodes each with {@link
 * ValueCodec#decode(ValueType, String)}: every type, non-canonical JSON written by another client,
 * SQL NULL and JSON null, rewrites of one event time, on one and on two connections, before and
 * after pgjdbc switches the statement to binary results.
 */
class PgHistoryDecodeTest {
  private static final Instant T0 = Instant.parse("2025-03-20T00:00:00Z");
  private static final EntityKey A = EntityKey.of("id", "A");
  private static final List<ValueType> TYPES =
      List.of(
          ValueType.FLOAT64,
          ValueType.INT64,
          ValueType.STRING,
          ValueType.BOOL,
          ValueType.TIMESTAMP,
          ValueType.FLOAT64_LIST,
          ValueType.STRING_LIST);
  private static final List<UUID> FEATURES = new ArrayList<>();
  private static PgDatabase db;
  private static PgOfflineStore store;

  @BeforeAll
  static void load() throws SQLException {
    String url = TestPostgres.newDatabase();
    PgMigrations.migrate(url);
    db = PgDatabase.open(url, Map.of());
    store = new PgOfflineStore(db.retain());
    try (PgRegistry registry = new PgRegistry(db.retain())) {
      registry.insertGroup(FeatureGroup.builder("g").build());
      for (int f = 0; f < TYPES.size(); f++) {
        Feature feature =
            new Feature(
                UUID.randomUUID(),
                "g",
                "f" + f,
                1,
                TYPES.get(f),
                List.of("id"),
                null,
                null,
                null,
                null,
                null,
                null,
                T0);
        assertThat(registry.insertFeature(feature)).isTrue();
        FEATURES.add(feature.id());
      }
    }
    List<Object> samples =
        List.of(
            12.5,
            -0.0,
            1e-5,
            0.30000000000000004,
            7L,
            -9_007_199_254_740_993L,
            "plain",
            "quote \" backslash \\ tab \t newline \n été 𝄞",
            "",
            true,
            false,
            Instant.parse("2025-12-18T10:15:30.123456Z"),
            List.of(1.5, -2.0),
            List.of("a", "b,c"));
    List<ValueRow> rows = new ArrayList<>();
    for (int f = 0; f < FEATURES.size(); f++) {
      for (int h = 0; h < 24 * 40; h += 6) {
        Object v = sampleFor(TYPES.get(f), samples, h);
        rows.add(
            new ValueRow(FEATURES.get(f), A, h % 42 == 0 ? null : v, T0.minusSeconds(h * 3600L)));
      }
    }
    store.write(rows, T0);
    // Another client's JSON, not as the store writes it (PostgreSQL keeps numbers as numeric and
    // prints them its way), JSON null, SQL NULL; and rewrites of one event time: the last wins.
    String insert =
        "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp, written_at)"
            + " VALUES (?, ?, ?::jsonb, ?, ?)";
    String[] floats = {"1e3", "-0.0", "1E-3", "12345678901234567890.125", "2.50", "null", "-0"};
    String[] ints = {"1e3", "1E2", "-0", "9223372036854775807", "12", "null", "-3"};
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(insert)) {
      for (int k = 0; k < floats.length; k++) {
        for (int rewrite = 0; rewrite < 2; rewrite++) {
          Instant t = T0.minusSeconds(3600L * (6 * k + 1));
          add(ps, FEATURES.get(0), rewrite == 0 ? "99" : floats[k], t, T0.plusSeconds(rewrite));
          add(ps, FEATURES.get(1), rewrite == 0 ? "98" : ints[k], t, T0.plusSeconds(rewrite));
        }
      }
      add(ps, FEATURES.get(2), null, T0.plusSeconds(1), T0);
      add(ps, FEATURES.get(2), "\"last\"", T0.plusSeconds(1), T0.plusSeconds(5));
      add(ps, FEATURES.get(3), "true", T0.plusSeconds(2), T0.plusSeconds(5));
      add(ps, FEATURES.get(3), null, T0.plusSeconds(2), T0.plusSeconds(6)); // NULL wins last
      ps.executeBatch();
    }
  }

  private static Object sampleFor(ValueType type, List<Object> samples, int h) {
    List<Object> fitting = new ArrayList<>();
    for (Object s : samples) {
      if (fits(type, s)) {
        fitting.add(s);
      }
    }
    return fitting.get(h % fitting.size());
  }

  private static boolean fits(ValueType type, Object v) {
    return switch (type) {
      case FLOAT64 -> v instanceof Double;
      case INT64 -> v instanceof Long;
      case STRING -> v instanceof String;
      case BOOL -> v instanceof Boolean;
      case TIMESTAMP -> v instanceof Instant;
      case FLOAT64_LIST -> v instanceof List<?> l && l.get(0) instanceof Double;
      case STRING_LIST -> v instanceof List<?> l && l.get(0) instanceof String;
      default -> false;
    };
  }

  private static void add(
      PreparedStatement ps, UUID f, @Nullable String json, Instant t, Instant written)
      throws SQLException {
    ps.setObject(1, f);
    ps.setString(2, A.canonical());
    ps.setString(3, json);
    ps.setObject(4, PgRegistry.timestamp(t));
    ps.setObject(5, PgRegistry.timestamp(written));
    ps.addBatch();
  }

  @AfterAll
  static void close() {
    store.close();
    db.close();
  }

  @Test
  void decodedReadsEqualTheRowByRowTextRead() throws SQLException {
    Instant start = T0.minus(Duration.ofDays(30));
    List<String> all = oracle(null, null);
    List<String> window = oracle(start, T0.plusSeconds(1));
    // 160 values a feature, 7 more event times of features 0 and 1, one more of 2 and of 3.
    assertThat(all)
        .hasSize(7 * 160 + 2 * 7 + 2)
        .contains(FEATURES.get(2) + " " + T0.plusSeconds(1) + " last:String " + T0.plusSeconds(5))
        .contains(FEATURES.get(3) + " " + T0.plusSeconds(2) + " null: " + T0.plusSeconds(6));
    assertThat(all).anyMatch(s -> s.startsWith(FEATURES.get(0) + " ") && s.contains(" 1000.0/"));
    assertThat(all).anyMatch(s -> s.startsWith(FEATURES.get(1) + " ") && s.contains(" 1000:Long"));
    for (int connections : new int[] {1, 2, 3}) {
      store.historyConnections(connections);
      // pgjdbc switches a statement to binary results at its fifth run: read past that.
      for (int run = 0; run < 7; run++) {
        assertThat(decoded(null, null))
            .as("%d connections, run %d", connections, run)
            .isEqualTo(all);
        assertThat(decoded(start, T0.plusSeconds(1))).isEqualTo(window);
      }
    }
    store.historyConnections(2);
  }

  /** The features in another order than stored: the output follows the order asked. */
  @Test
  void featuresComeInTheOrderAsked() {
    List<UUID> reversed = new ArrayList<>(FEATURES);
    java.util.Collections.reverse(reversed);
    List<ValueType> types = new ArrayList<>(TYPES);
    java.util.Collections.reverse(types);
    List<Integer> order = new ArrayList<>();
    store.history(
        A,
        reversed,
        types,
        null,
        null,
        (f, v, e, w) -> {
          if (order.isEmpty() || order.get(order.size() - 1) != f) {
            order.add(f);
          }
        });
    assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6);
  }

  private static List<String> decoded(@Nullable Instant start, @Nullable Instant end) {
    List<String> out = new ArrayList<>();
    int[] expected = {-1};
    store.history(
        A,
        FEATURES,
        TYPES,
        start,
        end,
        new HistorySink() {
          @Override
          public void expect(int values) {
            expected[0] = values;
          }

          @Override
          public void value(int f, @Nullable Object v, Instant event, Instant written) {
            out.add(line(FEATURES.get(f), v, event, written));
          }
        });
    assertThat(out).hasSize(expected[0]);
    return out;
  }

  /** The history as it was read before packing: one row per value, value as text. */
  private static List<String> oracle(@Nullable Instant start, @Nullable Instant end)
      throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT DISTINCT ON (event_timestamp) value::text, event_timestamp, written_at"
                    + " FROM feature_values WHERE feature_id = ? AND entity_key = ?"
                    + " AND event_timestamp >= ? AND event_timestamp <= ?"
                    + " ORDER BY event_timestamp, seq DESC")) {
      for (int f = 0; f < FEATURES.size(); f++) {
        ps.setObject(1, FEATURES.get(f));
        ps.setString(2, A.canonical());
        ps.setObject(3, PgRegistry.timestamp(start == null ? Instant.EPOCH : start));
        ps.setObject(4, PgRegistry.timestamp(end == null ? T0.plusSeconds(86400) : end));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String json = rs.getString(1);
            Object v = json == null ? null : ValueCodec.decode(TYPES.get(f), json);
            out.add(
                line(
                    FEATURES.get(f),
                    v,
                    PgRegistry.requiredInstant(rs, 2),
                    PgRegistry.requiredInstant(rs, 3)));
          }
        }
      }
    }
    return out;
  }

  /** Doubles by their bits (so -0.0 and 0.0 differ), everything else by equality. */
  private static String line(UUID f, @Nullable Object v, Instant event, Instant written) {
    String value =
        v instanceof Double d
            ? d + "/" + Long.toHexString(Double.doubleToRawLongBits(d))
            : v + ":" + (v == null ? "" : v.getClass().getSimpleName());
    return f + " " + event + " " + value + " " + written;
  }
}
