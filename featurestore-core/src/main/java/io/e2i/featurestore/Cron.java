package io.e2i.featurestore;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A five-field cron schedule in UTC ({@code minute hour day-of-month month day-of-week}) with
 * {@code *}, numbers, lists, ranges and steps ({@code *}{@code /15}, {@code 1-5}, {@code 0,30}),
 * and {@code @hourly}, {@code @daily}, {@code @weekly}, {@code @monthly}. Day-of-week 0 or 7 is
 * Sunday. As in cron, when both day fields are restricted a day matching either one fires. No cron
 * library is served to this build; this is the subset schedules need.
 */
public final class Cron {
  private final String text;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet days;
  private final BitSet months;
  private final BitSet weekdays;
  private final boolean anyDay;
  private final boolean anyWeekday;

  private Cron(String text, String[] f) {
    this.text = text;
    minutes = field(f[0], 0, 59, "minute");
    hours = field(f[1], 0, 23, "hour");
    days = field(f[2], 1, 31, "day of month");
    months = field(f[3], 1, 12, "month");
    BitSet w = field(f[4], 0, 7, "day of week");
    if (w.get(7)) {
      w.set(0);
    }
    weekdays = w;
    anyDay = f[2].equals("*");
    anyWeekday = f[4].equals("*");
  }

  /**
   * The text a schedule may be, as a regular expression both Java and JSON Schema read the same way
   * (the OpenAPI document declares it): a macro, or five fields of digits, '*', ',', '-' and '/'
   * separated by spaces. Values out of range (minute 75) are caught by {@link #parse} only.
   */
  public static final String PATTERN =
      "^(@(hourly|daily|midnight|weekly|monthly)|[0-9*,/-]+( +[0-9*,/-]+){4})$";

  private static final java.util.regex.Pattern SHAPE = java.util.regex.Pattern.compile(PATTERN);

  public static Cron parse(String text) {
    if (!SHAPE.matcher(text).matches()) {
      throw invalid(
          text,
          "needs 5 fields (minute hour day-of-month month day-of-week) of digits, '*', ',', '-'"
              + " and '/' separated by spaces, or @hourly, @daily, @weekly, @monthly");
    }
    String t = text;
    String expanded =
        switch (t) {
          case "@hourly" -> "0 * * * *";
          case "@daily", "@midnight" -> "0 0 * * *";
          case "@weekly" -> "0 0 * * 0";
          case "@monthly" -> "0 0 1 * *";
          default -> t;
        };
    String[] f = expanded.split("\\s+");
    if (f.length != 5) {
      throw invalid(text, "needs 5 fields (minute hour day-of-month month day-of-week)");
    }
    try {
      return new Cron(text, f);
    } catch (IllegalArgumentException e) {
      throw invalid(text, String.valueOf(e.getMessage()));
    }
  }

  private static FeatureStoreException invalid(String text, String why) {
    return FeatureStoreException.invalid("schedule '" + text + "' is not a cron schedule: " + why);
  }

  private static BitSet field(String spec, int min, int max, String name) {
    BitSet set = new BitSet(max + 1);
    for (String part : spec.split(",")) {
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        step = number(part.substring(slash + 1), name);
        range = part.substring(0, slash);
        if (step <= 0) {
          throw new IllegalArgumentException(name + " step must be positive");
        }
      }
      int lo;
      int hi;
      if (range.equals("*")) {
        lo = min;
        hi = max;
      } else if (range.contains("-")) {
        lo = number(range.substring(0, range.indexOf('-')), name);
        hi = number(range.substring(range.indexOf('-') + 1), name);
      } else {
        lo = number(range, name);
        hi = slash >= 0 ? max : lo;
      }
      if (lo < min || hi > max || lo > hi) {
        throw new IllegalArgumentException(name + " '" + part + "' is outside " + min + "-" + max);
      }
      for (int v = lo; v <= hi; v += step) {
        set.set(v);
      }
    }
    return set;
  }

  private static int number(String s, String name) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " '" + s + "' is not a number");
    }
  }

  /** The first minute strictly after {@code after} that the schedule fires, within 5 years. */
  public Instant next(Instant after) {
    ZonedDateTime t = after.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime limit = t.plusYears(5);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).withHour(0).withMinute(0).plusMonths(1);
      } else if (!dayMatches(t)) {
        t = t.withHour(0).withMinute(0).plusDays(1);
      } else if (!hours.get(t.getHour())) {
        t = t.withMinute(0).plusHours(1);
      } else if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else {
        return t.toInstant();
      }
    }
    throw invalid(text, "never fires");
  }

  private boolean dayMatches(ZonedDateTime t) {
    boolean day = days.get(t.getDayOfMonth());
    boolean weekday = weekdays.get(t.getDayOfWeek().getValue() % 7);
    if (anyDay && anyWeekday) {
      return true;
    }
    if (anyDay) {
      return weekday;
    }
    if (anyWeekday) {
      return day;
    }
    return day || weekday;
  }

  @Override
  public String toString() {
    return text;
  }
}
