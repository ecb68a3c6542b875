package io.e2i.featurestore.embedded;

import static io.e2i.featurestore.embedded.DuckDbDatabase.NO_RESULT;
import static io.e2i.featurestore.embedded.DuckDbDatabase.instant;
import static io.e2i.featurestore.embedded.DuckDbDatabase.micros;

import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureStatistics;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.FreshnessStatus;
import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.FreshnessCounts;
import io.e2i.featurestore.spi.FreshnessRule;
import io.e2i.featurestore.spi.OfflineStore;
import io.e2i.featurestore.spi.PipelineBackend;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.StoredValue;
import io.e2i.featurestore.spi.ValueRow;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feature values in the embedded DuckDB file: append-only rows, each with a write sequence number
 * so that the latest written of two rows with the same (feature, entity, event time) is known.
 * Online reads without bounds are served from the in-memory {@link LatestIndex}; everything else is
 * SQL.
 */
public final class DuckDbOfflineStore implements OfflineStore {
  private static final String COLUMNS =
      "CAST(feature_id AS VARCHAR), value_json, epoch_us(event_timestamp), epoch_us(written_at),"
          + " freshness_status";

  private static final Logger LOG = LoggerFactory.getLogger(DuckDbOfflineStore.class);

  final DuckDbDatabase db; // package-private for DuckDbPipelines in tests
  private final DuckDbQuality quality;
  private final LatestIndex index = new LatestIndex();
  private final DuckDbPipelines pipelines;
  private final Thread indexLoader;
  private volatile boolean indexReady; // the index holds every committed row
  private volatile @Nullable Statement indexQuery; // the loader's, cancelled by close
  // Value writes take turns here (fair); the writer that gets it commits every call queued
  // meanwhile. Not the database's write lock: while a checkpoint holds that, writes go on into the
  // journal (issue 15).
  private final ReentrantLock valueLock = new ReentrantLock(true);
  private final WriteJournal journal;
  private boolean diverted; // guarded by valueLock: value writes go to the journal
  private int journalApplied; // guarded by the database's write lock: journal rows in DuckDB
  private long nextSeq; // guarded by valueLock
  // Every row with a seq up to this one is in the index (written after each commit's offers).
  private volatile long offeredSeq;
  // Every row with a seq up to this one is in DuckDB (journaled rows are until applied).
  private volatile long appliedSeq;
  private final ConcurrentLinkedQueue<PendingWrite> pending = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  /** Test hook: run by the index loader before it reads; may block to hold the load back. */
  static volatile Runnable beforeIndexLoad = () -> {};

  /** Test hook: false leaves value writes waiting for each checkpoint, as before the journal. */
  static volatile boolean journalDuringCheckpoints = true;

  /** Test hook: run once the journal's rows are committed to DuckDB, before it is emptied. */
  static volatile Runnable afterJournalApplied = () -> {};

  /** Test hook: called before each row is appended; may throw to simulate a failure mid-write. */
  volatile @Nullable IntConsumer beforeRow;

  DuckDbOfflineStore(DuckDbDatabase db) {
    this.db = db.retain();
    this.quality = new DuckDbQuality(this.db);
    WriteJournal opened = null;
    try {
      nextSeq = readNextSeq();
      opened = WriteJournal.open(db.file());
      journal = opened;
      replayJournal();
      offeredSeq = nextSeq - 1; // once the loader is done, which the freshness update awaits
      appliedSeq = nextSeq - 1;
      pipelines = new DuckDbPipelines(db);
    } catch (SQLException | IOException | RuntimeException e) {
      closeQuietly(opened);
      db.release();
      throw FeatureStoreException.unavailable(
          "cannot read the embedded store " + db.file() + ": " + e.getMessage(), e);
    }
    if (journalDuringCheckpoints) {
      db.divertWritesDuringCheckpoints(diversion);
    }
    indexLoader =
        Thread.ofPlatform().daemon().name("featurestore-embedded-index").start(this::loadIndex);
  }

