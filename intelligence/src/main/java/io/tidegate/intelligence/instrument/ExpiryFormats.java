package io.tidegate.intelligence.instrument;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the expiry spellings venues use: {@code 250328}, {@code 20250328}, {@code 28MAR25} and
 * the futures month codes ({@code U21}, which BitMEX and Bybit expire on the month's last Friday).
 * Stateless and thread-safe.
 */
final class ExpiryFormats {
  private static final Pattern DAY_MONTH_YEAR = Pattern.compile("(\\d{1,2})([A-Z]{3})(\\d{2})");
  private static final String MONTHS = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
  private static final String MONTH_CODES = "FGHJKMNQUVXZ";

  private ExpiryFormats() {}

  /** The day a date token names, or null when it is not one of the known spellings. */
  static LocalDate parse(String token) {
    try {
      if (token.length() == 6 && allDigits(token)) {
        return date(2000 + num(token, 0, 2), num(token, 2, 4), num(token, 4, 6));
      }
      if (token.length() == 8 && allDigits(token) && token.startsWith("20")) {
        return date(num(token, 0, 4), num(token, 4, 6), num(token, 6, 8));
      }
      Matcher m = DAY_MONTH_YEAR.matcher(token);
      if (m.matches()) {
        int month = MONTHS.indexOf(m.group(2).toUpperCase(Locale.ROOT));
        return month % 3 == 0 && month >= 0
            ? date(2000 + Integer.parseInt(m.group(3)), month / 3 + 1, Integer.parseInt(m.group(1)))
            : null;
      }
    } catch (RuntimeException e) {
      return null;
    }
    return null;
  }

  /** Last Friday of the month a code such as {@code U21} names, or null. */
  static LocalDate monthCode(char code, String twoDigitYear) {
    int month = MONTH_CODES.indexOf(code);
    if (month < 0 || twoDigitYear.length() != 2 || !allDigits(twoDigitYear)) {
      return null;
    }
    return LocalDate.of(2000 + Integer.parseInt(twoDigitYear), month + 1, 1)
        .with(TemporalAdjusters.lastInMonth(DayOfWeek.FRIDAY));
  }

  private static LocalDate date(int year, int month, int day) {
    if (month < 1 || month > 12 || day < 1 || day > 31) {
      return null;
    }
    return LocalDate.of(year, month, day);
  }

  private static int num(String s, int from, int to) {
    return Integer.parseInt(s.substring(from, to));
  }

  static boolean allDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
