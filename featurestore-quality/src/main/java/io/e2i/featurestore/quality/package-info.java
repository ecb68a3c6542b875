/**
 * Data quality (issue 12): validation reports of stored values against their constraints, drift
 * between two windows of a feature (PSI, Kolmogorov-Smirnov, Jensen-Shannon, null rates, mean and
 * stddev shift) and drift monitors. Aggregations run in the offline store ({@code QualityQueries});
 * the statistics' math runs here.
 */
@NullMarked
package io.e2i.featurestore.quality;

import org.jspecify.annotations.NullMarked;
