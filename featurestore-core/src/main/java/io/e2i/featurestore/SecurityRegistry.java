package io.e2i.featurestore;

import io.e2i.featurestore.spi.SecurityStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * API keys and the audit log of a store ({@link FeatureStore#security()}).
 *
 * <p>A key reads {@code fsk_<id>_<secret>}: {@code id} is 12 hex digits, public, stored in clear to
 * find the key; {@code secret} is 32 random bytes (base64url). Only the SHA-256 of the whole key is
 * stored, and the key is shown once, when created. A fast hash is enough here: slow KDFs (bcrypt,
 * PBKDF2) protect guessable passwords, while 256 random bits cannot be guessed or brute-forced from
 * the hash, and the check stays in the microseconds.
 */
public final class SecurityRegistry {
  /** The actor of changes made without a key: the CLI on the store, or a server without keys. */
  public static final String LOCAL = "local";

  public static final String CREATE_KEY = "create_api_key";
  public static final String REVOKE_KEY = "revoke_api_key";
  public static final String KEY_USE = "api_key_use";

  private static final String PREFIX = "fsk_";
  private static final int ID_HEX_DIGITS = 12;
  private static final int SECRET_BYTES = 32;
  private static final int SECRET_CHARS = 43; // base64url of 32 bytes, unpadded
  private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  /** A key as created: the only time its secret is known. */
  public record CreatedKey(ApiKey key, String secret) {
    @Override
    public String toString() {
      return "CreatedKey[" + key + "]";
    }
  }

  private final @Nullable SecurityStore store;
  private final Clock clock;

  public SecurityRegistry(@Nullable SecurityStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** For a registry that cannot keep keys: no keys, nothing to audit into. */
  public static SecurityRegistry unsupported() {
    return new SecurityRegistry(null, Clock.systemUTC());
  }

  /** Whether the registry can keep keys and an audit log. */
  public boolean supported() {
    return store != null;
  }

  private SecurityStore store() {
    if (store == null) {
      throw FeatureStoreException.invalid("this store's registry cannot keep API keys");
    }
    return store;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  // ---------------------------------------------------------------- keys

  /** Creates a key; its secret is in the result and nowhere else. Audited as {@code actor}. */
  public CreatedKey createKey(String name, KeyScopes scopes, String actor) {
    checkName(name);
    if (scopes.isEmpty()) {
      throw FeatureStoreException.invalid(
          "key '" + name + "' needs at least one read, write or admin pattern");
    }
    SecurityStore s = store();
    for (int attempt = 0; ; attempt++) {
      byte[] idBytes = new byte[ID_HEX_DIGITS / 2];
      byte[] secretBytes = new byte[SECRET_BYTES];
      RANDOM.nextBytes(idBytes);
      RANDOM.nextBytes(secretBytes);
      String id = HEX.formatHex(idBytes);
      String secret =
          PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
      ApiKey key = new ApiKey(id, name, hash(secret), scopes, now(), null, null, 0);
      if (s.insertKey(key)) {
        audit(actor, CREATE_KEY, name, scopes.toString());
        return new CreatedKey(key, secret);
      }
      if (s.loadKeys().stream().anyMatch(k -> k.name().equals(name))) {
        throw new FeatureStoreException(
            FeatureStoreException.Code.CONFLICT,
            "a key named '"
                + name
                + "' exists already (names are never reused, not even after a revocation)");
      }
      if (attempt >= 3) { // an id collision four times in a row: the random source is broken
        throw new IllegalStateException("could not draw a unique key id");
      }
    }
  }

  /** Every key, revoked ones included, by name; never a secret. */
  public List<ApiKey> listKeys() {
    return store == null ? List.of() : store.loadKeys();
  }

  /** Whether any key is active: then a server on this store requires one. */
  public boolean hasActiveKeys() {
    return listKeys().stream().anyMatch(ApiKey::active);
  }

  /** Revokes the active key of that name; servers refuse it within a second. */
  public ApiKey revokeKey(String name, String actor) {
    checkName(name);
    SecurityStore s = store();
    if (!s.revokeKey(name, now())) {
      boolean revoked = s.loadKeys().stream().anyMatch(k -> k.name().equals(name));
      throw revoked
          ? new FeatureStoreException(
              FeatureStoreException.Code.CONFLICT, "key '" + name + "' is revoked already")
          : FeatureStoreException.notFound("no key named '" + name + "'");
    }
    audit(actor, REVOKE_KEY, name, null);
    return s.loadKeys().stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
  }

  /** Adds request counts to the keys, and one {@value #KEY_USE} audit entry per key. */
  public void recordUse(List<KeyUse> uses) {
    if (uses.isEmpty()) {
      return;
    }
    SecurityStore s = store();
    s.recordKeyUse(uses);
    for (KeyUse u : uses) {
      s.appendAudit(
          new AuditEntry(
              0,
              u.lastAt(),
              u.keyName(),
              KEY_USE,
              u.keyName(),
              u.requests()
                  + " requests ("
                  + u.denied()
                  + " refused) from "
                  + u.firstAt()
                  + " to "
                  + u.lastAt()));
    }
  }

  // ---------------------------------------------------------------- audit

  /** Appends an audit entry as of now; does nothing when the registry cannot keep a log. */
  public void audit(String actor, String action, String target, @Nullable String detail) {
    if (store != null) {
      store.appendAudit(new AuditEntry(0, now(), actor, action, target, detail));
    }
  }

  public List<AuditEntry> auditLog(AuditQuery query) {
    return store == null ? List.of() : store.loadAudit(query);
  }

  // ---------------------------------------------------------------- key format

  /** Lowercase hex SHA-256 of a key, as stored. */
  public static String hash(String key) {
    return HEX.formatHex(sha256(key));
  }

  /** SHA-256 of a key, to compare in constant time ({@link MessageDigest#isEqual}). */
  public static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The public id inside a presented key, or null when it is not shaped like a key at all. */
  public static @Nullable String keyId(String presented) {
    int idEnd = PREFIX.length() + ID_HEX_DIGITS;
    if (presented.length() != idEnd + 1 + SECRET_CHARS
        || !presented.startsWith(PREFIX)
        || presented.charAt(idEnd) != '_') {
      return null;
    }
    return presented.substring(PREFIX.length(), idEnd);
  }

  private static void checkName(String name) {
    if (name == null || !KEY_NAME.matcher(name).matches()) {
      throw FeatureStoreException.invalid(
          "key name '"
              + name
              + "' must start with a letter or digit and hold only letters, digits, '_', '.'"
              + " and '-' (at most 64)");
    }
  }
}
