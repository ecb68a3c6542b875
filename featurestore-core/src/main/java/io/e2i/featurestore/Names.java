package io.e2i.featurestore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** Validation of names and tag lists shared by groups, features and entity keys. */
final class Names {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");

  private Names() {}

  /** Names become SQL columns, cache keys and "group:feature@v" references, so keep them plain. */
  static String check(String what, String name) {
    if (name == null || name.isBlank()) {
      throw FeatureStoreException.invalid(what + " is required");
    }
    if (!NAME.matcher(name).matches()) {
      throw FeatureStoreException.invalid(
          what
              + " '"
              + name
              + "' must start with a letter or '_' and hold only letters, digits and '_'"
              + " (at most 255)");
    }
    return name;
  }

  static List<String> copy(Collection<String> list) {
    return list == null ? List.of() : List.copyOf(new ArrayList<>(list));
  }
}
