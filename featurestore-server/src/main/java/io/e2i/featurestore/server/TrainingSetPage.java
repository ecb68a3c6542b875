package io.e2i.featurestore.server;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of {@code GET /api/v1/training-sets?limit=&offset=} (issue 14: the UI draws 50 sets at a
 * time). Without {@code limit} every set from {@code offset} on is listed, as before paging
 * existed; sets are in name order, so pages are stable while no set is saved.
 *
 * @param limit null: no limit
 */
record TrainingSetPage(@Nullable Integer limit, int offset) {
  static final int MAX_LIMIT = 1000;

  static TrainingSetPage parse(@Nullable String limit, @Nullable String offset) {
    Integer l = limit == null ? null : QueryNumbers.between("limit", limit, 1, MAX_LIMIT);
    int o = offset == null ? 0 : QueryNumbers.between("offset", offset, 0, Integer.MAX_VALUE);
    return new TrainingSetPage(l, o);
  }

  <T> List<T> of(List<T> all) {
    int from = Math.min(offset, all.size());
    int to = limit == null ? all.size() : (int) Math.min((long) from + limit, all.size());
    return all.subList(from, to);
  }
}
