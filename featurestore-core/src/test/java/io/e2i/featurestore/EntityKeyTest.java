package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.spi.CacheKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntityKeyTest {

  @Test
  void keyOrderNeverMatters() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("brand_id", "B1");
    a.put("geography_id", "US-NE");
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("geography_id", "US-NE");
    b.put("brand_id", "B1");
    assertThat(EntityKey.of(a)).isEqualTo(EntityKey.of(b)).hasSameHashCodeAs(EntityKey.of(b));
    assertThat(EntityKey.of(b).canonical())
        .isEqualTo("{\"brand_id\":\"B1\",\"geography_id\":\"US-NE\"}");
    assertThat(EntityKey.of(b).keyNames()).containsExactly("brand_id", "geography_id");
    assertThat(EntityKey.of(a).hash()).isEqualTo(EntityKey.of(b).hash()).hasSize(16);
  }

  @Test
  void numbersAreTheirDecimalText() {
    assertThat(EntityKey.of(Map.of("id", 42))).isEqualTo(EntityKey.of(Map.of("id", "42")));
  }

  @Test
  void rejectsEmptyAndNullKeys() {
    assertThatThrownBy(() -> EntityKey.of(Map.of())).hasMessageContaining("entity_values");
    Map<String, Object> nullValue = new HashMap<>();
    nullValue.put("hcp_id", null);
    assertThatThrownBy(() -> EntityKey.of(nullValue)).hasMessageContaining("hcp_id");
    assertThatThrownBy(() -> EntityKey.of(Map.of("id", List.of(1))))
        .hasMessageContaining("string or number");
  }

  @Test
  void cacheKeyHasTheSeedFormat() {
    CacheKey key =
        new CacheKey(EntityKey.of("hcp_id", "HCP123"), "hcp_demographics", List.of("a@1", "b@1"));
    assertThat(key.render()).matches("fs:\\{[0-9a-f]{16}\\}:fg:hcp_demographics:fn:[0-9a-f]{16}");
    assertThat(key.render())
        .isNotEqualTo(
            new CacheKey(EntityKey.of("hcp_id", "HCP123"), "hcp_demographics", List.of("a@1"))
                .render());
  }

  @Test
  void featureReferencesParse() {
    assertThat(FeatureRef.parse("g:f@2")).isEqualTo(new FeatureRef("g", "f", 2));
    assertThat(FeatureRef.parse("f")).isEqualTo(new FeatureRef(null, "f", null));
    assertThat(FeatureRef.parse("g:f")).isEqualTo(new FeatureRef("g", "f", null));
    assertThatThrownBy(() -> FeatureRef.parse("g:f@x")).hasMessageContaining("bad version");
    assertThatThrownBy(() -> FeatureRef.parse("g:f@0")).hasMessageContaining("start at 1");
    assertThatThrownBy(() -> FeatureRef.parse("g:bad name")).hasMessageContaining("bad name");
  }
}
