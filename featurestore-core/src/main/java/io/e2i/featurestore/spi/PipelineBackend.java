package io.e2i.featurestore.spi;

import io.e2i.featurestore.MaterializationRun;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What materialization needs from the database that holds the offline store and the source tables:
 * run a user's read-only query and stream its rows, keep the history of runs, and a lock per group
 * so that one run at a time materializes a group, across every process sharing the database.
 */
public interface PipelineBackend {

  /**
   * Runs a read-only query ({@code ?} placeholders bound to {@code params}: Instants as timestamps
   * with time zone) and streams its rows. Values come as JDBC gives them, except timestamps as
   * {@link java.time.Instant}, decimals as {@code Double} or {@code Long}, arrays as lists. A
   * failure is a {@link QueryFailure} carrying the database's message (one line, no SQL text).
   */
  void query(String sql, List<Object> params, RowSink sink);

  /** Receives a query's output: the column labels, then each row. */
  interface RowSink {
    void columns(List<String> names);

    void row(Object[] values);
  }

  /** A query the database rejected or failed to run; the message is the database's own. */
  final class QueryFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueryFailure(String databaseMessage, @Nullable Throwable cause) {
      super(databaseMessage, cause);
    }
  }

  /** Records a finished run. */
  void saveRun(MaterializationRun run);

  /** The latest runs, newest first; of one group, or of all when {@code group} is null. */
  List<MaterializationRun> runs(@Nullable String group, int limit);

  /**
   * The lock on a group's materialization if nobody holds it (in this process or another sharing
   * the database), else null. Closing the lock releases it.
   */
  @Nullable GroupLock tryLock(String group);

  /** A held materialization lock. */
  interface GroupLock extends AutoCloseable {
    @Override
    void close();
  }

  /** The SQL dialect of {@link #query}: {@code duckdb} or {@code postgresql}. */
  String dialect();
}
