package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.KeyScopes.Scope;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyScopesTest {

  @Test
  void globsMatchWholeGroupNames() {
    assertThat(KeyScopes.glob("hcp_*", "hcp_targeting")).isTrue();
    assertThat(KeyScopes.glob("hcp_*", "hcp_")).isTrue();
    assertThat(KeyScopes.glob("hcp_*", "xhcp_targeting")).isFalse();
    assertThat(KeyScopes.glob("*_30d", "trx_30d")).isTrue();
    assertThat(KeyScopes.glob("*_30d", "trx_30dx")).isFalse();
    assertThat(KeyScopes.glob("a*b*c", "aXXbYYbZc")).isTrue();
    assertThat(KeyScopes.glob("a*b*c", "aXXbYY")).isFalse();
    assertThat(KeyScopes.glob("g?", "g1")).isTrue();
    assertThat(KeyScopes.glob("g?", "g12")).isFalse();
    assertThat(KeyScopes.glob("*", "anything")).isTrue();
    assertThat(KeyScopes.glob("exact", "exact")).isTrue();
    assertThat(KeyScopes.glob("exact", "exactly")).isFalse();
  }

  @Test
  void adminImpliesReadAndWriteButWriteAndReadAreIndependent() {
    KeyScopes s = new KeyScopes(List.of("hcp_*"), List.of("hcp_targeting"), List.of("brand_*"));
    assertThat(s.allows(Scope.READ, "hcp_demographics")).isTrue();
    assertThat(s.allows(Scope.WRITE, "hcp_demographics")).isFalse();
    assertThat(s.allows(Scope.WRITE, "hcp_targeting")).isTrue();
    assertThat(s.allows(Scope.ADMIN, "hcp_targeting")).isFalse();
    assertThat(s.allows(Scope.READ, "brand_performance")).isTrue();
    assertThat(s.allows(Scope.WRITE, "brand_performance")).isTrue();
    assertThat(s.allows(Scope.ADMIN, "brand_performance")).isTrue();
    assertThat(new KeyScopes(List.of(), List.of("w"), List.of()).allows(Scope.READ, "w")).isFalse();
    assertThat(s.allowsEverything(Scope.ADMIN)).isFalse();
    assertThat(KeyScopes.all().allowsEverything(Scope.ADMIN)).isTrue();
  }

  @Test
  void scopesRoundTripThroughTheirStoredForm() {
    KeyScopes s = new KeyScopes(List.of("b", "a", "b"), List.of(), List.of("*"));
    assertThat(s.read()).containsExactly("b", "a");
    assertThat(KeyScopes.fromJson(s.toJson())).isEqualTo(s);
  }
}