  private long readNextSeq() throws SQLException {
    return db.read(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery("SELECT coalesce(max(seq), 0) + 1 FROM feature_values")) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  /**
   * Applies what a previous process journaled and did not apply (it stopped during or just after a
   * checkpoint), before the store serves: the rows with a seq above the table's highest, which the
   * journal holds in seq order.
   */
  private void replayJournal() throws SQLException, IOException {
    long first = nextSeq;
    List<WriteJournal.Row> rows = journal.rows().stream().filter(r -> r.seq() >= first).toList();
    if (!rows.isEmpty()) {
      db.write(c -> appendRows(c, rows));
      nextSeq = rows.getLast().seq() + 1;
      LOG.info("applied {} journaled values to {}", rows.size(), db.file());
    }
    journal.clear();
  }

  /**
   * Fills the latest-value index from the file, in the background: opening a large store (a CLI
   * command, a restarting server) does not wait for it (about 10 s per million rows on two cores).
   * Until it is done, online reads query DuckDB, which is correct but takes milliseconds. Writes
   * meanwhile offer their rows as usual: an offer keeps the later of two entries, so it does not
   * matter which of a write and the loader offers first. Freshness updates wait for the load.
   */
  private void loadIndex() {
    long started = System.nanoTime();
    try {
      beforeIndexLoad.run();
      db.read(
          c -> {
            try (Statement s = c.createStatement()) {
              indexQuery = s;
              if (closed) {
                return NO_RESULT;
              }
              try (ResultSet rs =
                  s.executeQuery(
                      "SELECT entity, "
                          + COLUMNS
                          + ", seq FROM feature_values QUALIFY row_number() OVER (PARTITION BY"
                          + " feature_id, entity ORDER BY event_timestamp DESC, seq DESC) = 1")) {
                Map<String, UUID> ids = new HashMap<>(); // few features, many rows
                while (!closed && rs.next()) {
                  index.offer(
                      rs.getString(1),
                      new LatestIndex.Entry(
                          ids.computeIfAbsent(rs.getString(2), UUID::fromString),
                          rs.getString(3),
                          rs.getLong(4),
                          rs.getLong(5),
                          rs.getLong(7),
                          status(rs.getString(6))));
                }
              }
            } finally {
              indexQuery = null;
            }
            return NO_RESULT;
          });
      if (!closed) {
        indexReady = true;
        LOG.debug(
            "latest-value index of {} loaded: {} entities in {} ms",
            db.file(),
            index.entities(),
            (System.nanoTime() - started) / 1_000_000);
      }
    } catch (SQLException | RuntimeException e) {
      if (!closed) {
        LOG.warn("latest-value index of {} not loaded; online reads query DuckDB", db.file(), e);
      }
    }
  }

  /** Waits for the background index load (done or failed). */
  void awaitIndex() {
    DuckDbDatabase.joinUninterruptibly(indexLoader);
  }

  // ---------------------------------------------------------------- writes

  @Override
  public void write(List<ValueRow> rows, Instant writtenAt) {
    if (rows.isEmpty()) {
      return;
    }
    long writtenMicros = micros(writtenAt);
    String[] entities = new String[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      ValueRow row = rows.get(i);
      if (row == null
          || row.featureId() == null
          || row.entity() == null
          || row.eventTimestamp() == null) {
        throw FeatureStoreException.invalid(
            "value #" + (i + 1) + " lacks a feature, entity or event time; nothing was written");
      }
      entities[i] = row.entity().canonical();
    }
    PendingWrite mine = new PendingWrite(rows, entities, writtenMicros);
    pending.add(mine);
    ReentrantLock lock = valueLock;
    lock.lock();
    try {
      if (!mine.done) {
        List<PendingWrite> group = new ArrayList<>();
        for (PendingWrite w = pending.poll(); w != null; w = pending.poll()) {
          group.add(w);
        }
        try {
          commit(group);
        } finally {
          for (PendingWrite w : group) {
            if (!w.done) { // an Error escaped the commit: none of these may look written
              w.failure = FeatureStoreException.unavailable("embedded store: write failed", null);
              w.done = true;
            }
          }
        }
      }
    } finally {
      lock.unlock();
    }
    RuntimeException failure = mine.failure;
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * One write call waiting for the writer. Its fields after {@code rows} are written under the
   * value lock by whichever caller commits it; the caller reads them after taking the lock.
   */
  private static final class PendingWrite {
    final List<ValueRow> rows;
    final String[] entities;
    final long writtenMicros;
    final String[] json;
    final long[] events;
    boolean done;
    @Nullable RuntimeException failure;

    PendingWrite(List<ValueRow> rows, String[] entities, long writtenMicros) {
      this.rows = rows;
      this.entities = entities;
      this.writtenMicros = writtenMicros;
      this.json = new String[rows.size()];
      this.events = new long[rows.size()];
    }

    /**
     * Row i as it is stored: its JSON and event time kept for the index's offer after the commit;
     * the test hook runs first (it may throw to fail the write mid-way).
     */
    ValueRow stored(int i, @Nullable IntConsumer hook) {
      if (hook != null) {
        hook.accept(i);
      }
      ValueRow row = rows.get(i);
      json[i] = row.json();
      events[i] = micros(row.eventTimestamp());
      return row;
    }
  }

  /**
   * Group commit (issue 15): the caller that gets the writer commits every call queued meanwhile in
   * one transaction, so 8 writers pay for one commit instead of queueing for eight. If the group
   * fails, each call is tried alone, so one call's failure never fails another.
   */
  private void commit(List<PendingWrite> group) {
    try {
      append(group);
    } catch (RuntimeException e) {
      if (group.size() == 1) {
        group.getFirst().failure = e;
      } else {
        for (PendingWrite w : group) {
          try {
            append(List.of(w));
          } catch (RuntimeException alone) {
            w.failure = alone;
          }
        }
      }
    }
    group.forEach(w -> w.done = true);
  }

  /**
   * Appends the calls' rows in one DuckDB transaction, or to the journal while a checkpoint runs;
   * then, committed, offers them to the index.
   */
  private void append(List<PendingWrite> group) {
    if (diverted) {
      journal(group);
    } else {
      appendToDuckDb(group);
    }
  }

  private void appendToDuckDb(List<PendingWrite> group) {
    long firstSeq = nextSeq;
    call(
        "write",
        () ->
            db.write(
                c -> {
                  IntConsumer hook = beforeRow;
                  try (DuckDBAppender appender = appender(c)) {
                    long seq = firstSeq;
                    for (PendingWrite w : group) {
                      for (int i = 0; i < w.entities.length; i++) {
                        ValueRow row = w.stored(i, hook);
                        appendRow(
                            appender,
                            row.featureId(),
                            w.entities[i],
                            w.json[i],
                            w.events[i],
                            w.writtenMicros,
                            seq++);
                      }
                    }
                  }
                  return NO_RESULT;
                }));
    appliedSeq = offer(group, firstSeq);
  }

  /**
   * Appends the calls' rows to the journal, forced to disk, as one record; then offers them to the
   * index. They reach DuckDB after the checkpoint, with these seqs.
   */
  private void journal(List<PendingWrite> group) {
    db.checkOpen();
    IntConsumer hook = beforeRow;
    List<WriteJournal.Row> rows = new ArrayList<>();
    long seq = nextSeq;
    for (PendingWrite w : group) {
      for (int i = 0; i < w.entities.length; i++) {
        ValueRow row = w.stored(i, hook);
        rows.add(
            new WriteJournal.Row(
                row.featureId(), w.entities[i], w.json[i], w.events[i], w.writtenMicros, seq++));
      }
    }
    try {
      journal.append(rows);
    } catch (IOException e) {
      throw FeatureStoreException.unavailable(
          "embedded store: write failed: cannot write the journal " + journal.path(), e);
    }
    offer(group, rows.getFirst().seq());
  }

  /** Offers the calls' stored rows to the index; returns the last seq. */
  private long offer(List<PendingWrite> group, long firstSeq) {
    // Committed: only now may readers see the rows.
    long seq = firstSeq;
    for (PendingWrite w : group) {
      for (int i = 0; i < w.entities.length; i++) {
        index.offer(
            w.entities[i],
            new LatestIndex.Entry(
                w.rows.get(i).featureId(), w.json[i], w.events[i], w.writtenMicros, seq++, null));
      }
    }
    nextSeq = seq;
    offeredSeq = seq - 1;
    return seq - 1;
  }

  /** Journaled rows into DuckDB, with their seqs, on the writer's connection. */
  private static Object appendRows(Connection c, List<WriteJournal.Row> rows) throws SQLException {
    try (DuckDBAppender appender = appender(c)) {
      for (WriteJournal.Row r : rows) {
        appendRow(
            appender,
            r.featureId(),
            r.entity(),
            r.json(),
            r.eventMicros(),
            r.writtenMicros(),
            r.seq());
      }
    }
    return NO_RESULT;
  }

  /**
   * An appender of {@code feature_values} in {@code c}'s transaction. It joins the connection's
   * transaction only if one is active, otherwise it commits on its own; a statement first opens it,
   * so a failure rolls back every appended row (see the mid-batch failure test).
   */
  private static DuckDBAppender appender(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SELECT 1");
    }
    return ((DuckDBConnection) c).createAppender("main", "feature_values");
  }

  /** One row of {@code feature_values}, with no persisted status yet. */
  private static void appendRow(
      DuckDBAppender appender,
      UUID featureId,
      String entity,
      @Nullable String json,
      long eventMicros,
      long writtenMicros,
      long seq)
      throws SQLException {
    appender.beginRow();
    appender.append(featureId);
    appender.append(entity);
    appender.append(json);
    appender.appendEpochMicros(eventMicros);
    appender.appendEpochMicros(writtenMicros);
    appender.append(seq);
    appender.append((String) null);
    appender.endRow();
  }

  /** What the checkpointer has the store do around each checkpoint. */
  private final Checkpointer.Diversion diversion =
      new Checkpointer.Diversion() {
        @Override
        public void divert() {
          valueLock.lock();
          try {
            diverted = true;
          } finally {
            valueLock.unlock();
          }
        }

        @Override
        public void restore() throws SQLException, IOException {
          restoreWrites();
        }
      };

  /** Rows applied per pass while writes go on into the journal; fewer go with writes held. */
  private static final int RESTORE_PASS_ROWS = 1_000;

  /**
   * Holding the database's write lock: applies the journal to DuckDB while writes go on into it, a
   * few passes, then the rest with value writes held back (a few hundred rows at most, so a few
   * milliseconds), empties it and sends value writes back to DuckDB. Each pass is one transaction
   * whose rows carry their seqs, so a crash at any point applies no row twice ({@link
   * WriteJournal}).
   */
  private void restoreWrites() throws SQLException, IOException {
    for (int pass = 0; pass < 8; pass++) {
      List<WriteJournal.Row> rows;
      valueLock.lock();
      try {
        rows = journal.rowsFrom(journalApplied);
      } finally {
        valueLock.unlock();
      }
      if (rows.size() < RESTORE_PASS_ROWS) {
        break;
      }
      apply(rows);
    }
    int before = journalApplied;
    long started = System.nanoTime();
    valueLock.lock();
    try {
      apply(journal.rowsFrom(journalApplied));
      if (!journal.isEmpty()) {
        afterJournalApplied.run();
      }
      LOG.debug(
          "journal: {} values applied, the last {} holding writes for {} ms",
          journalApplied,
          journalApplied - before,
          (System.nanoTime() - started) / 1_000_000);
      journal.clear();
      journalApplied = 0;
      diverted = false;
    } finally {
      valueLock.unlock();
    }
  }

  private void apply(List<WriteJournal.Row> rows) throws SQLException {
    if (!rows.isEmpty()) {
      db.write(c -> appendRows(c, rows));
      journalApplied += rows.size();
      appliedSeq = rows.getLast().seq();
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Map<UUID, StoredValue> latest(
      EntityKey entity,
      Collection<UUID> featureIds,
      @Nullable Instant eventAsOf,
      @Nullable Instant writtenAsOf) {
    Map<UUID, StoredValue> result = HashMap.newHashMap(featureIds.size());
    List<UUID> fromDb = new ArrayList<>();
    String canonical = entity.canonical();
    long eventBound = eventAsOf == null ? Long.MAX_VALUE : micros(eventAsOf);
    boolean useIndex = writtenAsOf == null && indexReady;
    for (UUID id : featureIds) {
      LatestIndex.Entry e = useIndex ? index.get(canonical, id) : null;
      if (e != null && e.eventMicros() <= eventBound) {
        // The overall latest is within the bound, so it is also the latest within it.
        result.put(id, stored(entity, e));
      } else if (!useIndex || (e != null && eventAsOf != null)) {
        fromDb.add(id);
      }
    }
    if (!fromDb.isEmpty()) {
      for (StoredValue v : latestFromDb(entity, fromDb, eventAsOf, writtenAsOf)) {
        result.put(v.featureId(), v);
      }
    }
    return result;
  }

  private List<StoredValue> latestFromDb(
      EntityKey entity,
      List<UUID> ids,
      @Nullable Instant eventAsOf,
      @Nullable Instant writtenAsOf) {
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(COLUMNS)
            .append(" FROM feature_values WHERE entity = ? AND feature_id IN ")
            .append(uuidList(ids));
    if (eventAsOf != null) {
      sql.append(" AND event_timestamp <= make_timestamp(").append(micros(eventAsOf)).append(')');
    }
    if (writtenAsOf != null) {
      sql.append(" AND written_at <= make_timestamp(").append(micros(writtenAsOf)).append(')');
    }
    sql.append(
        " QUALIFY row_number() OVER (PARTITION BY feature_id"
            + " ORDER BY event_timestamp DESC, seq DESC) = 1");
    return query("latest read", entity, sql.toString());
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
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(COLUMNS)
            .append(" FROM feature_values WHERE entity = ? AND feature_id IN ")
            .append(uuidList(featureIds));
    if (start != null) {
      sql.append(" AND event_timestamp >= make_timestamp(").append(micros(start)).append(')');
    }
    if (end != null) {
      sql.append(" AND event_timestamp <= make_timestamp(").append(micros(end)).append(')');
    }
    sql.append(
        " QUALIFY row_number() OVER (PARTITION BY feature_id, event_timestamp ORDER BY seq DESC)"
            + " = 1");
    return query("history read", entity, sql.toString()); // the facade orders it
  }

  private List<StoredValue> query(String what, EntityKey entity, String sql) {
    return call(
        what,
        () ->
            db.read(
                c -> {
                  List<StoredValue> values = new ArrayList<>();
                  try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, entity.canonical());
                    try (ResultSet rs = ps.executeQuery()) {
                      while (rs.next()) {
                        values.add(
                            new StoredValue(
                                UUID.fromString(rs.getString(1)),
                                entity,
                                rs.getString(2),
                                instant(rs.getLong(3)),
                                instant(rs.getLong(4)),
                                status(rs.getString(5))));
                      }
                    }
                  }
                  return values;
                }));
  }

  private static StoredValue stored(EntityKey entity, LatestIndex.Entry e) {
    return new StoredValue(
        e.featureId(),
        entity,
        e.json(),
        instant(e.eventMicros()),
        instant(e.writtenMicros()),
        e.status());
  }

  // ---------------------------------------------------------------- freshness

  /**
   * SQL for {@link FreshnessStatus#of}: expired past max age, stale past the expected frequency,
   * else fresh; a null bound never triggers. Bounds are numbers we computed, safe to inline.
   */
  private static String statusSql(String ageMicros, FreshnessRule rule) {
    if (rule.maxAge() == null && rule.expected() == null) {
      return "'fresh'"; // no bound: always fresh (a CASE without WHEN is not SQL)
    }
    StringBuilder sb = new StringBuilder("CASE");
    if (rule.maxAge() != null) {
      sb.append(" WHEN ")
          .append(ageMicros)
          .append(" > ")
          .append(durationMicros(rule.maxAge()))
          .append(" THEN 'expired'");
    }
    if (rule.expected() != null) {
      sb.append(" WHEN ")
          .append(ageMicros)
          .append(" > ")
          .append(durationMicros(rule.expected()))
          .append(" THEN 'stale'");
    }
    return sb.append(" ELSE 'fresh' END").toString();
  }

  private static long durationMicros(Duration d) {
    return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1_000);
  }

