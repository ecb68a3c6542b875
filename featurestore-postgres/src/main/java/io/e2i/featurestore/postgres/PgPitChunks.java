package io.e2i.featurestore.postgres;

import io.e2i.featurestore.ValueCodec;
import io.e2i.featurestore.spi.PitQuery;
import io.e2i.featurestore.spi.PitQuery.PitFeature;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A point-in-time join spread over several connections (issue 15): PostgreSQL runs one query on one
 * core, and the join's probes (one index probe per spine row and feature) are nearly all of its
 * time. The spine is cut into chunks of consecutive rows; chunk i goes to connection i % n, into
 * that connection's own {@code pit_spine}, and each connection runs the same join over its chunks
 * in row order. One thread per connection reads its results chunk by chunk into a small queue (at
 * most {@value #QUEUED} chunks ahead), and the caller's thread hands chunks 0, 1, 2, ... to the
 * sink in turn: the output is in spine order, and memory holds a few chunks, not the whole result.
 *
 * <p>Every connection reads the same data: the first connection's transaction is REPEATABLE READ
 * and exports its snapshot, which the others import before they read anything. They are read-only
 * like the first.
 */
final class PgPitChunks {
  static final int QUEUED = 2;

  /** Where the extra connections come from (the pool), and where a broken one goes. */
  interface Helpers {
    Connection connection();

    void evict(Connection c);
  }

  private PgPitChunks() {}

  /** One chunk's results: its spine rows' feature values, by row within the chunk. */
  private record Chunk(int index, @Nullable Object[][] values) {}

  /** What a reader thread hands over: a chunk, how it failed, or (both null) its end. */
  private record Item(@Nullable Chunk chunk, @Nullable Throwable failure) {}

  static void run(
      Connection first,
      PitQuery query,
      List<List<String>> keySets,
      PgPitJoin.SpineKeys spine,
      PitQuery.RowSink sink,
      PgPitJoin.Parallelism parallelism,
      int connections,
      Helpers helpers)
      throws SQLException {
    String snapshot = PgSnapshots.export(first); // first's transaction is REPEATABLE READ
    List<Connection> opened = new ArrayList<>();
    List<Reader> readers = new ArrayList<>();
    boolean ok = false;
    try {
      List<Connection> all = new ArrayList<>();
      all.add(first);
      for (int j = 1; j < connections; j++) {
        Connection h = helpers.connection();
        opened.add(h);
        importSnapshot(h, snapshot, keySets.size());
        all.add(h);
      }
      String sql = PgPitJoin.joinSql(query, keySets);
      for (int j = 0; j < connections; j++) {
        readers.add(new Reader(all.get(j), j, connections, parallelism.chunkRows(), spine, query));
      }
      readers.forEach(r -> r.start(sql));
      merge(query, spine, sink, readers, parallelism.chunkRows());
      for (Reader r : readers) {
        r.join(); // each has ended its result set by now
      }
      for (Connection h : opened) {
        h.commit(); // drops its temp table
      }
      ok = true;
    } finally {
      if (!ok) {
        readers.forEach(Reader::stop);
        readers.forEach(Reader::join);
      }
      for (Connection h : opened) {
        release(h, ok, helpers);
      }
    }
  }

  /** A helper's transaction: the first one's snapshot, read-only, its own {@code pit_spine}. */
  private static void importSnapshot(Connection h, String snapshot, int entityColumns)
      throws SQLException {
    h.setAutoCommit(false);
    try (Statement s = h.createStatement()) {
      s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      s.execute(PgSnapshots.importSql(snapshot));
      s.execute(PgPitJoin.tempTableDdl(entityColumns));
      s.execute("SET TRANSACTION READ ONLY");
    }
  }

  private static void release(Connection h, boolean committed, Helpers helpers) {
    try (h) {
      if (!committed) {
        h.rollback();
      }
      h.setAutoCommit(true);
    } catch (SQLException e) {
      helpers.evict(h); // never hand out a connection left in a transaction or broken
    }
  }

  /** Hands chunks 0, 1, 2, ... to the sink in turn, with the spine's own columns first. */
  private static void merge(
      PitQuery query,
      PgPitJoin.SpineKeys spine,
      PitQuery.RowSink sink,
      List<Reader> readers,
      int chunkRows)
      throws SQLException {
    PgPitJoin.LoadedSpine loaded = spine.loaded();
    int width = loaded.columns().size();
    int features = query.features().size();
    int chunks = (spine.size() + chunkRows - 1) / chunkRows;
    sink.columns(PgPitJoin.header(query, loaded));
    for (int i = 0; i < chunks; i++) {
      Chunk chunk = readers.get(i % readers.size()).take();
      if (chunk.index() != i) {
        throw new IllegalStateException("chunk " + chunk.index() + " where " + i + " was due");
      }
      int base = i * chunkRows;
      for (int r = 0; r < chunk.values().length; r++) {
        Object[] out = new Object[width + features];
        System.arraycopy(loaded.rows().get(base + r), 0, out, 0, width);
        @Nullable Object[] values = chunk.values()[r];
        if (values == null) {
          throw new IllegalStateException("no result for spine row " + (base + r));
        }
        System.arraycopy(values, 0, out, width, features);
        sink.row(out);
      }
    }
  }

  /** One connection: copies its chunks, runs the join, and queues its results chunk by chunk. */
  private static final class Reader {
    private final Connection c;
    private final int first;
    private final int step;
    private final int chunkRows;
    private final PgPitJoin.SpineKeys spine;
    private final PitQuery query;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUED);
    private volatile boolean stopped;
    private volatile @Nullable Statement running;
    private @Nullable Thread thread;

    Reader(
        Connection c,
        int first,
        int step,
        int chunkRows,
        PgPitJoin.SpineKeys spine,
        PitQuery query) {
      this.c = c;
      this.first = first;
      this.step = step;
      this.chunkRows = chunkRows;
      this.spine = spine;
      this.query = query;
    }

    void start(String sql) {
      Thread t = new Thread(() -> read(sql), "pit-join-" + first);
      t.setDaemon(true);
      thread = t;
      t.start();
    }

    private void read(String sql) {
      try {
        copyChunks();
        PgPitJoin.prepareJoin(c);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          running = ps;
          if (stopped) {
            return;
          }
          ps.setFetchSize(PgPitJoin.FETCH_SIZE);
          try (ResultSet rs = ps.executeQuery()) {
            streamChunks(rs);
          }
          put(new Item(null, null));
        }
      } catch (Throwable e) {
        put(new Item(null, e));
      } finally {
        running = null;
      }
    }

    private void copyChunks() throws SQLException {
      try (PgPitJoin.SpineCopy copy = new PgPitJoin.SpineCopy(c, spine.entities()[0].length)) {
        for (int start = first * chunkRows; start < spine.size(); start += step * chunkRows) {
          int end = Math.min(spine.size(), start + chunkRows);
          for (int r = start; r < end; r++) {
            copy.row(r, spine);
          }
        }
        copy.finish();
      }
    }

    private void streamChunks(ResultSet rs) throws SQLException {
      List<PitFeature> features = query.features();
      @Nullable Chunk chunk = null;
      while (rs.next() && !stopped) {
        int row = rs.getInt(1);
        int index = row / chunkRows;
        if (chunk == null || chunk.index() != index) {
          if (chunk != null) {
            put(new Item(chunk, null));
          }
          int size = Math.min(chunkRows, spine.size() - index * chunkRows);
          chunk = new Chunk(index, new Object[size][]);
        }
        Object[] values = new Object[features.size()];
        for (int i = 0; i < values.length; i++) {
          String json = rs.getString(2 + i);
          values[i] = json == null ? null : ValueCodec.decode(features.get(i).type(), json);
        }
        chunk.values()[row - index * chunkRows] = values;
      }
      if (chunk != null) {
        put(new Item(chunk, null));
      }
    }

    /** Waits for room in the queue, unless the join was stopped. */
    private void put(Item item) {
      try {
        while (!stopped) {
          if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
            return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** The next chunk of this connection, in row order; its failure as the caller's. */
    Chunk take() throws SQLException {
      Item item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while joining", e);
      }
      Throwable failure = item.failure();
      if (failure != null) {
        switch (failure) {
          case SQLException e -> throw e;
          case RuntimeException e -> throw e;
          case Error e -> throw e;
          default -> throw new SQLException(failure);
        }
      }
      Chunk chunk = item.chunk();
      if (chunk == null) {
        throw new IllegalStateException("the join on connection " + first + " ended early");
      }
      return chunk;
    }

    /** Stops reading: cancels the running query, and the thread leaves at its next row or put. */
    void stop() {
      stopped = true;
      Statement s = running;
      if (s != null) {
        try {
          s.cancel();
        } catch (SQLException ignored) {
          // the rollback ends the query anyway
        }
      }
    }

    void join() {
      Thread t = thread;
      if (t == null) {
        return;
      }
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
