package io.e2i.featurestore.pipelines;

import io.e2i.featurestore.Cron;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.MaterializationRun;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs materializations when they are due: a group with computed features is due when its cron
 * {@code schedule} has fired since its latest run, or, without a schedule, when its latest run
 * started {@code expected_update_frequency_hours} ago or more (a group with neither is only
 * materialized on request). It checks every {@code interval}; due groups run one after the other
 * (incremental, trigger "schedule"). Several servers may share a database: the group lock makes the
 * others skip a group that one of them is running, and the run history they share tells each that
 * the group is no longer due.
 */
public final class MaterializationScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MaterializationScheduler.class);

  private final FeatureStore store;
  private final Clock clock;
  private final Instant started;
  private final @Nullable ScheduledExecutorService executor;

  private MaterializationScheduler(
      FeatureStore store, Clock clock, @Nullable ScheduledExecutorService executor) {
    this.store = store;
    this.clock = clock;
    this.started = clock.instant();
    this.executor = executor;
  }

  /** Starts checking every {@code interval} on a daemon thread. */
  public static MaterializationScheduler start(FeatureStore store, Duration interval) {
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("featurestore-materialization").unstarted(r));
    MaterializationScheduler scheduler =
        new MaterializationScheduler(store, Clock.systemUTC(), executor);
    long millis = Math.max(1, interval.toMillis());
    executor.scheduleWithFixedDelay(scheduler::tickQuietly, millis, millis, TimeUnit.MILLISECONDS);
    return scheduler;
  }

  /** A scheduler that runs only when {@link #tick()} is called (tests). */
  static MaterializationScheduler manual(FeatureStore store, Clock clock) {
    return new MaterializationScheduler(store, clock, null);
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("materialization scheduler: {}", e.toString());
    }
  }

  /** Runs every due group once; returns the runs it made. */
  List<MaterializationRun> tick() {
    List<MaterializationRun> runs = new ArrayList<>();
    for (FeatureGroup group : store.listFeatureGroups()) {
      if (!due(group)) {
        continue;
      }
      try {
        runs.add(store.materialize(group.name(), null, null, MaterializationRun.SCHEDULE));
      } catch (FeatureStoreException e) {
        if (e.code() == FeatureStoreException.Code.CONFLICT) {
          LOG.debug("{} is being materialized elsewhere", group.name());
        } else {
          // The failed run is in the history with its error; the next tick tries again.
          LOG.warn("scheduled materialization of {} failed: {}", group.name(), e.getMessage());
        }
      }
    }
    return runs;
  }

  boolean due(FeatureGroup group) {
    String schedule = group.schedule();
    Integer hours = group.expectedUpdateFrequencyHours();
    if (schedule == null && hours == null) {
      return false;
    }
    if (store.listFeatures(group.name()).stream().noneMatch(f -> computed(f))) {
      return false;
    }
    List<MaterializationRun> last = store.materializations(group.name(), 1);
    Instant now = clock.instant();
    if (schedule != null) {
      Cron cron;
      try {
        cron = Cron.parse(schedule);
      } catch (FeatureStoreException e) {
        LOG.warn("group {}: {}", group.name(), e.getMessage());
        return false;
      }
      Instant since = last.isEmpty() ? started : last.getFirst().startedAt();
      return !cron.next(since).isAfter(now);
    }
    long every = hours == null ? 0 : hours; // not null here: no schedule means hours is set
    return last.isEmpty()
        || !last.getFirst().startedAt().plus(Duration.ofHours(every)).isAfter(now);
  }

  private static boolean computed(Feature f) {
    return f.computationQuery() != null;
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