  /** The rules as functions of an index entry, for {@link LatestIndex#changes}. */
  private static Map<UUID, Function<LatestIndex.Entry, FreshnessStatus>> statusRules(
      Collection<FreshnessRule> rules, long nowMicros) {
    Map<UUID, Function<LatestIndex.Entry, FreshnessStatus>> out = HashMap.newHashMap(rules.size());
    for (FreshnessRule rule : rules) {
      out.put(
          rule.featureId(),
          e ->
              FreshnessStatus.of(
                  // In microseconds: nanoseconds overflow past 292 years (an event in year 1700).
                  Duration.of(nowMicros - e.eventMicros(), ChronoUnit.MICROS),
                  rule.expected(),
                  rule.maxAge()));
    }
    return out;
  }

  /**
   * Most status changes persisted per transaction: the write lock is held for one chunk only (tens
   * of milliseconds), and waiting writers go first between chunks (the lock is fair).
   */
  static final int STATUS_CHUNK = 1_024;

  /**
   * Widest seq range one transaction gives first statuses in (tens of milliseconds: the range is
   * one or two DuckDB row groups).
   */
  static final int FIRST_STATUS_SEQS = 65_536;

  /** The range in use; tests lower it to cover several ranges with few rows. */
  static volatile int firstStatusSeqs = FIRST_STATUS_SEQS;

