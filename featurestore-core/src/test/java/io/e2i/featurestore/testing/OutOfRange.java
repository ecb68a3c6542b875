package io.e2i.featurestore.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureStoreException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;

/** Calls given a time argument outside years 0000 to 9999, which the store must refuse. */
public final class OutOfRange {
  private OutOfRange() {}

  /**
   * Each call throws INVALID_ARGUMENT "{@code <key>}: timestamp ... is out of range: years 0000 to
   * 9999": the key is the argument's name as the message gives it, e.g. {@code 'start_time'}.
   */
  public static void assertRefusedNamingTheArgument(List<Map.Entry<String, Executable>> calls) {
    for (Map.Entry<String, Executable> call : calls) {
      assertThatThrownBy(call.getValue()::execute)
          .as(call.getKey())
          .isInstanceOfSatisfying(
              FeatureStoreException.class,
              e -> assertThat(e.code()).isEqualTo(FeatureStoreException.Code.INVALID_ARGUMENT))
          .hasMessageStartingWith(call.getKey() + ": timestamp ")
          .hasMessageEndingWith(" is out of range: years 0000 to 9999");
    }
  }
}
