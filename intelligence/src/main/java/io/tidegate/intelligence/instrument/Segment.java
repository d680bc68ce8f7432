package io.tidegate.intelligence.instrument;

import java.util.Locale;
import java.util.Optional;

/**
 * The venue API category an adapter knows a market by; it decides the settlement currency a bare
 * id leaves implicit. Immutable.
 */
public enum Segment {
  /** Cash pair, no settlement currency. */
  SPOT,
  /** Margined and settled in the quote currency. */
  LINEAR,
  /** Margined and settled in the base currency. */
  INVERSE,
  /** Settled in a third currency fixed by the venue. */
  QUANTO,
  /** Options; settled in the base when quoted in USD (coin-margined), else in the quote. */
  OPTION;

  /** Reads a segment name, any case; empty for anything else. */
  public static Optional<Segment> of(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "spot" -> Optional.of(SPOT);
      case "linear" -> Optional.of(LINEAR);
      case "inverse" -> Optional.of(INVERSE);
      case "quanto" -> Optional.of(QUANTO);
      case "option" -> Optional.of(OPTION);
      default -> Optional.empty();
    };
  }
}