  /**
   * Persists the status of each entity's latest value (the one reads and the monitor look at), from
   * the latest-value index, in small transactions, so writes interleave with a large update instead
   * of waiting for it (issue 15: a full-table UPDATE held writes back for up to 30 s).
   *
   * <p>Most changes are first statuses: every value written since the last update has none. Those
   * are persisted by seq range, one UPDATE per {@link #FIRST_STATUS_SEQS} seqs of rows still
   * without a status, each row's status computed in SQL by the same rule (issue 15: persisting each
   * by its seq took 13-106 s under load at 10 million values). A superseded row in the range gets
   * its own status too; older superseded rows keep the one they had. Changes of values that had a
   * status already (fresh to stale, stale to expired) are persisted by seq.
   */
  @Override
  public long updateFreshness(Collection<FreshnessRule> rules, Instant now) {
    if (rules.isEmpty()) {
      return 0;
    }
    awaitIndex(); // the loader's snapshot must not predate this update
    if (!indexReady) {
      throw FeatureStoreException.unavailable(
          "embedded store: the latest-value index of " + db.file() + " is not loaded", null);
    }
    long nowMicros = micros(now);
    // Only rows already in the index: a range below this seq holds no latest value the index
    // has not shown to changes(), so none gets a status the index does not learn.
    // Nor journaled rows not yet in DuckDB: their first status would update no row.
    long upTo = Math.min(offeredSeq, appliedSeq);
    List<LatestIndex.Change> changes = index.changes(statusRules(rules, nowMicros), upTo);
    List<LatestIndex.Change> first = new ArrayList<>();
    List<LatestIndex.Change> later = new ArrayList<>();
    changes.forEach(ch -> (ch.first() ? first : later).add(ch));
    persistFirstStatuses(first, rules, nowMicros);
    for (int from = 0; from < later.size(); from += STATUS_CHUNK) {
      List<LatestIndex.Change> chunk =
          later.subList(from, Math.min(later.size(), from + STATUS_CHUNK));
      call("freshness update", () -> db.write(c -> persistStatus(c, chunk)));
      chunk.forEach(index::applyStatus);
    }
    return changes.size();
  }

