package io.e2i.featurestore;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A feature version's {@link Constraints} compiled for the write path: the pattern compiled and the
 * allowed values hashed once per registry snapshot, not once per value, so a checked batch write
 * costs a few comparisons per value. Scalar rules ({@code min}, {@code max}, {@code allowed},
 * {@code pattern}, {@code max_length}) apply to scalar values; {@code min_items} / {@code
 * max_items} to lists; {@code nullable: false} to every value. A null value passes every rule but
 * nullable.
 */
final class ConstraintCheck {
  static final ConstraintCheck NONE = new ConstraintCheck(Constraints.NONE, ValidationMode.REJECT);

  private final ValidationMode mode;
  private final boolean empty;
  private final boolean nullable;
  private final double min;
  private final double max;
  private final @Nullable Set<Object> allowed;
  private final @Nullable Pattern pattern;
  private final int maxLength;
  private final int minItems;
  private final int maxItems;
  private final Constraints constraints;

  private ConstraintCheck(Constraints c, ValidationMode mode) {
    this.constraints = c;
    this.mode = mode;
    this.empty = c.isEmpty();
    this.nullable = c.nullable() == null || c.nullable();
    this.min = c.min() == null ? Double.NEGATIVE_INFINITY : c.min();
    this.max = c.max() == null ? Double.POSITIVE_INFINITY : c.max();
    this.allowed = c.allowed().isEmpty() ? null : keys(c.allowed());
    this.pattern = c.pattern() == null ? null : Pattern.compile(c.pattern());
    this.maxLength = c.maxLength() == null ? Integer.MAX_VALUE : c.maxLength();
    this.minItems = c.minItems() == null ? 0 : c.minItems();
    this.maxItems = c.maxItems() == null ? Integer.MAX_VALUE : c.maxItems();
  }

  /** The check of a feature version; its mode is the feature's, else the group's, else reject. */
  static ConstraintCheck of(Feature feature, @Nullable FeatureGroup group) {
    ValidationMode mode =
        feature.validation() != null
            ? feature.validation()
            : group == null ? ValidationMode.REJECT : group.effectiveValidation();
    if (feature.constraints().isEmpty() && mode == ValidationMode.REJECT) {
      return NONE;
    }
    return new ConstraintCheck(feature.constraints(), mode);
  }

  ValidationMode mode() {
    return mode;
  }

  /**
   * The first rule a normalized value breaks, as its wire name with the rule's bound (e.g. {@code
   * max (100.0)}), or null when it satisfies them all.
   */
  @Nullable String violation(@Nullable Object value) {
    if (empty) {
      return null;
    }
    if (value == null) {
      return nullable ? null : "nullable (false)";
    }
    if (value instanceof List<?> list) {
      if (list.size() < minItems) {
        return "min_items (" + minItems + ")";
      }
      return list.size() > maxItems ? "max_items (" + maxItems + ")" : null;
    }
    if (value instanceof Number n) {
      double d = n.doubleValue();
      if (d < min) {
        return "min (" + constraints.min() + ")";
      }
      if (d > max) {
        return "max (" + constraints.max() + ")";
      }
    }
    if (allowed != null && !allowed.contains(key(value))) {
      return "allowed (" + constraints.allowed() + ")";
    }
    if (value instanceof String s) {
      if (s.length() > maxLength && s.codePointCount(0, s.length()) > maxLength) {
        return "max_length (" + maxLength + ")";
      }
      if (pattern != null && !pattern.matcher(s).matches()) {
        return "pattern ('" + constraints.pattern() + "')";
      }
    }
    return null;
  }

  /** The constraint's wire name alone, e.g. {@code max} from {@code max (100.0)}. */
  static String ruleName(String violation) {
    int space = violation.indexOf(' ');
    return space < 0 ? violation : violation.substring(0, space);
  }

  private static Set<Object> keys(List<Object> values) {
    Set<Object> set = new HashSet<>();
    for (Object v : values) {
      set.add(key(v));
    }
    return Set.copyOf(set);
  }

  /** Numbers compare by value (1 allows 1.0), timestamps by their ISO text. */
  private static Object key(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof java.time.Instant i) {
      return i.toString();
    }
    return v;
  }
}
