package io.e2i.featurestore.testing;

import io.e2i.featurestore.spi.PitQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Collects a training set in memory, rows as lists for easy comparison. */
public final class CollectingSink implements PitQuery.RowSink {
  public final List<String> columns = new ArrayList<>();
  public final List<List<Object>> rows = new ArrayList<>();

  @Override
  public void columns(List<String> names) {
    columns.addAll(names);
  }

  @Override
  public void row(Object[] values) {
    rows.add(Arrays.asList(values.clone()));
  }
}
