package io.e2i.featurestore.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

  /** The hand-written timestamp text is Instant.toString's, fraction widths and edges included. */
  @Test
  void instantsAreWrittenAsInstantToString() throws Exception {
    List<Instant> instants =
        new ArrayList<>(
            List.of(
                Instant.EPOCH,
                Instant.ofEpochSecond(-1),
                Instant.ofEpochSecond(-1, 999_999_999),
                Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.ofEpochSecond(253_402_300_800L),
                Instant.ofEpochSecond(-62_167_219_201L),
                Instant.MIN,
                Instant.MAX,
                Instant.parse("2024-02-29T12:34:56.100Z"),
                Instant.parse("2025-12-18T12:00:00.123456Z"),
                Instant.parse("2025-12-18T12:00:00.000000001Z"),
                Instant.parse("2025-12-18T12:00:00.000001Z"),
                Instant.parse("2025-12-18T12:00:00.001Z")));
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      long second = random.nextLong(-62_167_219_200L - 100_000, 253_402_300_799L + 100_000);
      int nano =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
          };
      instants.add(Instant.ofEpochSecond(second, nano));
    }
    for (Instant t : instants) {
      assertThat(written(t)).as("epoch second %d", t.getEpochSecond()).isEqualTo(quoted(t));
    }
  }

  private static String written(Object value) throws Exception {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      JsonValues.write(g, value);
    }
    return out.toString();
  }

  private static String quoted(Instant t) {
    return "\"" + t + "\"";
  }
}
