package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store's own guarantees on a real PostgreSQL, below the facade. */
class PgOfflineStoreTest {
  private static final Instant T0 = Instant.parse("2025-12-18T12:00:00Z");
  private static PgDatabase db;
  private static PgOfflineStore store;
  private static PgRegistry registry;
  private UUID num;
  private UUID str;

  @BeforeAll
  static void open() {
    String url = TestPostgres.newDatabase();
    PgMigrations.migrate(url);
    db = PgDatabase.open(url, Map.of());
    store = new PgOfflineStore(db.retain());
    registry = new PgRegistry(db.retain());
  }

  @AfterAll
  static void close() {
    store.close();
    registry.close();
    db.close();
  }

  @BeforeEach
  void features() {
    sql(
        "TRUNCATE feature_values, features, feature_groups, training_sets RESTART IDENTITY CASCADE");
    registry.insertGroup(
        FeatureGroup.builder("g").expectedUpdateFrequencyHours(1).maxAgeHours(2).build());
    num = feature("num", ValueType.FLOAT64);
    str = feature("str", ValueType.STRING);
  }

  private static UUID feature(String name, ValueType type) {
    Feature f =
        new Feature(
            UUID.randomUUID(),
            "g",
            name,
            1,
            type,
            List.of("id"),
            null,
            null,
            null,
            null,
            null,
            null,
            T0);
    assertThat(registry.insertFeature(f)).isTrue();
    return f.id();
  }

  private static EntityKey e(String id) {
    return EntityKey.of("id", id);
  }

  @Test
  void aFailingRowInTheMiddleOfACopyStoresNothing() {
    List<ValueRow> rows = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      rows.add(new ValueRow(num, e("E" + i), (double) i, T0));
    }
    // NaN encodes as a bare NaN, which is not JSON: PostgreSQL rejects that row mid-COPY.
    rows.set(2500, new ValueRow(num, e("E2500"), Double.NaN, T0));
    assertThatThrownBy(() -> store.write(rows, T0))
        .isInstanceOf(FeatureStoreException.class)
        .satisfies(
            ex ->
                assertThat(((FeatureStoreException) ex).code())
                    .isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("nothing was written");
    assertThat(count()).isZero();
    rows.set(2500, new ValueRow(num, e("E2500"), 2500.0, T0));
    store.write(rows, T0);
    assertThat(count()).isEqualTo(5000);
  }

  @Test
  void textThatNeedsEscapingRoundTrips() {
    String nasty = "tab\there\nnewline\\backslash \"quote\" \r ünïcødé 🚀 \\N";
    EntityKey entity = EntityKey.of(Map.of("id", nasty, "k2", "a\tb"));
    store.write(
        List.of(new ValueRow(str, entity, nasty, T0), new ValueRow(str, e("null"), null, T0)), T0);
    StoredValue v = store.latest(entity, List.of(str), null, null).get(str);
    assertThat(v.valueJson()).isEqualTo(io.e2i.featurestore.ValueCodec.encode(nasty));
    assertThat(v.entity()).isEqualTo(entity);
    assertThat(store.latest(e("null"), List.of(str), null, null).get(str).valueJson()).isNull();
    assertThat(
            MigrationsQuery.one(
                "SELECT entity_key::jsonb->>'id' FROM feature_values WHERE entity_key = '"
                    + entity.canonical().replace("'", "''")
                    + "'"))
        .isEqualTo(nasty);
  }

  @Test
  void aLaterRowForTheSameEventTimeInOneWriteWinsThoughRowsAreReordered() {
    // Out of index order (B before A, older event time first): the COPY sorts them, stably.
    store.write(
        List.of(
            new ValueRow(num, e("B"), 9.0, T0),
            new ValueRow(num, e("A"), 1.0, T0),
            new ValueRow(num, e("A"), 0.5, T0.minusSeconds(60)),
            new ValueRow(num, e("A"), 2.0, T0),
            new ValueRow(num, e("A"), 3.0, T0)),
        T0);
    assertThat(store.latest(e("A"), List.of(num), null, null).get(num).valueJson())
        .isEqualTo("3.0");
    assertThat(store.history(e("A"), List.of(num), null, null))
        .extracting(StoredValue::valueJson)
        .containsExactly("3.0", "0.5");
    assertThat(store.latest(e("B"), List.of(num), null, null).get(num).valueJson())
        .isEqualTo("9.0");
  }

