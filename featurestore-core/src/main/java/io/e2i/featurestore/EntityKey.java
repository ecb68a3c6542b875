package io.e2i.featurestore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An entity: entity-key names mapped to values, e.g. {@code {"hcp_id":"HCP123"}}. Held in canonical
 * form (keys sorted, values as strings) so that key order never matters: two maps with the same
 * pairs in any order are equal and hash alike.
 */
public final class EntityKey {

  private final SortedMap<String, String> values;
  private final String canonical;
  private final java.util.List<String> keyList;
  private final int hashCode;

  private EntityKey(SortedMap<String, String> values) {
    this.values = Collections.unmodifiableSortedMap(values);
    this.canonical = toCanonical(values);
    this.keyList = java.util.List.copyOf(values.keySet());
    this.hashCode = canonical.hashCode();
  }

  /**
   * Builds the canonical entity. Values may be strings or numbers or booleans (a number's decimal
   * text is its identity); null, empty names and nested values are rejected.
   */
  public static EntityKey of(Map<String, ?> entityValues) {
    if (entityValues == null || entityValues.isEmpty()) {
      throw FeatureStoreException.invalid("entity_values must name at least one entity key");
    }
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, ?> e : entityValues.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (key == null || key.isBlank()) {
        throw FeatureStoreException.invalid("entity_values has an empty entity key name");
      }
      if (value == null) {
        throw FeatureStoreException.invalid("entity key '" + key + "' has no value");
      }
      if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
        throw FeatureStoreException.invalid(
            "entity key '" + key + "' must be a string or number, got " + value);
      }
      sorted.put(key, value.toString());
    }
    return new EntityKey(sorted);
  }

  public static EntityKey of(String key, String value) {
    return of(Map.of(key, value));
  }

  /** Key names to values, sorted by key name. */
  public SortedMap<String, String> values() {
    return values;
  }

  /** Key names, sorted. */
  public java.util.List<String> keyNames() {
    return keyList;
  }

  /**
   * The canonical JSON text, keys sorted: {@code {"brand_id":"B1","geography_id":"US-NE"}}. Stores
   * index entities by it.
   */
  public String canonical() {
    return canonical;
  }

  /** A short stable hash of the canonical form, used in cache keys. */
  public String hash() {
    return sha256Hex(canonical).substring(0, 16);
  }

  static String sha256Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String toCanonical(SortedMap<String, String> values) {
    StringBuilder sb = new StringBuilder(32 * values.size()).append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      Json.appendQuoted(sb, e.getKey());
      sb.append(':');
      Json.appendQuoted(sb, e.getValue());
    }
    return sb.append('}').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EntityKey other && canonical.equals(other.canonical);
  }

  @Override
  public int hashCode() {
    return hashCode;
  }

  @Override
  public String toString() {
    return canonical;
  }
}
