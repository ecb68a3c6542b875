package io.e2i.featurestore.postgres;

import static io.e2i.featurestore.postgres.PgRegistry.instant;
import static io.e2i.featurestore.postgres.PgRegistry.requiredInstant;
import static io.e2i.featurestore.postgres.PgRegistry.timestamp;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.HistorySink;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feature values in PostgreSQL's append-only {@code feature_values}. Every read picks, per
 * (feature, entity, event time), the row with the highest {@code seq}: the latest written.
 */
public final class PgOfflineStore implements OfflineStore {
  private static final Logger LOG = LoggerFactory.getLogger(PgOfflineStore.class);
  private final PgDatabase db;
  private final PgDatabase readDb; // history, training data, statistics: db or a read replica
  private final PgPartitions partitions = new PgPartitions();
  private final PgQuality quality; // one, so its certificates of unrewritten keys are kept
  private volatile @Nullable ScheduledExecutorService maintenance;
  private volatile PgPitJoin.Parallelism joinParallelism = PgPitJoin.Parallelism.DEFAULT;
  private volatile int historyConnections = 1;

  PgOfflineStore(PgDatabase db) {
    this(db, db.retain());
  }

  /**
   * A store whose history, training data and statistics reads go to {@code readDb} (a read replica:
   * those reads may lag the primary by the replica's delay); everything else to {@code db}.
   */
  PgOfflineStore(PgDatabase db, PgDatabase readDb) {
    this.db = db;
    this.readDb = readDb;
    this.quality = new PgQuality(readDb, db);
  }

  @Override
  public void write(List<ValueRow> rows, Instant writtenAt) {
    if (rows.isEmpty()) {
      return;
    }
    try {
      writeOnce(rows, writtenAt);
    } catch (FeatureStoreException e) {
      if (!(e.getCause() instanceof SQLException sql) || !isMissingPartition(sql)) {
        throw e;
      }
      // A partition this instance knew was dropped by retention (here or on another instance).
      partitions.forget();
      writeOnce(rows, writtenAt);
    }
  }

  private static boolean isMissingPartition(SQLException e) {
    return "23514".equals(e.getSQLState())
        && String.valueOf(e.getMessage()).contains("no partition");
  }

  private void writeOnce(List<ValueRow> rows, Instant writtenAt) {
    try (Connection c = db.connection()) {
      partitions.ensure(c, rows); // autocommit: a created partition stays even if the write fails
      c.setAutoCommit(false);
      try {
        PgWriteLog.record(c, rows); // data quality's proof that no row came out of seq order
        PgCopy.copy(c, rows, writtenAt);
        c.commit();
      } catch (SQLException e) {
        rollbackQuietly(c);
        if (!isDataError(e)) {
          db.evict(c);
        }
        throw e;
      } catch (RuntimeException e) {
        rollbackQuietly(c);
        db.evict(c);
        throw e;
      } finally {
        resetAutoCommit(c);
      }
    } catch (SQLException e) {
      throw PgDatabase.error("writing " + rows.size() + " feature values", e);
    }
  }