  @Test
  void timestampsKeepTheirMicrosecondsOnBothSidesOfPostgresEpoch() {
    Instant before = Instant.parse("1999-12-31T23:59:59.999999Z");
    Instant after = Instant.parse("2000-01-01T00:00:00.000001Z");
    Instant old = Instant.parse("1901-06-30T12:34:56.123456Z");
    Instant written = Instant.parse("2025-12-18T12:00:00.654321Z");
    store.write(
        List.of(
            new ValueRow(num, e("A"), 1.0, before),
            new ValueRow(num, e("A"), 2.0, after),
            new ValueRow(num, e("A"), 3.0, old)),
        written);
    assertThat(store.history(e("A"), List.of(num), null, null))
        .extracting(StoredValue::eventTimestamp)
        .containsExactly(after, before, old);
    assertThat(store.latest(e("A"), List.of(num), null, null).get(num).writtenAt())
        .isEqualTo(written);
    assertThat(
            MigrationsQuery.one(
                "SELECT to_char(min(event_timestamp) AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD HH24:MI:SS.US') FROM feature_values"))
        .isEqualTo("1901-06-30 12:34:56.123456");
  }

  @Test
  void rewritesAppendAndSupersedeButOlderRowsStayForAsOfReads() {
    Instant w1 = T0.plusSeconds(10);
    Instant w2 = T0.plusSeconds(20);
    store.write(List.of(new ValueRow(num, e("A"), 1.0, T0)), w1);
    store.write(List.of(new ValueRow(num, e("A"), 2.0, T0)), w2);
    assertThat(count()).isEqualTo(2);
    assertThat(store.latest(e("A"), List.of(num), null, null).get(num).valueJson())
        .isEqualTo("2.0");
    assertThat(store.latest(e("A"), List.of(num), null, w1).get(num).valueJson()).isEqualTo("1.0");
    assertThat(store.latest(e("A"), List.of(num), null, T0)).isEmpty();
    assertThat(store.history(e("A"), List.of(num), null, null))
        .singleElement()
        .satisfies(v -> assertThat(v.valueJson()).isEqualTo("2.0"))
        .satisfies(v -> assertThat(v.writtenAt()).isEqualTo(w2));
    assertThat(store.statistics(num, ValueType.FLOAT64, T0).count()).isEqualTo(1);
  }

