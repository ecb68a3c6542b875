package io.e2i.featurestore.spi;

import io.e2i.featurestore.EntityKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The key of one cached online read: an entity, a group and the sorted feature names asked for.
 * {@link #render()} gives the seed's {@code
 * fs:{entity_hash}:fg:{feature_group}:fn:{feature_names_hash}}.
 */
public record CacheKey(EntityKey entity, String featureGroup, List<String> featureNames) {

  public CacheKey {
    featureNames = List.copyOf(featureNames);
  }

  public String render() {
    return prefix(entity, featureGroup) + ":fn:" + namesHash(featureNames);
  }

  /**
   * {@code fs:{<entity_hash>}:fg:<feature_group>}: every key of one entity and group starts so. The
   * braces are real: the entity hash is a Redis Cluster hash tag, so one entity's keys share a
   * slot.
   */
  public static String prefix(EntityKey entity, String featureGroup) {
    return "fs:{" + entity.hash() + "}:fg:" + featureGroup;
  }

  static String namesHash(List<String> names) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] hash = digest.digest(String.join(",", names).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