  private void persistFirstStatuses(
      List<LatestIndex.Change> first, Collection<FreshnessRule> rules, long nowMicros) {
    Map<UUID, FreshnessRule> byId = HashMap.newHashMap(rules.size());
    rules.forEach(r -> byId.put(r.featureId(), r));
    int from = 0;
    while (from < first.size()) {
      long low = first.get(from).seq();
      int to = from;
      int seqs = firstStatusSeqs;
      while (to < first.size() && first.get(to).seq() - low < seqs) {
        to++;
      }
      List<LatestIndex.Change> chunk = first.subList(from, to);
      String sql = firstStatusSql(chunk, byId, nowMicros);
      call(
          "freshness update",
          () ->
              db.write(
                  c -> {
                    try (Statement s = c.createStatement()) {
                      s.executeUpdate(sql);
                    }
                    return NO_RESULT;
                  }));
      chunk.forEach(index::applyStatus);
      from = to;
    }
  }

  /** Freshness bounds, to give the features that share them one CASE branch. */
  private record Bounds(@Nullable Duration expected, @Nullable Duration maxAge) {}

  /** One CASE branch: the features sharing a rule's bounds. */
  private record Branch(FreshnessRule rule, List<UUID> features) {}

  /**
   * {@code UPDATE} of the rows without a status in the chunk's seq range, of the chunk's features,
   * each to its rule's status as of now ({@link #statusSql}, as {@link FreshnessStatus#of}).
   */
  private static String firstStatusSql(
      List<LatestIndex.Change> chunk, Map<UUID, FreshnessRule> rules, long nowMicros) {
    Map<Bounds, Branch> branches = new LinkedHashMap<>();
    Set<UUID> features = new LinkedHashSet<>();
    for (LatestIndex.Change ch : chunk) {
      FreshnessRule r = rules.get(ch.featureId());
      if (r != null && features.add(ch.featureId())) {
        branches
            .computeIfAbsent(
                new Bounds(r.expected(), r.maxAge()), b -> new Branch(r, new ArrayList<>()))
            .features()
            .add(ch.featureId());
      }
    }
    String age = "(" + nowMicros + " - epoch_us(event_timestamp))";
    StringBuilder set = new StringBuilder("CASE");
    for (Branch b : branches.values()) {
      set.append(" WHEN feature_id IN ")
          .append(uuidList(b.features()))
          .append(" THEN ")
          .append(statusSql(age, b.rule()));
    }
    set.append(" END");
    return "UPDATE feature_values SET freshness_status = "
        + set
        + " WHERE seq BETWEEN "
        + chunk.getFirst().seq()
        + " AND "
        + chunk.getLast().seq()
        + " AND freshness_status IS NULL AND feature_id IN "
        + uuidList(features);
  }

