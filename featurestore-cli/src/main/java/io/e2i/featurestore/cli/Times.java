package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.ValueType;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Timestamps given on the command line or in ingested files: ISO-8601 with an offset ({@code
 * 2025-12-18T10:15:30Z}), or without one (read as UTC, the way CSV exports usually write them), a
 * date ({@code 2025-12-18}, midnight UTC), {@code now}, or an age such as {@code -30d} / {@code
 * -2h} (that long before now).
 */
final class Times {
  private static final Pattern AGO = Pattern.compile("-(\\d+)([smhd])");

  private Times() {}

  /**
   * A timestamp option: a usage error (exit 2) naming {@code what} when it is malformed or outside
   * years 0000 to 9999 (which the stores cannot read, as over HTTP).
   */
  static Instant parse(String what, String text) {
    Instant t = tryParse(text, Instant.now());
    if (t == null) {
      throw FeatureStoreException.invalid(
          what
              + ": malformed timestamp '"
              + text
              + "'; expected ISO-8601 such as 2025-12-18T10:15:30Z, a date, 'now' or an age"
              + " such as -30d");
    }
    ValueType.checkTimeArgument(what, t);
    return t;
  }

  /** The instant, or null when the text is no timestamp. */
  static @Nullable Instant tryParse(@Nullable String text, Instant now) {
    if (text == null) {
      return null;
    }
    String s = text.trim();
    if (s.isEmpty()) {
      return null;
    }
    if (s.equalsIgnoreCase("now")) {
      return now.truncatedTo(ChronoUnit.MICROS);
    }
    Matcher m = AGO.matcher(s.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        Duration d =
            switch (m.group(2)) {
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
        return now.minus(d).truncatedTo(ChronoUnit.MICROS);
      } catch (NumberFormatException | ArithmeticException | DateTimeException e) {
        return null; // an age past any long or Instant (e.g. -99999999999999d) is no timestamp
      }
    }
    return parseAbsolute(s);
  }

  /** ISO-8601 with or without offset ('T' or a space between date and time), or a date. */
  static @Nullable Instant parseAbsolute(String s) {
    String iso =
        s.length() > 10 && s.charAt(10) == ' ' ? s.substring(0, 10) + "T" + s.substring(11) : s;
    try {
      return OffsetDateTime.parse(iso).toInstant();
    } catch (DateTimeParseException e) {
      // try the next form
    }
    try {
      return Instant.parse(iso);
    } catch (DateTimeParseException e) {
      // try the next form
    }
    // "+00" style offsets as DuckDB prints them: 2025-12-18 10:15:30+00
    if (iso.matches(".*[+-]\\d\\d$")) {
      try {
        return OffsetDateTime.parse(iso + ":00").toInstant();
      } catch (DateTimeParseException e) {
        // try the next form
      }
    }
    try {
      return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      // try the next form
    }
    try {
      return LocalDate.parse(iso).atStartOfDay().toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