  @Test
  void latestIsOneIndexedQuery() {
    List<ValueRow> rows = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      rows.add(new ValueRow(num, e("E" + (i % 500)), (double) i, T0.plusSeconds(i)));
    }
    store.write(rows, T0);
    sql("ANALYZE feature_values");
    String plan =
        String.join(
            "\n",
            MigrationsQuery.all(
                "EXPLAIN SELECT f.id, v.value FROM unnest(ARRAY['"
                    + num
                    + "'::uuid]) AS f(id) CROSS JOIN LATERAL (SELECT value FROM feature_values"
                    + " WHERE feature_id = f.id AND entity_key = '{\"id\":\"E7\"}' ORDER BY"
                    + " event_timestamp DESC, seq DESC LIMIT 1) v"));
    // Each monthly partition has its part of feature_values_read_idx, named after the partition.
    assertThat(plan).contains("Index Only Scan using feature_values_y").doesNotContain("Seq Scan");
    assertThat(store.latest(e("E7"), List.of(num, str), null, null))
        .containsOnlyKeys(num)
        .extractingByKey(num)
        .satisfies(v -> assertThat(v.valueJson()).isEqualTo("19507.0"));
  }

  @Test
  void historyIsAnIndexOnlyWalkWithoutSort() {
    List<ValueRow> rows = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      rows.add(new ValueRow(num, e("E" + (i % 50)), (double) i, T0.plusSeconds(i)));
    }
    store.write(rows, T0);
    // Index-only scans need the visibility map, which VACUUM sets only once the inserting commit is
    // flushed (the test server commits asynchronously, zonky's default): CHECKPOINT flushes it.
    sql("CHECKPOINT");
    sql("VACUUM ANALYZE feature_values");
    String query =
        PgOfflineStore.historySql(true, false)
            .replaceFirst("\\?", "ARRAY['" + num + "'::uuid]")
            .replaceFirst("\\?", "'{\"id\":\"E7\"}'")
            .replaceFirst("\\?", "'" + T0 + "'::timestamptz");
    String plan = String.join("\n", MigrationsQuery.all("EXPLAIN (ANALYZE) " + query));
    assertThat(plan)
        .contains("Index Only Scan using feature_values_y2025m12")
        .contains("Heap Fetches: 0")
        // Only the months ahead, still empty, are read without the index (nothing to read);
        // with them the planner may sort the 400 rows instead of merging ordered scans.
        .doesNotContain("Seq Scan on feature_values_y2025m12");
    assertThat(store.history(e("E7"), List.of(num), T0, null)).hasSize(400);
  }

  @Test
  void freshnessIsComputedAndPersistedInSql() {
    Instant now = T0.plus(Duration.ofHours(10));
    store.write(
        List.of(
            new ValueRow(num, e("fresh"), 1.0, now.minus(Duration.ofHours(1))),
            new ValueRow(num, e("stale"), 1.0, now.minus(Duration.ofHours(2))),
            new ValueRow(num, e("expired"), 1.0, now.minus(Duration.ofHours(2)).minusNanos(1000)),
            // an older value of "fresh": not its latest, so not counted
            new ValueRow(num, e("fresh"), 1.0, T0)),
        T0);
    FreshnessRule rule = new FreshnessRule(num, Duration.ofHours(1), Duration.ofHours(2));
    FreshnessRule none = new FreshnessRule(str, null, null);
    List<FreshnessCounts> counts = store.freshness(List.of(rule, none), now);
    assertThat(counts)
        .contains(
            new FreshnessCounts(num, 3, 1, 1, 1, now.minus(Duration.ofHours(1))),
            new FreshnessCounts(str, 0, 0, 0, 0, null));
    assertThat(store.updateFreshness(List.of(rule), now)).isEqualTo(4);
    assertThat(store.updateFreshness(List.of(rule), now)).isZero();
    assertThat(store.latest(e("stale"), List.of(num), null, null).get(num).persistedStatus())
        .isEqualTo(FreshnessStatus.STALE);
    assertThat(store.latest(e("fresh"), List.of(num), null, null).get(num).persistedStatus())
        .isEqualTo(FreshnessStatus.FRESH);
  }

  /**
   * Events centuries away and bounds of up to Integer.MAX_VALUE hours (what a group may declare):
   * the embedded store overflowed counting an age in nanoseconds (54ba356); here the bound did
   * (Duration.toNanos past 292 years), a 500 on every later freshness update and report.
   */
  @Test
  void freshnessWithEventsAndBoundsCenturiesLong() {
    Instant now = T0.plus(Duration.ofHours(10));
    store.write(
        List.of(
            new ValueRow(num, e("y1700"), 1.0, Instant.parse("1700-01-01T00:00:00Z")),
            new ValueRow(num, e("y0001"), 1.0, Instant.parse("0001-01-01T00:00:00Z")),
            new ValueRow(num, e("y9999"), 1.0, Instant.parse("9999-06-01T00:00:00Z"))),
        T0);
    FreshnessRule longest =
        new FreshnessRule(
            num, Duration.ofHours(Integer.MAX_VALUE - 1L), Duration.ofHours(Integer.MAX_VALUE));
    assertThat(store.freshness(List.of(longest), now))
        .containsExactly(
            new FreshnessCounts(num, 3, 3, 0, 0, Instant.parse("9999-06-01T00:00:00Z")));
    assertThat(store.updateFreshness(List.of(longest), now)).isEqualTo(3);
    FreshnessRule centuries =
        new FreshnessRule(num, Duration.ofDays(365L * 200), Duration.ofDays(365L * 400));
    assertThat(store.freshness(List.of(centuries), now))
        .containsExactly(
            new FreshnessCounts(num, 3, 1, 1, 1, Instant.parse("9999-06-01T00:00:00Z")));
    assertThat(store.updateFreshness(List.of(centuries), now)).isEqualTo(2);
    assertThat(store.latest(e("y0001"), List.of(num), null, null).get(num).persistedStatus())
        .isEqualTo(FreshnessStatus.EXPIRED);
  }

  @Test
  void eventsAtTheEdgesOfTheAcceptedYearsGetTheirMonthsAndReadBack() {
    // ValueType's range: years 0000 to 9999 at any offset, i.e. from 1 BC to year 10000 in UTC,
    // whose months' bounds PostgreSQL reads neither signed nor as year 0
    List<Instant> edges =
        List.of(
            ValueType.MIN_TIMESTAMP,
            Instant.parse("0000-06-15T00:00:00Z"),
            Instant.parse("9999-12-31T23:00:00Z"),
            ValueType.MAX_TIMESTAMP.truncatedTo(ChronoUnit.MICROS));
    List<ValueRow> rows = new ArrayList<>();
    for (int i = 0; i < edges.size(); i++) {
      rows.add(new ValueRow(num, e("edge"), (double) i, edges.get(i)));
    }
    store.write(rows, T0);
    assertThat(store.history(e("edge"), List.of(num), null, null))
        .extracting(StoredValue::eventTimestamp)
        .containsExactlyInAnyOrderElementsOf(edges);
    PgPartitions.Report r = store.maintainPartitions(T0, List.of());
    assertThat(r.skipped()).isFalse();
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      List<PgPartitions.Partition> parts = PgPartitions.list(c);
      c.rollback();
      assertThat(parts)
          .extracting(PgPartitions.Partition::lower)
          .contains(
              Instant.parse("-0001-12-01T00:00:00Z"),
              Instant.parse("0000-06-01T00:00:00Z"),
              Instant.parse("9999-12-01T00:00:00Z"),
              Instant.parse("+10000-01-01T00:00:00Z"));
    } catch (SQLException ex) {
      throw new AssertionError(ex);
    }
  }

  @Test
  void statisticsOfStringsAndHistogramOfNumbers() {
    List<ValueRow> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      for (int j = 0; j <= i; j++) {
        rows.add(new ValueRow(str, e("E" + i + "_" + j), "v" + i, T0));
      }
    }
    for (int i = 0; i <= 100; i++) {
      rows.add(new ValueRow(num, e("E" + i), (double) i, T0));
    }
    store.write(rows, T0);
    FeatureStatistics s = store.statistics(str, ValueType.STRING, T0);
    assertThat(s.count()).isEqualTo(78);
    assertThat(s.distinct()).isEqualTo(12);
    assertThat(s.min()).isNull();
    assertThat(s.topValues()).hasSize(10);
    assertThat(s.topValues().getFirst()).isEqualTo(new FeatureStatistics.ValueCount("v11", 12));
    assertThat(s.topValues().getLast()).isEqualTo(new FeatureStatistics.ValueCount("v2", 3));

    FeatureStatistics n = store.statistics(num, ValueType.FLOAT64, T0);
    assertThat(n.p99()).isCloseTo(99.0, within(1e-9));
    assertThat(n.histogram()).hasSize(10);
    assertThat(n.histogram().getFirst()).isEqualTo(new FeatureStatistics.Bucket(0, 10, 10));
    assertThat(n.histogram().getLast()).isEqualTo(new FeatureStatistics.Bucket(90, 100, 11));
    assertThat(n.histogram().stream().mapToLong(FeatureStatistics.Bucket::count).sum())
        .isEqualTo(101);
  }

  @Test
  void seedViewsAnswer() {
    store.write(
        List.of(
            new ValueRow(num, e("A"), 1.0, T0), new ValueRow(num, e("A"), 3.0, T0.plusSeconds(1))),
        T0);
    assertThat(MigrationsQuery.one("SELECT value::text FROM feature_values_latest"))
        .isEqualTo("3.0");
    assertThat(
            MigrationsQuery.one(
                "SELECT feature_group || '.' || feature_name || '=' || total_entities"
                    + " FROM feature_freshness_monitor WHERE feature_name = 'num'"))
        .isEqualTo("g.num=1");
  }

  @Test
  void trainingSetDefinitionsAreSavedAndReplacedByName() {
    registry.saveTrainingSet("ts", "{\"a\": 1}");
    registry.saveTrainingSet("ts", "{\"a\": 2}");
    registry.saveTrainingSet("other", "{}");
    assertThat(registry.loadTrainingSets())
        .containsExactly(Map.entry("other", "{}"), Map.entry("ts", "{\"a\": 2}"));
  }

  /**
   * value_num (V11) is, to the bit, the double PostgreSQL's {@code (value)::float8} gives for the
   * stored JSON, so a drift reads the same numbers from either: integers beyond 2^53 (rounded to
   * nearest even by both), many digits, subnormals, zero and negative zero (the numeric has no sign
   * for zero), the largest doubles, random bit patterns and longs. Other values and nulls have
   * none.
   */
  @Test
  void valueNumIsTheDoublePostgresCastsTheJsonTo() {
    UUID integer = feature("int", ValueType.INT64);
    List<ValueRow> rows = new ArrayList<>();
    List<Double> doubles =
        new ArrayList<>(
            List.of(
                0.0,
                -0.0,
                0.1,
                1.0 / 3,
                -2.5,
                123456789.123456789,
                1e22,
                1e23,
                9.007199254740993e15,
                Double.MIN_VALUE,
                -Double.MIN_VALUE,
                1e-320,
                Math.nextDown(Double.MIN_NORMAL),
                Double.MIN_NORMAL,
                Double.MAX_VALUE,
                -Double.MAX_VALUE,
                Math.nextDown(Double.MAX_VALUE),
                1.7976931348623157e308 / 3));
    List<Long> longs =
        new ArrayList<>(
            List.of(
                0L,
                -1L,
                (1L << 53) + 1,
                (1L << 53) + 3,
                -((1L << 53) + 1),
                999_999_999_999_999_999L,
                Long.MAX_VALUE,
                Long.MIN_VALUE,
                Long.MAX_VALUE - 512));
    java.util.Random rnd = new java.util.Random(42);
    while (doubles.size() < 3000) {
      double d = Double.longBitsToDouble(rnd.nextLong());
      if (Double.isFinite(d)) {
        doubles.add(d);
      }
      doubles.add(rnd.nextGaussian() * Math.pow(10, rnd.nextInt(40) - 20));
    }
    while (longs.size() < 1000) {
      longs.add(rnd.nextLong() >> rnd.nextInt(64));
    }
    for (int i = 0; i < doubles.size(); i++) {
      rows.add(new ValueRow(num, e("D" + i), doubles.get(i), T0));
    }
    for (int i = 0; i < longs.size(); i++) {
      rows.add(new ValueRow(integer, e("L" + i), longs.get(i), T0));
    }
    rows.add(new ValueRow(num, e("null"), null, T0));
    rows.add(new ValueRow(str, e("s"), "1.5", T0));
    rows.add(new ValueRow(str, e("t"), "x", T0));
    store.write(rows, T0);
    assertThat(
            MigrationsQuery.all(
                "SELECT entity_key || ' ' || value || ' ' || coalesce(value_num::text, 'none')"
                    + " FROM feature_values WHERE jsonb_typeof(value) = 'number'"
                    + " AND (value_num IS NULL OR float8send(value_num)"
                    + " <> float8send((value)::float8)) LIMIT 10"))
        .as("numbers whose value_num is not their cast")
        .isEmpty();
    assertThat(
            MigrationsQuery.one(
                "SELECT count(*) FILTER (WHERE jsonb_typeof(value) = 'number') || ' '"
                    + " || count(*) FILTER (WHERE value_num IS NULL) FROM feature_values"))
        .isEqualTo((doubles.size() + longs.size()) + " 3");
    assertThat(
            MigrationsQuery.all(
                "SELECT float8send(value_num)::text FROM feature_values WHERE feature_id = '"
                    + num
                    + "' AND value = '0'"))
        .containsExactly("\\x0000000000000000", "\\x0000000000000000"); // from 0.0 and -0.0
  }

  private static long count() {
    return Long.parseLong(MigrationsQuery.one("SELECT count(*) FROM feature_values"));
  }

  private static void sql(String statement) {
    try (Connection c = db.connection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Small helpers to read what is really in the tables. */
  static final class MigrationsQuery {
    static String one(String query) {
      List<String> all = all(query);
      assertThat(all).hasSize(1);
      return all.getFirst();
    }

    static List<String> all(String query) {
      try (Connection c = db.connection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(query)) {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
          out.add(rs.getString(1));
        }
        return out;
      } catch (SQLException ex) {
        throw new IllegalStateException(ex);
      }
    }
  }
}