  /**
   * One UPDATE per status in the chunk, by seq list; the seq range lets DuckDB skip row groups by
   * their min/max (rows are appended in seq order), so a chunk touches few of them. (Measured on 2
   * million rows: 40-100 ms per 2,048 seqs, against 100-150 ms joined to a VALUES list.)
   */
  private static Object persistStatus(Connection c, List<LatestIndex.Change> chunk)
      throws SQLException {
    Map<FreshnessStatus, StringBuilder> bySeq = new java.util.EnumMap<>(FreshnessStatus.class);
    for (LatestIndex.Change ch : chunk) {
      StringBuilder sb = bySeq.computeIfAbsent(ch.status(), k -> new StringBuilder());
      sb.append(sb.isEmpty() ? "" : ",").append(ch.seq());
    }
    try (Statement s = c.createStatement()) {
      for (Map.Entry<FreshnessStatus, StringBuilder> e : bySeq.entrySet()) {
        s.executeUpdate(
            "UPDATE feature_values SET freshness_status = '"
                + e.getKey().wireName() // an enum's name: safe to inline
                + "' WHERE seq BETWEEN "
                + chunk.getFirst().seq()
                + " AND "
                + chunk.getLast().seq()
                + " AND seq IN ("
                + e.getValue()
                + ")");
      }
    }
    return NO_RESULT;
  }

