package io.e2i.featurestore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What an API key may do: feature-group name patterns per scope. A pattern is a glob over group
 * names ({@code *} any run of characters, {@code ?} one character), e.g. {@code hcp_*}.
 *
 * <ul>
 *   <li>{@link Scope#READ}: read a group's definition and values (online reads, history, training
 *       data, freshness).
 *   <li>{@link Scope#WRITE}: write values into a group, invalidate its cache, compute and store
 *       statistics, update freshness.
 *   <li>{@link Scope#ADMIN}: change the registry (create and update groups and features, apply),
 *       read the audit log and manage keys ({@code *} needed for those two). Admin on a group
 *       implies read and write on it: whoever may redefine a group may also use it.
 * </ul>
 */
public record KeyScopes(List<String> read, List<String> write, List<String> admin) {
  private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9_*?]{1,255}");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A scope a request needs on a group. */
  public enum Scope {
    READ,
    WRITE,
    ADMIN;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public KeyScopes {
    read = checked("read", read);
    write = checked("write", write);
    admin = checked("admin", admin);
  }

  /** Every scope on every group: the local user of a server without keys. */
  public static KeyScopes all() {
    return new KeyScopes(List.of("*"), List.of("*"), List.of("*"));
  }

  public static KeyScopes none() {
    return new KeyScopes(List.of(), List.of(), List.of());
  }

  public boolean isEmpty() {
    return read.isEmpty() && write.isEmpty() && admin.isEmpty();
  }

  /** Whether these scopes grant {@code scope} on the group named {@code group}. */
  public boolean allows(Scope scope, String group) {
    return switch (scope) {
      case ADMIN -> matchesAny(admin, group);
      case WRITE -> matchesAny(write, group) || matchesAny(admin, group);
      case READ -> matchesAny(read, group) || matchesAny(admin, group);
    };
  }

  /**
   * Whether {@code scope} is granted on every group, existing or future: some pattern is {@code *}.
   * Needed by calls that are not about one group (the audit log, key management).
   */
  public boolean allowsEverything(Scope scope) {
    return switch (scope) {
      case ADMIN -> admin.contains("*");
      case WRITE -> write.contains("*") || admin.contains("*");
      case READ -> read.contains("*") || admin.contains("*");
    };
  }

  private static boolean matchesAny(List<String> patterns, String group) {
    for (int i = 0; i < patterns.size(); i++) {
      if (glob(patterns.get(i), group)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Glob match without regular expressions (this runs on every request): on a mismatch after a
   * {@code *}, the star swallows one more character and matching resumes.
   */
  static boolean glob(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int resume = 0;
    while (t < text.length()) {
      if (p < pattern.length()
          && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  private static List<String> checked(String scope, List<String> patterns) {
    if (patterns == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(patterns.size());
    for (String p : patterns) {
      if (p == null || !GLOB.matcher(p).matches()) {
        throw FeatureStoreException.invalid(
            scope
                + " pattern '"
                + p
                + "' must be a feature group name or a glob of one (letters, digits, '_', '*',"
                + " '?')");
      }
      if (!out.contains(p)) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  /** The stored form: {@code {"read":[...],"write":[...],"admin":[...]}}. */
  public String toJson() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("read", read);
    m.put("write", write);
    m.put("admin", admin);
    try {
      return MAPPER.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write scopes as JSON", e);
    }
  }

  public static KeyScopes fromJson(String json) {
    try {
      JsonNode n = MAPPER.readTree(json);
      return new KeyScopes(strings(n, "read"), strings(n, "write"), strings(n, "admin"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt key scopes in the registry", e);
    }
  }

  private static List<String> strings(JsonNode n, String field) {
    List<String> out = new ArrayList<>();
    JsonNode a = n.get(field);
    if (a != null) {
      a.forEach(x -> out.add(x.asText()));
    }
    return out;
  }

  @Override
  public String toString() {
    return "read " + read + ", write " + write + ", admin " + admin;
  }
}
