package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.HistorySink;
import io.e2i.featurestore.spi.ValueRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 * The typed history read (numbers as float8 from value_num, V11/V12) gives every value exactly as
 * decoding its JSON gives it: Longs stay Longs (also past 2^53, where value_num is not exact, so
 * the JSON is sent), Doubles stay Doubles to the bit, strings, booleans, lists and nulls as before,
 * and rows written before V11 (value_num null) come as JSON; on one and two connections, past
 * pgjdbc's switch to binary results.
 */
class PgHistoryFloat8Test {
  /** In this month, whose partition exists before V11 (the rows written then need one). */
  private static final Instant T0 =
      java.time.YearMonth.now(java.time.ZoneOffset.UTC)
          .atDay(3)
          .atStartOfDay()
          .toInstant(java.time.ZoneOffset.UTC);

  private static final EntityKey A = EntityKey.of("id", "A");
  private static final long P53 = 1L << 53;
  private static final List<ValueType> TYPES =
      List.of(
          ValueType.INT64,
          ValueType.FLOAT64,
          ValueType.STRING,
          ValueType.BOOL,
          ValueType.INT64_LIST,
          ValueType.FLOAT64_LIST);
  private static final List<Object> LONGS =
      List.of(
          0L,
          1L,
          -1L,
          42L,
          P53 - 1,
          -(P53 - 1),
          P53,
          -P53,
          P53 + 1,
          -(P53 + 1),
          P53 + 2,
          Long.MAX_VALUE,
          Long.MIN_VALUE,
          Long.MAX_VALUE - 1,
          Long.MIN_VALUE + 1,
          1234567890123456789L,
          (long) Integer.MAX_VALUE + 1);
  private static final List<Object> DOUBLES =
      List.of(
          0.0,
          -0.0,
          1.0,
          0.1,
          1.0 / 3,
          -2.5,
          1e-300,
          Double.MIN_VALUE,
          Double.MAX_VALUE,
          -Double.MAX_VALUE,
          (double) P53,
          (double) (P53 - 1),
          (double) P53 + 2,
          1e20,
          1e22,
          123456789.123,
          4503599627370495.5,
          0.30000000000000004);
  private static final List<Object> OTHERS =
      List.of("12", "", "text \" \\ é", true, false, List.of(1L, -2L, P53 + 1), List.of(0.5, -0.0));
  private static final List<UUID> FEATURES = new ArrayList<>();
  private static int pre;
  private static int floats;
  private static PgDatabase db;
  private static PgOfflineStore store;

  @BeforeAll
  static void load() throws SQLException {
    String url = TestPostgres.newDatabase();
    db = PgDatabase.open(url, Map.of());
    PgMigrations.migrate(db.dataSource(), "10"); // rows written before value_num existed
    for (int f = 0; f < TYPES.size(); f++) {
      FEATURES.add(UUID.randomUUID());
    }
    try (Connection c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO feature_values (feature_id, entity_key, value, event_timestamp,"
                    + " written_at) VALUES (?, ?, ?::jsonb, ?, ?)")) {
      for (int f = 0; f < 2; f++) {
        List<Object> values = f == 0 ? LONGS : DOUBLES;
        for (int k = 0; k < values.size(); k++) {
          ps.setObject(1, FEATURES.get(f));
          ps.setString(2, A.canonical());
          ps.setString(3, ValueCodec.encode(values.get(k)));
          ps.setObject(4, PgRegistry.timestamp(T0.minusSeconds(60L * (k + 1000))));
          ps.setObject(5, PgRegistry.timestamp(T0));
          ps.addBatch();
          pre++;
        }
      }
      ps.executeBatch();
    }
    PgMigrations.migrate(db.dataSource());
    store = new PgOfflineStore(db.retain());
    List<ValueRow> rows = new ArrayList<>();
    for (int f = 0; f < TYPES.size(); f++) {
      List<Object> values = f == 0 ? LONGS : f == 1 ? DOUBLES : others(TYPES.get(f));
      for (int k = 0; k <= values.size(); k++) {
        Object v = k == values.size() ? null : values.get(k);
        rows.add(new ValueRow(FEATURES.get(f), A, v, T0.minusSeconds(3600L * k)));
        if (f < 2 && v != null && Math.abs(((Number) v).doubleValue()) < 0x1p53) {
          floats++;
        }
      }
    }
    store.write(rows, T0);
  }