  /**
   * Counts from the event times the latest-value index keeps per feature, in step with its entries
   * (issue 15): two binary searches per feature, no SQL, no lock on writes, and no pass over the
   * values (the window query over all values took up to 55 s at 6.9 million values; a pass over the
   * index 0.1 s idle and up to 2.4 s under load at 1 million latest values). A write is counted
   * before it is acknowledged, since the index learns it before the write call returns. Before the
   * index is loaded (just after open) it waits for it; if it could not be loaded, it asks DuckDB.
   */
  @Override
  public List<FreshnessCounts> freshness(Collection<FreshnessRule> rules, Instant now) {
    awaitIndex();
    if (!indexReady) {
      return freshnessFromDb(rules, now);
    }
    long nowMicros = micros(now);
    List<FreshnessCounts> out = new ArrayList<>(rules.size());
    for (FreshnessRule rule : rules) {
      Duration expected = rule.expected();
      Duration maxAge = rule.maxAge();
      out.add(
          index.counts(
              rule.featureId(),
              nowMicros,
              expected == null ? null : durationMicros(expected),
              maxAge == null ? null : durationMicros(maxAge)));
    }
    return out;
  }

  private List<FreshnessCounts> freshnessFromDb(Collection<FreshnessRule> rules, Instant now) {

    long nowMicros = micros(now);
    return call(
        "freshness read",
        () ->
            db.read(
                c -> {
                  List<FreshnessCounts> counts = new ArrayList<>(rules.size());
                  try (Statement s = c.createStatement()) {
                    for (FreshnessRule rule : rules) {
                      String sql =
                          "SELECT count(*), count(*) FILTER (WHERE st = 'fresh'),"
                              + " count(*) FILTER (WHERE st = 'stale'),"
                              + " count(*) FILTER (WHERE st = 'expired'), max(ev) FROM ("
                              + " SELECT ev, "
                              + statusSql("(" + nowMicros + " - ev)", rule)
                              + " AS st FROM (SELECT epoch_us(event_timestamp) AS ev"
                              + " FROM feature_values WHERE feature_id = '"
                              + rule.featureId()
                              + "' QUALIFY row_number() OVER (PARTITION BY entity"
                              + " ORDER BY event_timestamp DESC, seq DESC) = 1))";
                      try (ResultSet rs = s.executeQuery(sql)) {
                        rs.next();
                        long last = rs.getLong(5);
                        Instant lastEvent = rs.wasNull() ? null : instant(last);
                        counts.add(
                            new FreshnessCounts(
                                rule.featureId(),
                                rs.getLong(1),
                                rs.getLong(2),
                                rs.getLong(3),
                                rs.getLong(4),
                                lastEvent));
                      }
                    }
                  }
                  return counts;
                }));
  }

