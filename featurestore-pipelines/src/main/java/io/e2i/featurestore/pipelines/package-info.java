/**
 * Pipelines (issue 13): on-demand features in CEL ({@link CelEvaluator}, found by the core through
 * {@link java.util.ServiceLoader}), the materialization scheduler ({@link
 * MaterializationScheduler}) and feature suggestions ({@link FeatureSuggester}).
 */
@NullMarked
package io.e2i.featurestore.pipelines;

import org.jspecify.annotations.NullMarked;