  private static List<Object> others(ValueType type) {
    return OTHERS.stream()
        .filter(
            v ->
                switch (type) {
                  case STRING -> v instanceof String;
                  case BOOL -> v instanceof Boolean;
                  case INT64_LIST -> v instanceof List<?> l && l.get(0) instanceof Long;
                  case FLOAT64_LIST -> v instanceof List<?> l && l.get(0) instanceof Double;
                  default -> false;
                })
        .toList();
  }

  @AfterAll
  static void close() {
    store.close();
    db.close();
  }

  @Test
  void everyValueDecodesAsItsJsonDoes() throws SQLException {
    List<String> expected = oracle();
    assertThat(expected).hasSize(pre + LONGS.size() + 1 + DOUBLES.size() + 1 + 4 + 3 + 2 + 2);
    assertThat(expected)
        .contains(
            FEATURES.get(0) + " " + T0.minusSeconds(3600L * 11) + " " + Long.MAX_VALUE + ":Long",
            FEATURES.get(0) + " " + T0.minusSeconds(3600L * 8) + " " + (P53 + 1) + ":Long",
            FEATURES.get(0) + " " + T0.minusSeconds(60L * 1000) + " 0:Long");
    for (int connections : new int[] {1, 2}) {
      store.historyConnections(connections);
      for (int run = 0; run < 7; run++) { // pgjdbc switches to binary results at the fifth run
        assertThat(decoded()).as("%d connections, run %d", connections, run).isEqualTo(expected);
      }
    }
    store.historyConnections(2);
  }

  /**
   * The typed SQL sends as float8 exactly the numbers written since V11 below 2^53 in magnitude;
   * everything else (rows written before V11, larger numbers, other types, nulls) as JSON.
   */
  @Test
  void numbersWrittenSinceV11ComeAsFloat8() throws SQLException {
    int[] counts = new int[2];
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(PgHistory.sql(false, false, true))) {
      ps.setArray(1, c.createArrayOf("uuid", FEATURES.toArray(new UUID[0])));
      ps.setString(2, A.canonical());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          new PgHistoryRows(rs.getObject(1, UUID.class), rs.getInt(2), rs.getBytes(3))
              .forEach(
                  new PgHistoryRows.Instants(64),
                  true,
                  new PgHistoryRows.Visitor() {
                    @Override
                    public void value(byte[] b, int off, int len, Instant e, Instant w) {
                      counts[0]++;
                    }

                    @Override
                    public void number(double value, Instant e, Instant w) {
                      counts[1]++;
                    }
                  });
        }
      }
    }
    assertThat(floats).isEqualTo(7 + 12); // see LONGS and DOUBLES
    assertThat(counts[1]).as("float8 values").isEqualTo(floats);
    assertThat(counts[0] + counts[1]).isEqualTo(oracle().size());
  }

  private static List<String> decoded() {
    List<String> out = new ArrayList<>();
    store.history(
        A,
        FEATURES,
        TYPES,
        null,
        null,
        new HistorySink() {
          @Override
          public void expect(int values) {}

          @Override
          public void value(int f, @Nullable Object v, Instant event, Instant written) {
            out.add(line(FEATURES.get(f), v, event));
          }
        });
    return out;
  }

  /** One row per value, value as text decoded by the codec, oldest first per feature. */
  private static List<String> oracle() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.connection();
        Statement s = c.createStatement()) {
      for (int f = 0; f < FEATURES.size(); f++) {
        try (ResultSet rs =
            s.executeQuery(
                "SELECT DISTINCT ON (event_timestamp) value::text, event_timestamp"
                    + " FROM feature_values WHERE feature_id = '"
                    + FEATURES.get(f)
                    + "' ORDER BY event_timestamp, seq DESC")) {
          while (rs.next()) {
            String json = rs.getString(1);
            out.add(
                line(
                    FEATURES.get(f),
                    json == null ? null : ValueCodec.decode(TYPES.get(f), json),
                    PgRegistry.requiredInstant(rs, 2)));
          }
        }
      }
    }
    return out;
  }

  /** Doubles by their bits (so -0.0 and 0.0 differ), everything else by equality and class. */
  private static String line(UUID f, @Nullable Object v, Instant event) {
    String value =
        v instanceof Double d
            ? d + "/" + Long.toHexString(Double.doubleToRawLongBits(d))
            : v + ":" + (v == null ? "" : v.getClass().getSimpleName());
    return f + " " + event + " " + value;
  }
}
