package io.e2i.featurestore;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The fields in which a given definition differs from the stored one, by their snake_case (wire and
 * YAML) names, for the CONFLICT a create answers when the name is taken by another definition.
 */
final class Differences {
  private static final int MAX_SHOWN = 40;
  private final List<String> fields = new ArrayList<>();
  private final List<String> described = new ArrayList<>();

  Differences compare(String field, @Nullable Object stored, @Nullable Object given) {
    if (!Objects.equals(stored, given)) {
      fields.add(field);
      described.add(field + " (stored " + shown(stored) + ", given " + shown(given) + ")");
    }
    return this;
  }

  List<String> fields() {
    return List.copyOf(fields);
  }

  boolean none() {
    return fields.isEmpty();
  }

  /** "owner (stored 'a', given 'b'), max_age_hours (stored 48, given none)". */
  String describe() {
    return String.join(", ", described);
  }

  private static String shown(@Nullable Object value) {
    if (value == null) {
      return "none";
    }
    String text = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    return text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN - 3) + "..." : text;
  }
}
