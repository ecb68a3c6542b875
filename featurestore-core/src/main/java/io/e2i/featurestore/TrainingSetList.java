package io.e2i.featurestore;

import java.util.List;

/**
 * One page of the saved training sets, in name order, and how many there are on all pages.
 *
 * @param total the sets on all pages (those the caller may see)
 */
public record TrainingSetList(List<TrainingSetDefinition> sets, int total) {

  public TrainingSetList {
    sets = List.copyOf(sets);
  }
}
