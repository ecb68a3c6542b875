package io.e2i.featurestore.spi;

import io.e2i.featurestore.ValueType;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Compiles and evaluates the expressions of on-demand features (computed at read time from other
 * features of the same group and entity and from request values). The core names no expression
 * language: a module on the class path provides one through {@link java.util.ServiceLoader}
 * (featurestore-pipelines: CEL). Without one, defining an on-demand feature is a 400.
 */
public interface OnDemandEvaluator {

  /**
   * Parses and type-checks {@code expression} against the stored features it may use ({@code
   * inputs}: name to type; request values are the map {@code request}, of any type), requiring a
   * result of {@code resultType}. Throws a {@link io.e2i.featurestore.FeatureStoreException} of
   * code INVALID_ARGUMENT naming {@code feature} and what is wrong (an unknown name, a type error).
   */
  Expression compile(
      String feature, String expression, Map<String, ValueType> inputs, ValueType resultType);

  /** A compiled expression; thread-safe. */
  interface Expression {
    /** The input features it reads, in the order {@link #evaluate} takes their values. */
    List<String> inputs();

    /**
     * The value for one entity (or training row): {@code inputs} holds the values of {@link
     * #inputs()} in that order (all present), {@code request} the request values. Null when the
     * expression fails at run time (a missing request value, a division by zero): the feature then
     * has no value. Positional inputs let a read pass the cached row's values without building a
     * map per evaluation.
     */
    @Nullable Object evaluate(Object[] inputs, Map<String, ?> request);
  }
}
