package io.e2i.featurestore.postgres;

import io.e2i.featurestore.spi.ValueRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monthly partitions of {@code feature_values} (issue 15): one per calendar month (UTC) of
 * event time, named {@code feature_values_yYYYYmMM} ({@code yn} for a negative ISO year), plus
 * {@code feature_values_legacy} for everything before the cutoff of a table partitioned by
 * migration V6.
 *
 * <ul>
 *   <li>Ahead: {@link #maintain} keeps the current month and the next {@value #MONTHS_AHEAD}.
 *   <li>On demand: a write checks the months of its rows against the partitions it knows and
 *       creates the missing ones first (a backfill into an old month), each in its own short
 *       transaction. There is no DEFAULT partition: with one, creating any later partition has to
 *       scan the default under an exclusive lock, and its rows could never be dropped by month.
 *   <li>Retention per group: a partition whose whole month is past every retention that applies to
 *       its rows is dropped (a catalog change, however many rows); a group whose retention is
 *       shorter than others' in the same month has its rows deleted, in batches of {@value
 *       #DELETE_BATCH} (each a short transaction: writes go on). A group without retention keeps
 *       its values, and so keeps its partitions. Retention is by whole month: a value goes at the
 *       first maintenance after the end of its month passes the group's horizon.
 * </ul>
 *
 * Only one instance maintains at a time (an advisory lock); the others skip the round.
 */
final class PgPartitions {
  private static final Logger LOG = LoggerFactory.getLogger(PgPartitions.class);
  static final int MONTHS_AHEAD = 3;
  static final int DELETE_BATCH = 10_000;
  private static final long ADVISORY_LOCK = 0x66735f7061727473L; // "fs_parts"

  /** The partitioned table (migration V6): no stored generated column, no primary key. */
  static final String CREATE_PARENT =
      "CREATE TABLE feature_values ("
          + " seq bigint NOT NULL DEFAULT nextval('feature_values_seq_seq'),"
          + " feature_id uuid NOT NULL,"
          + " entity_key text NOT NULL,"
          + " value jsonb,"
          + " event_timestamp timestamptz NOT NULL,"
          + " written_at timestamptz NOT NULL,"
          + " freshness_status freshness_status"
          + ") PARTITION BY RANGE (event_timestamp)";

  /** The read index of V3, partitioned: online, history and point-in-time reads are index-only. */
  static final String CREATE_READ_INDEX =
      "CREATE INDEX feature_values_read_idx ON feature_values"
          + " (feature_id, entity_key, event_timestamp DESC, seq DESC) INCLUDE (value, written_at)";

  /** V1's views over the partitioned table; entity_values is computed, no longer stored. */
  static final List<String> VIEWS =
      List.of(
          """
          CREATE VIEW feature_values_latest AS
          SELECT DISTINCT ON (v.feature_id, v.entity_key)
                 v.feature_id, g.name AS feature_group, f.name AS feature_name, f.version,
                 f.value_type, v.entity_key, v.entity_key::jsonb AS entity_values, v.value,
                 v.event_timestamp, v.written_at, v.freshness_status, v.seq
            FROM feature_values v
            JOIN features f ON f.id = v.feature_id
            JOIN feature_groups g ON g.id = f.feature_group_id
           ORDER BY v.feature_id, v.entity_key, v.event_timestamp DESC, v.seq DESC""",
          """
          CREATE VIEW feature_freshness_monitor AS
          SELECT g.name AS feature_group, f.name AS feature_name, f.version,
                 count(l.entity_key) AS total_entities,
                 count(l.entity_key) FILTER (
                   WHERE (g.max_age_hours IS NULL
                          OR l.event_timestamp >= now() - make_interval(hours => g.max_age_hours))
                     AND (g.expected_update_frequency_hours IS NULL
                          OR l.event_timestamp >= now()
                             - make_interval(hours => g.expected_update_frequency_hours))
                 ) AS fresh_count,
                 count(l.entity_key) FILTER (
                   WHERE (g.max_age_hours IS NULL
                          OR l.event_timestamp >= now() - make_interval(hours => g.max_age_hours))
                     AND g.expected_update_frequency_hours IS NOT NULL
                     AND l.event_timestamp < now()
                         - make_interval(hours => g.expected_update_frequency_hours)
                 ) AS stale_count,
                 count(l.entity_key) FILTER (
                   WHERE g.max_age_hours IS NOT NULL
                     AND l.event_timestamp < now() - make_interval(hours => g.max_age_hours)
                 ) AS expired_count,
                 max(l.event_timestamp) AS last_event_timestamp,
                 now() - max(l.event_timestamp) AS time_since_last_event
            FROM features f
            JOIN feature_groups g ON g.id = f.feature_group_id
            LEFT JOIN feature_values_latest l ON l.feature_id = f.id
           GROUP BY g.name, f.name, f.version""");

  /** One group's retention and the feature versions whose values it governs. */
  record GroupRetention(String group, @Nullable Duration retention, Set<UUID> featureIds) {}

  /** What a maintenance round did. */
  record Report(List<String> created, List<String> dropped, long rowsDeleted, boolean skipped) {}

  /** One partition: its table name and bounds (lower null = MINVALUE). */
  record Partition(String name, @Nullable Instant lower, Instant upper) {}

  private final Set<YearMonth> known = ConcurrentHashMap.newKeySet();
  private volatile @Nullable Instant legacyUpper;
  private volatile boolean loaded;
  private volatile boolean partitioned = true;

  static boolean isPartitioned(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT relkind = 'p' FROM pg_class WHERE oid = 'feature_values'::regclass")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  static String name(YearMonth m) {
    // ISO year -1 (2 BC, the first month an event at year 0000's first instant at +18:00 falls
    // in) as "yn0001": a minus sign is no identifier character
    return m.getYear() < 0
        ? String.format("feature_values_yn%04dm%02d", -m.getYear(), m.getMonthValue())
        : String.format("feature_values_y%04dm%02d", m.getYear(), m.getMonthValue());
  }

  /**
   * A month's first instant as PostgreSQL reads it: ISO years 0000 to 9999 and the edges around
   * them are accepted by the store, and PostgreSQL reads neither a signed year ({@code +10000},
   * {@code -0001}) nor year 0, so years after 9999 are written unsigned and years up to 0 as BC
   * (ISO year 0 is 1 BC).
   */
  static String literal(YearMonth m) {
    int y = m.getYear();
    String date =
        y >= 1
            ? String.format("%04d-%02d-01 00:00:00+00", y, m.getMonthValue())
            : String.format("%04d-%02d-01 00:00:00+00 BC", 1 - y, m.getMonthValue());
    return "'" + date + "'::timestamptz";
  }

  static String createMonth(YearMonth m) {
    return "CREATE TABLE IF NOT EXISTS "
        + name(m)
        + " PARTITION OF feature_values FOR VALUES FROM ("
        + literal(m)
        + ") TO ("
        + literal(m.plusMonths(1))
        + ")";
  }

  static YearMonth month(Instant t) {
    return YearMonth.from(t.atOffset(ZoneOffset.UTC));
  }

  /** The partitions as the catalog has them, oldest first. */
  static List<Partition> list(Connection c) throws SQLException {
    String sql =
        "SELECT c.relname,"
            + " (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1],"
            + " (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]"
            + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            + " WHERE i.inhparent = 'feature_values'::regclass";
    List<Partition> out = new ArrayList<>();
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL TimeZone = 'UTC'"); // the bounds print in the session's zone
      try (ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          String lower = rs.getString(2);
          String upper = rs.getString(3);
          if (upper != null) {
            out.add(
                new Partition(rs.getString(1), lower == null ? null : bound(lower), bound(upper)));
          }
        }
      }
    }
    out.sort((a, b) -> a.upper().compareTo(b.upper()));
    return out;
  }

  /**
   * A bound as PostgreSQL prints it in UTC, e.g. "2026-12-01 00:00:00+00", "10000-01-01
   * 00:00:00+00" or "0001-12-01 00:00:00+00 BC" (see {@link #literal}).
   */
  static Instant bound(String printed) {
    boolean bc = printed.endsWith(" BC");
    String t = bc ? printed.substring(0, printed.length() - 3) : printed;
    int dash = t.indexOf('-');
    long year = Long.parseLong(t.substring(0, dash));
    long iso = bc ? 1 - year : year;
    String y =
        iso > 9999
            ? "+" + iso
            : iso < 0 ? String.format("-%04d", -iso) : String.format("%04d", iso);
    return OffsetDateTime.parse(y + t.substring(dash).replace(' ', 'T') + ":00").toInstant();
  }

  /** Loads the known months from the catalog (once, then after every maintenance round). */
  private void load(Connection c) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      Set<YearMonth> months = ConcurrentHashMap.newKeySet();
      Instant legacy = null;
      partitioned = isPartitioned(c);
      for (Partition p : partitioned ? list(c) : List.<Partition>of()) {
        if (p.lower() == null) {
          legacy = p.upper();
        } else {
          months.add(month(p.lower()));
        }
      }
      c.commit();
      known.clear();
      known.addAll(months);
      legacyUpper = legacy;
      loaded = true;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /**
   * Creates the partitions the rows' event times need and that do not exist yet, each in its own
   * transaction on {@code c} (which must be in autocommit mode). Cheap when they all exist: a range
   * comparison per row, a set lookup per change of month.
   */
  void ensure(Connection c, List<ValueRow> rows) throws SQLException {
    if (!loaded) {
      load(c);
    }
    if (!partitioned) {
      return; // a schema before V6 (auto_migrate off): one table, nothing to create
    }
    Set<YearMonth> missing = new TreeSet<>();
    Instant legacy = legacyUpper;
    long legacyEnd = legacy == null ? Long.MIN_VALUE : legacy.getEpochSecond();
    long from = 1;
    long to = 0; // [from, to): the month of the previous row, in epoch seconds
    for (ValueRow row : rows) {
      long t = row.eventTimestamp().getEpochSecond();
      if (t < legacyEnd || (t >= from && t < to)) {
        continue;
      }
      YearMonth m = month(row.eventTimestamp());
      from = start(m).getEpochSecond();
      to = start(m.plusMonths(1)).getEpochSecond();
      if (!known.contains(m)) {
        missing.add(m);
      }
    }
    for (YearMonth m : missing) {
      create(c, m);
    }
  }

  /** Forgets the known partitions: the next {@link #ensure} reads them from the catalog again. */
  void forget() {
    loaded = false;
  }

  static Instant start(YearMonth m) {
    return m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /**
   * Creates a month apart and then attaches it: ATTACH takes only a SHARE UPDATE EXCLUSIVE lock on
   * {@code feature_values}, so reads and writes go on, where {@code CREATE TABLE ... PARTITION OF}
   * would take ACCESS EXCLUSIVE, wait behind every running query (a long training-data join) and
   * hold every read and write queued behind it meanwhile. The new table is empty, so the attach
   * scans nothing; the read index is built on it as it is attached.
   */
  private void create(Connection c, YearMonth m) throws SQLException {
    String name = name(m);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + name + " (LIKE feature_values INCLUDING DEFAULTS)");
      s.execute(
          "ALTER TABLE feature_values ATTACH PARTITION "
              + name
              + " FOR VALUES FROM ("
              + literal(m)
              + ") TO ("
              + literal(m.plusMonths(1))
              + ")");
    } catch (SQLException e) {
      // Another instance created and attached it meanwhile.
      if (!isPartition(c, name)) {
        throw e;
      }
    }
    known.add(m);
    LOG.info("created partition {}", name);
  }

  private static boolean isPartition(Connection c, String table) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(?)"
                + " AND inhparent = 'feature_values'::regclass)")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * Creates the months ahead and applies retention, on {@code c} in autocommit mode. Only one
   * instance at a time: the others return a skipped report.
   */
  Report maintain(Connection c, Instant now, List<GroupRetention> groups) throws SQLException {
    if (!tryLock(c)) {
      return new Report(List.of(), List.of(), 0, true);
    }
    try {
      List<String> created = new ArrayList<>();
      load(c);
      if (!partitioned) {
        return new Report(List.of(), List.of(), 0, true);
      }
      YearMonth current = month(now);
      for (int i = 0; i <= MONTHS_AHEAD; i++) {
        YearMonth m = current.plusMonths(i);
        Instant legacy = legacyUpper;
        if (!known.contains(m)
            && (legacy == null
                || !m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).isBefore(legacy))) {
          create(c, m);
          created.add(name(m));
        }
      }
      List<String> dropped = new ArrayList<>();
      long deleted = 0;
      for (Partition p : listCommitted(c)) {
        Retained r = retained(c, p, now, groups);
        if (r.keep().isEmpty() && !r.delete().isEmpty()) {
          if (drop(c, p.name())) {
            dropped.add(p.name());
          }
        } else {
          for (GroupRetention g : r.delete()) {
            deleted += delete(c, p.name(), g.featureIds());
          }
        }
      }
      PgWriteLog.fold(c); // the writes' log of data quality's certificates, kept small
      load(c);
      return new Report(created, dropped, deleted, false);
    } finally {
      unlock(c);
    }
  }

  private static List<Partition> listCommitted(Connection c) throws SQLException {
    c.setAutoCommit(false);
    try {
      List<Partition> out = list(c);
      c.commit();
      return out;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Of the groups with rows in the partition: those it must keep, and those past retention. */
  record Retained(List<GroupRetention> keep, List<GroupRetention> delete) {}

  private static Retained retained(
      Connection c, Partition p, Instant now, List<GroupRetention> groups) throws SQLException {
    List<GroupRetention> keep = new ArrayList<>();
    List<GroupRetention> delete = new ArrayList<>();
    for (GroupRetention g : groups) {
      if (g.featureIds().isEmpty() || !hasRows(c, p.name(), g.featureIds())) {
        continue;
      }
      Duration retention = g.retention();
      boolean past = retention != null && !p.upper().isAfter(now.minus(retention));
      (past ? delete : keep).add(g);
    }
    if (keep.isEmpty() && !delete.isEmpty() && hasOtherRows(c, p.name(), groups)) {
      keep.add(new GroupRetention("(values of no known feature)", null, Set.of()));
    }
    return new Retained(keep, delete);
  }

  /** One probe of the read index per feature version. */
  private static boolean hasRows(Connection c, String table, Set<UUID> ids) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM unnest(?::uuid[]) f(id) WHERE EXISTS"
                + " (SELECT 1 FROM "
                + table
                + " v WHERE v.feature_id = f.id))")) {
      ps.setArray(1, c.createArrayOf("uuid", ids.toArray(new UUID[0])));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Rows of feature ids no group names (never dropped unseen): one walk of the index's ids. */
  private static boolean hasOtherRows(Connection c, String table, List<GroupRetention> groups)
      throws SQLException {
    List<UUID> all = new ArrayList<>();
    groups.forEach(g -> all.addAll(g.featureIds()));
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM " + table + " WHERE feature_id <> ALL(?::uuid[]))")) {
      ps.setArray(1, c.createArrayOf("uuid", all.toArray(new UUID[0])));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Drops a month; false when running queries held it past the lock timeout (next round). */
  private static boolean drop(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement()) {
      // DROP takes ACCESS EXCLUSIVE on feature_values: writes queue behind it while it waits for
      // running queries, so it waits at most 1 s and the next round tries again.
      s.execute("SET lock_timeout = '1s'");
      try {
        s.execute("DROP TABLE " + table);
      } catch (SQLException e) {
        if ("55P03".equals(e.getSQLState())) {
          LOG.info("partition {} is past retention but busy; dropping it next round", table);
          return false;
        }
        throw e;
      } finally {
        s.execute("RESET lock_timeout");
      }
    }
    LOG.info("dropped partition {} (past every retention that applies to its values)", table);
    return true;
  }

  /** Deletes a group's rows from one partition, a batch per transaction. */
  private static long delete(Connection c, String table, Set<UUID> ids) throws SQLException {
    long total = 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM "
                + table
                + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
                + table
                + " WHERE feature_id = ANY(?::uuid[]) LIMIT "
                + DELETE_BATCH
                + "))")) {
      ps.setArray(1, c.createArrayOf("uuid", ids.toArray(new UUID[0])));
      int n;
      do {
        n = ps.executeUpdate();
        total += n;
      } while (n > 0);
    }
    if (total > 0) {
      LOG.info("deleted {} values past retention from {}", total, table);
    }
    return total;
  }

  private static boolean tryLock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, ADVISORY_LOCK);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  private static void unlock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      ps.setLong(1, ADVISORY_LOCK);
      ps.execute();
    }
  }
}
