package io.e2i.featurestore.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.ValueType;
import io.e2i.featurestore.spi.OnDemandEvaluator;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The evaluator on its own, over the value types the store hands it: inputs by position, request
 * values converted to CEL's types only when they are not CEL's already, run-time failures as no
 * value.
 */
class CelEvaluatorTest {
  private static final Instant T = Instant.parse("2026-01-01T12:00:00Z");
  private final CelEvaluator cel = new CelEvaluator();
  private final Map<String, ValueType> inputs =
      Map.of(
          "trx", ValueType.INT64,
          "share", ValueType.FLOAT64,
          "specialty", ValueType.STRING,
          "seen", ValueType.TIMESTAMP,
          "codes", ValueType.STRING_LIST,
          "visits", ValueType.TIMESTAMP_LIST);

  private OnDemandEvaluator.Expression compile(String expression, String type) {
    return cel.compile("g:f", expression, inputs, ValueType.parse(type));
  }

  @Test
  void inputsArePassedByPositionInTheirDeclaredOrder() {
    OnDemandEvaluator.Expression x = compile("specialty + ':' + string(trx * 2)", "string");
    assertThat(x.inputs()).containsExactly("specialty", "trx");
    assertThat(x.evaluate(new Object[] {"Onc", 21L}, Map.of())).isEqualTo("Onc:42");
    OnDemandEvaluator.Expression share = compile("trx == 0 ? 0.0 : share / double(trx)", "float64");
    assertThat(share.inputs()).containsExactly("share", "trx");
    assertThat(share.evaluate(new Object[] {3.0, 4L}, Map.of())).isEqualTo(0.75);
    assertThat(share.evaluate(new Object[] {3.0, 0L}, Map.of())).isEqualTo(0.0);
  }

  @Test
  void timestampsAndListsGoInAndComeOutAsTheStoresTypes() {
    assertThat(compile("seen + duration('90m')", "timestamp").evaluate(new Object[] {T}, Map.of()))
        .isEqualTo(T.plusSeconds(90 * 60));
    assertThat(compile("visits", "timestamp_list").evaluate(new Object[] {List.of(T)}, Map.of()))
        .isEqualTo(List.of(T));
    assertThat(
            compile("codes.size() > 1 && 'b' in codes", "bool")
                .evaluate(new Object[] {List.of("a", "b")}, Map.of()))
        .isEqualTo(true);
  }

  @Test
  void requestValuesAreConvertedToCelsTypes() {
    OnDemandEvaluator.Expression x = compile("double(trx) * request.weight", "float64");
    assertThat(x.evaluate(new Object[] {8L}, Map.of("weight", 0.5))).isEqualTo(4.0);
    assertThat(x.evaluate(new Object[] {8L}, Map.of("weight", 0.5f))).isEqualTo(4.0);
    assertThat(x.evaluate(new Object[] {8L}, Map.of("weight", new BigDecimal("1.5"))))
        .isEqualTo(12.0);
    OnDemandEvaluator.Expression plus = compile("trx + request.n", "int64");
    assertThat(plus.evaluate(new Object[] {1L}, Map.of("n", 2))).as("an Integer").isEqualTo(3L);
    Map<String, Object> withNull = new HashMap<>();
    withNull.put("n", null);
    assertThat(plus.evaluate(new Object[] {1L}, withNull)).as("a null is absent").isNull();
    assertThat(
            compile("timestamp(request.at) > seen", "bool")
                .evaluate(new Object[] {T}, Map.of("at", "2026-02-01T00:00:00Z")))
        .isEqualTo(true);
  }

  @Test
  void runTimeFailuresGiveNoValue() {
    assertThat(compile("trx / 0", "int64").evaluate(new Object[] {1L}, Map.of())).isNull();
    assertThat(
            compile("double(trx) * request.weight", "float64")
                .evaluate(new Object[] {8L}, Map.of()))
        .as("a missing request value")
        .isNull();
    assertThat(
            compile("double(trx) * request.weight", "float64")
                .evaluate(new Object[] {8L}, Map.of("weight", "heavy")))
        .as("a request value of another type")
        .isNull();
    assertThat(compile("request.label", "string").evaluate(new Object[] {}, Map.of("label", 3L)))
        .as("a dyn result of another type than the feature's")
        .isNull();
  }
}