  // ---------------------------------------------------------------- data quality

  @Override
  public io.e2i.featurestore.spi.QualityQueries quality() {
    return quality;
  }

  // ---------------------------------------------------------------- statistics

  @Override
  public FeatureStatistics statistics(UUID featureId, ValueType type, Instant now) {
    return call("statistics", () -> db.read(c -> Statistics.compute(c, featureId, type, now)));
  }

  // ---------------------------------------------------------------- training data

  @Override
  public void pointInTimeJoin(PitQuery query, PitQuery.RowSink sink) {
    call("point-in-time join", () -> db.read(c -> PitJoin.run(c, query, sink)));
  }

  @Override
  public PipelineBackend pipelines() {
    return pipelines;
  }

  // ---------------------------------------------------------------- operations

  @Override
  public boolean isHealthy() {
    if (db.isClosed()) {
      return false;
    }
    try {
      return db.read(
          c -> {
            try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
              return rs.next();
            }
          });
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public String describe() {
    String index =
        indexReady
            ? ""
            : indexLoader.isAlive()
                ? " (latest-value index loading: online misses query DuckDB)"
                : " (latest-value index not loaded: online misses query DuckDB)";
    return "embedded DuckDB " + db.file() + index;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      cancelQuietly(indexQuery);
      awaitIndex();
      db.divertWritesDuringCheckpoints(null); // waits for a checkpoint under way
      ReentrantLock lock = db.writeLock();
      lock.lock();
      try {
        if (!db.isClosed()) {
          restoreWrites(); // only if the checkpointer was stopped before it restored them
        }
      } catch (SQLException | IOException | RuntimeException e) {
        LOG.warn("journaled writes left in {} for the next open", journal.path(), e);
      } finally {
        lock.unlock();
      }
      closeQuietly(journal);
      db.release();
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // closing
      }
    }
  }

  private static void cancelQuietly(@Nullable Statement statement) {
    if (statement != null) {
      try {
        statement.cancel();
      } catch (SQLException | RuntimeException e) {
        // finished or closed meanwhile
      }
    }
  }

  @Override
  public String toString() {
    return "DuckDbOfflineStore[" + db.file() + "]";
  }

  // ---------------------------------------------------------------- helpers

  static <T> T call(String what, DuckDbDatabase.SqlCall<T> call) {
    return DuckDbDatabase.call("embedded store: " + what, call);
  }

  /** {@code (CAST('…' AS UUID), …)}: UUIDs print as hex and dashes only, safe to inline. */
  static String uuidList(Collection<UUID> ids) {
    StringBuilder sb = new StringBuilder("(");
    for (UUID id : new LinkedHashSet<>(ids)) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append("CAST('").append(id).append("' AS UUID)");
    }
    return sb.append(')').toString();
  }

  private static @Nullable FreshnessStatus status(@Nullable String wire) {
    return wire == null ? null : FreshnessStatus.fromWireName(wire);
  }

  boolean isClosed() {
    return closed;
  }

  /** For tests: how many entities the latest-value index holds. */
  int indexedEntities() {
    return index.entities();
  }
}
