package io.tidegate.intelligence.instrument;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Canonical identity of a tradable instrument, independent of any venue's spelling; two listings
 * are the same instrument exactly when their keys are equal. The string form is the ccxt unified
 * symbol ({@code BTC/USDT}, {@code BTC/USDT:USDT}, {@code BTC/USD:BTC-250328},
 * {@code BTC/USD:BTC-250328-100000-C}).
 *
 * <p>Immutable and thread-safe. The strike is held without trailing zeros so that equal prices
 * give equal keys.
 *
 * @param base   base currency, upper case
 * @param quote  quote currency, upper case
 * @param settle settlement currency; empty for spot
 * @param kind   spot, perpetual, future or option
 * @param expiry UTC expiry day for futures and options, else null
 * @param strike strike price for options, else null
 * @param right  call or put for options, else null
 */
public record InstrumentKey(
    String base, String quote, String settle, Kind kind, LocalDate expiry, BigDecimal strike, Right right) {

  /** What sort of contract the key names. */
  public enum Kind { SPOT, PERPETUAL, FUTURE, OPTION }

  /** Option right. */
  public enum Right { CALL, PUT }

  private static final DateTimeFormatter YYMMDD = DateTimeFormatter.ofPattern("yyMMdd");
  private static final Pattern UNIFIED = Pattern.compile(
      "([^/:]+)/([^/:]+)(?::([^-]+)(?:-(\\d{6})(?:-(\\d+(?:\\.\\d+)?)-([CP]))?)?)?");

  /** Checks that the fields fit the kind, so a key can never be half an option. */
  public InstrumentKey {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(quote, "quote");
    Objects.requireNonNull(kind, "kind");
    settle = settle == null ? "" : settle;
    if (base.isEmpty() || quote.isEmpty()) {
      throw new IllegalArgumentException("base and quote must not be empty");
    }
    if ((kind == Kind.SPOT) != settle.isEmpty()) {
      throw new IllegalArgumentException("settle is empty exactly for spot, got " + kind + " settle '" + settle + "'");
    }
    boolean dated = kind == Kind.FUTURE || kind == Kind.OPTION;
    if (dated != (expiry != null)) {
      throw new IllegalArgumentException("expiry is set exactly for futures and options");
    }
    boolean option = kind == Kind.OPTION;
    if (option != (strike != null) || option != (right != null)) {
      throw new IllegalArgumentException("strike and right are set exactly for options");
    }
    strike = strike == null ? null : normalise(strike);
  }

  /** A spot pair. */
  public static InstrumentKey spot(String base, String quote) {
    return new InstrumentKey(base, quote, "", Kind.SPOT, null, null, null);
  }

  /** A perpetual swap settled in {@code settle}. */
  public static InstrumentKey perpetual(String base, String quote, String settle) {
    return new InstrumentKey(base, quote, settle, Kind.PERPETUAL, null, null, null);
  }

  /** A dated future settled in {@code settle}. */
  public static InstrumentKey future(String base, String quote, String settle, LocalDate expiry) {
    return new InstrumentKey(base, quote, settle, Kind.FUTURE, expiry, null, null);
  }

  /** An option settled in {@code settle}. */
  public static InstrumentKey option(
      String base, String quote, String settle, LocalDate expiry, BigDecimal strike, Right right) {
    return new InstrumentKey(base, quote, settle, Kind.OPTION, expiry, strike, right);
  }

  /** Reads the ccxt unified form; empty when the text is not one. */
  public static Optional<InstrumentKey> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = UNIFIED.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      if (m.group(3) == null) {
        return Optional.of(spot(m.group(1), m.group(2)));
      }
      if (m.group(4) == null) {
        return Optional.of(perpetual(m.group(1), m.group(2), m.group(3)));
      }
      LocalDate expiry = LocalDate.parse(m.group(4), YYMMDD);
      if (m.group(5) == null) {
        return Optional.of(future(m.group(1), m.group(2), m.group(3), expiry));
      }
      Right right = m.group(6).equals("C") ? Right.CALL : Right.PUT;
      return Optional.of(option(m.group(1), m.group(2), m.group(3), expiry, new BigDecimal(m.group(5)), right));
    } catch (RuntimeException e) {
      // an impossible date such as 251399 is junk, not an error the caller must handle
      return Optional.empty();
    }
  }

  /** The ccxt unified symbol. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(base).append('/').append(quote);
    if (kind == Kind.SPOT) {
      return s.toString();
    }
    s.append(':').append(settle);
    if (expiry != null) {
      s.append('-').append(expiry.format(YYMMDD));
    }
    if (strike != null) {
      s.append('-').append(strike.toPlainString()).append('-').append(right == Right.CALL ? 'C' : 'P');
    }
    return s.toString();
  }

  private static BigDecimal normalise(BigDecimal strike) {
    BigDecimal stripped = strike.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
  }
}