  private static boolean isDataError(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the server rolls the transaction back by itself
    }
  }

  static void resetAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException ignored) {
      // broken connection: the pool evicts it
    }
  }

  @Override
  public Map<UUID, StoredValue> latest(
      EntityKey entity,
      Collection<UUID> featureIds,
      @Nullable Instant eventAsOf,
      @Nullable Instant writtenAsOf) {
    if (featureIds.isEmpty()) {
      return Map.of();
    }
    // One index probe per feature: (feature_id, entity_key) then the first row in
    // (event_timestamp DESC, seq DESC) order that passes the bounds.
    String sql =
        "SELECT f.id, v.value::text, v.event_timestamp, v.written_at, v.freshness_status::text"
            + " FROM unnest(?::uuid[]) AS f(id) CROSS JOIN LATERAL ("
            + "SELECT value, event_timestamp, written_at, freshness_status FROM feature_values"
            + " WHERE feature_id = f.id AND entity_key = ?"
            + (eventAsOf == null ? "" : " AND event_timestamp <= ?")
            + (writtenAsOf == null ? "" : " AND written_at <= ?")
            + " ORDER BY event_timestamp DESC, seq DESC LIMIT 1) v";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setArray(i++, uuids(c, featureIds));
      ps.setString(i++, entity.canonical());
      if (eventAsOf != null) {
        ps.setObject(i++, timestamp(eventAsOf));
      }
      if (writtenAsOf != null) {
        ps.setObject(i, timestamp(writtenAsOf));
      }
      Map<UUID, StoredValue> out = new HashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          UUID id = rs.getObject(1, UUID.class);
          out.put(id, stored(id, entity, rs, 2));
        }
      }
      return out;
    } catch (SQLException e) {
      throw PgDatabase.error("reading latest feature values", e);
    }
  }

  @Override
  public List<StoredValue> history(
      EntityKey entity,
      Collection<UUID> featureIds,
      @Nullable Instant start,
      @Nullable Instant end) {
    if (featureIds.isEmpty()) {
      return List.of();
    }
    List<UUID> ids = List.copyOf(featureIds);
    try {
      List<PgHistoryRows> rows = historyRows(entity, ids, start, end);
      List<StoredValue> out = new ArrayList<>(rows.stream().mapToInt(PgHistoryRows::count).sum());
      PgHistoryRows.Instants instants = new PgHistoryRows.Instants(maxCount(rows));
      for (PgHistoryRows r : rows) {
        r.forEach(
            instants,
            false,
            (b, off, len, event, written) ->
                out.add(
                    new StoredValue(
                        r.featureId(),
                        entity,
                        PgHistoryRows.text(b, off, len),
                        event,
                        written,
                        null)));
      }
      return out;
    } catch (SQLException e) {
      throw PgDatabase.error("reading feature history", e);
    }
  }

  /**
   * Decoded straight from the packed rows (no String for plain numbers, no StoredValue, no sort),
   * each feature's values oldest first as they come from the index; a part of the features is
   * decoded while the next part is still read on another connection (see {@link PgHistory#read}).
   */
  @Override
  public void history(
      EntityKey entity,
      List<UUID> featureIds,
      List<ValueType> types,
      @Nullable Instant start,
      @Nullable Instant end,
      HistorySink sink) {
    if (featureIds.isEmpty()) {
      return;
    }
    List<UUID> ids = List.copyOf(featureIds);
    HistoryDecoder decoder = new HistoryDecoder(ids.size(), types, sink);
    try {
      PgHistory.read(
          readDb, new PgHistory.Query(entity, ids, start, end, historyConnections, true), decoder);
    } catch (SQLException e) {
      throw PgDatabase.error("reading feature history", e);
    }
  }

  /** Hands each part's values to the sink, features in the read's order, each oldest first. */
  private static final class HistoryDecoder implements PgHistory.Parts {
    private final int features;
    private final List<ValueType> types;
    private final HistorySink sink;
    private PgHistoryRows.@Nullable Instants instants;
    private int values;

    HistoryDecoder(int features, List<ValueType> types, HistorySink sink) {
      this.features = features;
      this.types = types;
      this.sink = sink;
    }

    @Override
    public void accept(int first, List<UUID> ids, List<PgHistoryRows> rows) throws SQLException {
      Map<UUID, PgHistoryRows> byId = new HashMap<>();
      int count = 0;
      for (PgHistoryRows r : rows) {
        byId.put(r.featureId(), r);
        count += r.count();
      }
      values += count;
      // Presized for all parts: the first part's count scaled to every feature, then exact.
      int rest = features - first - ids.size();
      sink.expect(values + (rest == 0 ? 0 : (int) ((long) count * rest / ids.size())));
      PgHistoryRows.Instants shared = instants;
      if (shared == null) {
        shared = new PgHistoryRows.Instants(maxCount(rows));
        instants = shared;
      }
      for (int j = 0; j < ids.size(); j++) {
        PgHistoryRows r = byId.get(ids.get(j));
        if (r == null) {
          continue;
        }
        int feature = first + j;
        ValueType type = types.get(feature);
        r.forEach(
            shared,
            true,
            new PgHistoryRows.Visitor() {
              @Override
              public void value(byte[] b, int off, int len, Instant event, Instant written) {
                sink.value(
                    feature, len < 0 ? null : ValueCodec.decode(type, b, off, len), event, written);
              }

              @Override
              public void number(double value, Instant event, Instant written) {
                sink.value(feature, PgHistoryRows.number(type, value), event, written);
              }
            });
      }
    }
  }

  private List<PgHistoryRows> historyRows(
      EntityKey entity, List<UUID> ids, @Nullable Instant start, @Nullable Instant end)
      throws SQLException {
    return PgHistory.read(readDb, new PgHistory.Query(entity, ids, start, end, historyConnections));
  }

  private static int maxCount(List<PgHistoryRows> rows) {
    return rows.stream().mapToInt(PgHistoryRows::count).max().orElse(0);
  }

  /** The history query of the decoded read, numbers as float8 (see {@link PgHistory#sql}). */
  static String historySql(boolean withStart, boolean withEnd) {
    return PgHistory.sql(withStart, withEnd, true);
  }

  /**
   * How many connections one history read may use (option {@code history_connections}, default 1):
   * its features are split between them when the pool has idle ones (see {@link PgHistory}).
   */
  void historyConnections(int connections) {
    this.historyConnections = connections;
  }

  private static StoredValue stored(UUID id, EntityKey entity, ResultSet rs, int first)
      throws SQLException {
    String status = rs.getString(first + 3);
    return new StoredValue(
        id,
        entity,
        rs.getString(first),
        requiredInstant(rs, first + 1),
        requiredInstant(rs, first + 2),
        status == null ? null : FreshnessStatus.fromWireName(status));
  }

  /** The status of a row as of {@code now} (parameter), per FreshnessStatus.of; r = the rules. */
  private static final String STATUS_CASE =
      "(CASE WHEN r.max_us IS NOT NULL"
          + " AND v.event_timestamp < ?::timestamptz - r.max_us * interval '1 microsecond'"
          + " THEN 'expired' WHEN r.expected_us IS NOT NULL"
          + " AND v.event_timestamp < ?::timestamptz - r.expected_us * interval '1 microsecond'"
          + " THEN 'stale' ELSE 'fresh' END)::freshness_status";

  private static final String RULES =
      "unnest(?::uuid[], ?::bigint[], ?::bigint[]) AS r(feature_id, expected_us, max_us)";

  @Override
  public long updateFreshness(Collection<FreshnessRule> rules, Instant now) {
    if (rules.isEmpty()) {
      return 0;
    }
    String sql =
        "UPDATE feature_values v SET freshness_status = "
            + STATUS_CASE
            + " FROM "
            + RULES
            + " WHERE v.feature_id = r.feature_id AND v.freshness_status IS DISTINCT FROM "
            + STATUS_CASE;
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, timestamp(now));
      ps.setObject(2, timestamp(now));
      bindRules(c, ps, 3, rules);
      ps.setObject(6, timestamp(now));
      ps.setObject(7, timestamp(now));
      return ps.executeLargeUpdate();
    } catch (SQLException e) {
      throw PgDatabase.error("updating freshness status", e);
    }
  }

  @Override
  public List<FreshnessCounts> freshness(Collection<FreshnessRule> rules, Instant now) {
    if (rules.isEmpty()) {
      return List.of();
    }
    String sql =
        "WITH r AS (SELECT * FROM "
            + RULES
            + "), l AS (SELECT DISTINCT ON (v.feature_id, v.entity_key) v.feature_id,"
            + " v.event_timestamp FROM feature_values v"
            + " WHERE v.feature_id IN (SELECT feature_id FROM r)"
            + " ORDER BY v.feature_id, v.entity_key, v.event_timestamp DESC, v.seq DESC),"
            + " s AS (SELECT v.feature_id, v.event_timestamp, "
            + STATUS_CASE
            + " AS st FROM l v JOIN r USING (feature_id))"
            + " SELECT r.feature_id, count(s.feature_id),"
            + " count(*) FILTER (WHERE s.st = 'fresh'), count(*) FILTER (WHERE s.st = 'stale'),"
            + " count(*) FILTER (WHERE s.st = 'expired'), max(s.event_timestamp)"
            + " FROM r LEFT JOIN s USING (feature_id) GROUP BY r.feature_id";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      bindRules(c, ps, 1, rules);
      ps.setObject(4, timestamp(now));
      ps.setObject(5, timestamp(now));
      List<FreshnessCounts> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new FreshnessCounts(
                  rs.getObject(1, UUID.class),
                  rs.getLong(2),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  instant(rs, 6)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw PgDatabase.error("computing freshness", e);
    }
  }

  private static void bindRules(
      Connection c, PreparedStatement ps, int first, Collection<FreshnessRule> rules)
      throws SQLException {
    UUID[] ids = new UUID[rules.size()];
    Long[] expected = new Long[rules.size()];
    Long[] maxAge = new Long[rules.size()];
    int i = 0;
    for (FreshnessRule rule : rules) {
      ids[i] = rule.featureId();
      expected[i] = micros(rule.expected());
      maxAge[i] = micros(rule.maxAge());
      i++;
    }
    ps.setArray(first, c.createArrayOf("uuid", ids));
    ps.setArray(first + 1, c.createArrayOf("int8", expected));
    ps.setArray(first + 2, c.createArrayOf("int8", maxAge));
  }

  /** 5,000 years: see {@link #micros}. */
  private static final Duration LONGEST_BOUND = Duration.ofDays(1_826_250);

  /**
   * A rule's bound in microseconds for the SQL. Duration.toNanos overflowed past 292 years (a group
   * may declare up to Integer.MAX_VALUE hours): every later freshness update and report failed. And
   * now minus a bound before PostgreSQL's earliest timestamp (4713 BC) is an error, so a longer
   * bound is capped at 5,000 years, which no event (years 0000 to 9999) is older than while now is
   * before year 5000.
   */
  private static @Nullable Long micros(@Nullable Duration d) {
    if (d == null) {
      return null;
    }
    Duration bound = d.compareTo(LONGEST_BOUND) > 0 ? LONGEST_BOUND : d;
    return bound.getSeconds() * 1_000_000L + bound.getNano() / 1000;
  }

  @Override
  public io.e2i.featurestore.spi.QualityQueries quality() {
    return quality;
  }

  @Override
  public FeatureStatistics statistics(UUID featureId, ValueType type, Instant now) {
    try (Connection c = readDb.connection()) {
      return PgStatistics.compute(c, featureId, type, now);
    } catch (SQLException e) {
      throw PgDatabase.error("computing statistics", e);
    }
  }

  @Override
  public void pointInTimeJoin(PitQuery query, PitQuery.RowSink sink) {
    try (Connection c = readDb.connection()) {
      c.setAutoCommit(false); // a cursor (fetch size) needs a transaction; the temp table too
      try {
        PgPitJoin.run(
            c,
            query,
            sink,
            joinParallelism,
            new PgPitChunks.Helpers() {
              @Override
              public Connection connection() {
                return readDb.connection();
              }

              @Override
              public void evict(Connection helper) {
                readDb.evict(helper);
              }
            });
        c.commit(); // drops the temp table
      } catch (SQLException e) {
        rollbackQuietly(c);
        if (!isDataError(e)) {
          readDb.evict(c); // COPY errors are invisible to the pool; never hand out a broken one
        }
        throw e;
      } catch (RuntimeException e) {
        rollbackQuietly(c);
        if (!c.isValid(2)) {
          readDb.evict(c);
        }
        throw e;
      } finally {
        resetAutoCommit(c);
      }
    } catch (SQLException e) {
      throw PgDatabase.error("point-in-time join", e);
    }
  }

  /**
   * How point-in-time joins spread over connections (option {@code pit_join_connections}; tests
   * force small chunks).
   */
  void joinParallelism(PgPitJoin.Parallelism parallelism) {
    this.joinParallelism = parallelism;
  }

  static Array uuids(Connection c, Collection<UUID> ids) throws SQLException {
    return c.createArrayOf("uuid", ids.toArray(new UUID[0]));
  }

  // ---------------------------------------------------------------- partitions

  /**
   * One maintenance round (issue 15): partitions for this month and the next {@value
   * PgPartitions#MONTHS_AHEAD}, and retention per group. Skipped while another instance runs one.
   */
  PgPartitions.Report maintainPartitions(Instant now, List<PgPartitions.GroupRetention> groups) {
    try (Connection c = db.connection()) {
      return partitions.maintain(c, now, groups);
    } catch (SQLException e) {
      throw PgDatabase.error("maintaining partitions", e);
    }
  }

  /** Runs {@link #maintainPartitions} now and then every {@code period}, on a daemon thread. */
  void scheduleMaintenance(Duration period, Supplier<List<PgPartitions.GroupRetention>> groups) {
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("featurestore-pg-partitions").factory());
    maintenance = s;
    s.scheduleWithFixedDelay(
        () -> {
          try {
            PgPartitions.Report r = maintainPartitions(Instant.now(), groups.get());
            LOG.debug("partition maintenance: {}", r);
          } catch (RuntimeException e) {
            if (!s.isShutdown()) { // not a round cut short by close()
              LOG.warn("partition maintenance failed; next try in {}", period, e);
            }
          }
        },
        0,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Computation queries run on the primary: the source tables live there. */
  @Override
  public io.e2i.featurestore.spi.PipelineBackend pipelines() {
    return new PgPipelines(db);
  }

  @Override
  public boolean isHealthy() {
    return db.isHealthy() && (readDb == db || readDb.isHealthy());
  }

  @Override
  public String describe() {
    return readDb == db
        ? db.describe()
        : db.describe() + " (history and training data from " + readDb.describe() + ")";
  }

  @Override
  public void close() {
    ScheduledExecutorService s = maintenance;
    if (s != null) {
      s.shutdownNow();
    }
    readDb.close();
    db.close();
  }
}
