package io.e2i.featurestore;

import java.util.Map;

/**
 * Each backend's state. {@code online} false means reads bypass the cache (or there is none);
 * {@code tracking} false means tracking is queued, or no tracking server is configured. Only {@code
 * offline} false makes writes fail.
 */
public record HealthStatus(
    boolean offline, boolean online, boolean tracking, Map<String, String> details) {

  public HealthStatus {
    details = Map.copyOf(details);
  }

  /** The seed's keys: offline store is "supabase" there. */
  public boolean healthy() {
    return offline;
  }
}
