package io.e2i.featurestore.server;

import org.jspecify.annotations.Nullable;

/**
 * One page of {@code GET /api/v1/training-sets?limit=&offset=} (issue 14: the UI draws 50 sets at a
 * time). Without {@code limit} every set from {@code offset} on is listed, as before paging
 * existed; sets are in name order (by code point), so pages are stable while no set is saved. The
 * store takes the page ({@code LIMIT}/{@code OFFSET}), so a page of n parses n definitions.
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

  /** The limit to hand the store: without one, every set from the offset on. */
  int limitOrAll() {
    return limit == null ? Integer.MAX_VALUE : limit;
  }
}
