package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.EntityFeatures;
import io.e2i.featurestore.EntityKey;
import io.e2i.featurestore.FeatureMetadata;
import io.e2i.featurestore.FreshnessStatus;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireTest {

  /** The hand-written name check accepts exactly what NAME_PATTERN does. */
  @Test
  void nameCheckIsThePattern() {
    List<String> texts =
        new java.util.ArrayList<>(
            List.of(
                "",
                "a",
                "_",
                "A9_z",
                "9a",
                "a-b",
                "a b",
                "a.b",
                "\u00e9t\u00e9",
                "a\u0660",
                "hcp_id",
                "a\n",
                "\u212a",
                "_".repeat(255),
                "_".repeat(256),
                "a".repeat(254) + "1"));
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    String alphabet = "aZ_09-. \u00e9\u0131";
    for (int i = 0; i < 5000; i++) {
      StringBuilder b = new StringBuilder();
      for (int n = random.nextInt(6); n > 0; n--) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      texts.add(b.toString());
    }
    for (String text : texts) {
      assertThat(Wire.isName(text)).as(text).isEqualTo(Wire.NAME.matcher(text).matches());
    }
  }

  /** The streamed online answer is the JSON that mapping its fields through Jackson gives. */
  @Test
  void onlineAnswerIsTheMappedJson() throws Exception {
    Instant t = Instant.parse("2025-12-18T12:00:00.123456Z");
    Map<String, Object> features = new LinkedHashMap<>();
    features.put("specialty", "Cardio \"logy\" \u00e9\n");
    features.put("years", 12L);
    features.put("score", 0.1 + 0.2);
    features.put("active", true);
    features.put("missing", null);
    features.put("seen_at", t);
    features.put("tags", List.of("a", "b"));
    features.put("scores", Arrays.asList(1.5, null, -0.0));
    features.put("times", List.of(t, Instant.EPOCH));
    features.put("odd", new BigDecimal("1.10"));
    Map<String, FeatureMetadata> metadata = new LinkedHashMap<>();
    metadata.put("specialty", new FeatureMetadata("hcp", 2, t, FreshnessStatus.FRESH));
    // The same time twice, none, another one, the first again: the answer renders a time once
    // per run of equal times.
    metadata.put("years", new FeatureMetadata("hcp", 1, t, FreshnessStatus.FRESH));
    metadata.put("missing", new FeatureMetadata("hcp", 1, null, FreshnessStatus.EXPIRED));
    metadata.put("score", new FeatureMetadata("hcp", 3, Instant.EPOCH, FreshnessStatus.STALE));
    metadata.put("active", new FeatureMetadata("hcp", 1, t, FreshnessStatus.FRESH));
    EntityFeatures ef =
        new EntityFeatures(EntityKey.of(Map.of("hcp_id", "H1", "brand", 7)), features, metadata);

    String streamed = new String(Wire.entityFeatures(ef), StandardCharsets.UTF_8);

    assertThat(streamed).isEqualTo(new String(Wire.bytes(mapped(ef)), StandardCharsets.UTF_8));
    assertThat(Wire.MAPPER.readTree(streamed).get("features").get("seen_at").asText())
        .isEqualTo("2025-12-18T12:00:00.123456Z");
  }

  /** How the answer was built before it was streamed: the reference. */
  private static Map<String, Object> mapped(EntityFeatures ef) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    ef.metadata()
        .forEach(
            (name, md) -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("feature_group", md.featureGroup());
              m.put("version", md.version());
              m.put("event_timestamp", md.eventTimestamp());
              m.put("freshness_status", md.freshnessStatus().wireName());
              metadata.put(name, m);
            });
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("entity_values", ef.entity().values());
    m.put("features", ef.features());
    m.put("metadata", metadata);
    return m;
  }
}
