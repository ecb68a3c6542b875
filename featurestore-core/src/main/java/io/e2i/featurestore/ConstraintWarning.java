package io.e2i.featurestore;

/**
 * How many values breaking one constraint a feature's writes accepted in {@link
 * ValidationMode#WARN} mode since the store opened (they were written; the validation report lists
 * them).
 */
public record ConstraintWarning(
    String featureGroup, String featureName, String constraint, long count) {}
