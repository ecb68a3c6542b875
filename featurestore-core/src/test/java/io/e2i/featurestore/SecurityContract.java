package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * API keys and the audit log, run against every registry backend: each backend module extends this
 * class. {@link #open} gives a store on empty state, {@link #reopen} the same state after a
 * restart.
 */
public abstract class SecurityContract {
  private static final KeyScopes SCOPES =
      new KeyScopes(List.of("hcp_*", "brand_performance"), List.of("hcp_targeting"), List.of());

  protected FeatureStore store;

  protected abstract FeatureStore open();

  protected abstract FeatureStore reopen();

  @BeforeEach
  void openStore() {
    store = open();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private SecurityRegistry security() {
    return store.security();
  }

  @Test
  void aCreatedKeyIsShownOnceAndOnlyItsHashIsStored() {
    SecurityRegistry.CreatedKey created = security().createKey("ci-reader", SCOPES, "local");

    String secret = created.secret();
    assertThat(secret).matches("fsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
    assertThat(SecurityRegistry.keyId(secret)).isEqualTo(created.key().id());
    List<ApiKey> keys = security().listKeys();
    assertThat(keys).hasSize(1);
    ApiKey stored = keys.getFirst();
    assertThat(stored.name()).isEqualTo("ci-reader");
    assertThat(stored.hash()).isEqualTo(SecurityRegistry.hash(secret)).hasSize(64);
    assertThat(stored.toString()).doesNotContain(secret).doesNotContain(stored.hash());
    assertThat(created.toString()).doesNotContain(secret);
    assertThat(stored.scopes()).isEqualTo(SCOPES);
    assertThat(stored.active()).isTrue();
    assertThat(stored.useCount()).isZero();
    assertThat(stored.lastUsedAt()).isNull();
    assertThat(stored.createdAt()).isCloseTo(Instant.now(), within());
    assertThat(security().hasActiveKeys()).isTrue();
  }

  @Test
  void twoKeysNeverShareASecretOrAnId() {
    var a = security().createKey("a", SCOPES, "local");
    var b = security().createKey("b", SCOPES, "local");
    assertThat(a.secret()).isNotEqualTo(b.secret());
    assertThat(a.key().id()).isNotEqualTo(b.key().id());
    assertThat(security().listKeys()).extracting(ApiKey::name).containsExactly("a", "b");
  }

  @Test
  void keyNamesAreNeverReusedNotEvenAfterARevocation() {
    security().createKey("etl", SCOPES, "local");
    assertThatThrownBy(() -> security().createKey("etl", SCOPES, "local"))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("'etl' exists already")
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.CONFLICT);
    security().revokeKey("etl", "local");
    assertThatThrownBy(() -> security().createKey("etl", SCOPES, "local"))
        .hasMessageContaining("exists already");
    assertThat(security().listKeys()).hasSize(1);
  }

  @Test
  void aRevokedKeyStaysListedAsRevoked() {
    security().createKey("etl", SCOPES, "local");
    ApiKey revoked = security().revokeKey("etl", "admin-key");

    assertThat(revoked.active()).isFalse();
    assertThat(revoked.revokedAt()).isCloseTo(Instant.now(), within());
    assertThat(security().listKeys()).singleElement().matches(k -> !k.active());
    assertThat(security().hasActiveKeys()).isFalse();
    assertThatThrownBy(() -> security().revokeKey("etl", "local"))
        .hasMessageContaining("revoked already");
    assertThatThrownBy(() -> security().revokeKey("nope", "local"))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("no key named 'nope'")
        .extracting(e -> ((FeatureStoreException) e).code())
        .isEqualTo(FeatureStoreException.Code.NOT_FOUND);
  }

  @Test
  void badNamesAndEmptyScopesAreRefusedAndStoreNothing() {
    assertThatThrownBy(() -> security().createKey("bad name", SCOPES, "local"))
        .hasMessageContaining("key name 'bad name'");
    assertThatThrownBy(() -> security().createKey("empty", KeyScopes.none(), "local"))
        .hasMessageContaining("at least one read, write or admin pattern");
    assertThatThrownBy(() -> new KeyScopes(List.of("hcp-*"), List.of(), List.of()))
        .hasMessageContaining("read pattern 'hcp-*'");
    assertThat(security().listKeys()).isEmpty();
    assertThat(security().auditLog(AuditQuery.latest(10))).isEmpty();
  }

  @Test
  void keyUseAddsUpAndMovesLastUsedForward() {
    ApiKey key = security().createKey("svc", SCOPES, "local").key();
    Instant t1 = Instant.parse("2026-01-02T03:04:05.123456Z");
    Instant t2 = t1.plusSeconds(30);
    security().recordUse(List.of(new KeyUse(key.id(), "svc", 7, 1, t1, t2)));
    security().recordUse(List.of(new KeyUse(key.id(), "svc", 5, 0, t1, t1.plusSeconds(1))));

    ApiKey used = security().listKeys().getFirst();
    assertThat(used.useCount()).isEqualTo(12);
    assertThat(used.lastUsedAt()).isEqualTo(t2);
    List<AuditEntry> uses =
        security().auditLog(new AuditQuery(null, "svc", SecurityRegistry.KEY_USE, 10));
    assertThat(uses).hasSize(2);
    assertThat(uses.get(1).detail()).startsWith("7 requests (1 refused)");
    assertThat(uses.get(1).at()).isEqualTo(t2);
  }

  @Test
  void theAuditLogIsNewestFirstAndFiltered() {
    security().createKey("a", SCOPES, "local");
    security().createKey("b", SCOPES, "a");
    security().revokeKey("a", "b");
    security().audit("b", "create_feature_group", "hcp_demographics", "created");

    List<AuditEntry> all = security().auditLog(AuditQuery.latest(100));
    assertThat(all)
        .extracting(AuditEntry::action)
        .containsExactly(
            "create_feature_group",
            SecurityRegistry.REVOKE_KEY,
            SecurityRegistry.CREATE_KEY,
            SecurityRegistry.CREATE_KEY);
    assertThat(all).extracting(AuditEntry::actor).containsExactly("b", "b", "a", "local");
    assertThat(all)
        .extracting(AuditEntry::target)
        .containsExactly("hcp_demographics", "a", "b", "a");
    assertThat(all.get(0).detail()).isEqualTo("created");
    assertThat(all.get(0).id()).isGreaterThan(all.get(1).id());
    assertThat(all.get(3).detail()).contains("hcp_*");

    assertThat(security().auditLog(AuditQuery.latest(2))).hasSize(2);
    assertThat(security().auditLog(new AuditQuery(null, "b", null, 10))).hasSize(2);
    assertThat(security().auditLog(new AuditQuery(null, null, SecurityRegistry.CREATE_KEY, 10)))
        .hasSize(2);
    Instant future = Instant.now().plusSeconds(60);
    assertThat(security().auditLog(new AuditQuery(future, null, null, 10))).isEmpty();
    Instant past = Instant.now().minusSeconds(60);
    assertThat(security().auditLog(new AuditQuery(past, null, null, 10))).hasSize(4);
  }

  @Test
  void keysAndTheLogSurviveARestart() {
    var created = security().createKey("svc", SCOPES, "local");
    security().revokeKey("svc", "local");
    security().createKey("svc2", KeyScopes.all(), "local");
    store.close();
    store = reopen();

    assertThat(security().listKeys()).extracting(ApiKey::name).containsExactly("svc", "svc2");
    ApiKey svc = security().listKeys().getFirst();
    assertThat(svc.hash()).isEqualTo(SecurityRegistry.hash(created.secret()));
    assertThat(svc.createdAt()).isEqualTo(created.key().createdAt());
    assertThat(svc.active()).isFalse();
    assertThat(security().listKeys().get(1).scopes()).isEqualTo(KeyScopes.all());
    assertThat(security().auditLog(AuditQuery.latest(10))).hasSize(3);
  }

  private static org.assertj.core.data.TemporalUnitOffset within() {
    return new org.assertj.core.data.TemporalUnitWithinOffset(1, ChronoUnit.MINUTES);
  }
}
