package io.tidegate.intelligence.instrument;

import java.util.List;
import java.util.Locale;

/**
 * One market as a venue lists it: the most trusted fact about an id. Immutable and thread-safe.
 *
 * @param venue    venue name, upper case ({@code KRAKEN})
 * @param segment  the venue's API category, lower case ({@code spot}, {@code linear}, ...)
 * @param nativeId the venue's own id as listed ({@code XXBTZUSD})
 * @param key      the canonical key the listing states
 * @param aliases  the venue's other spellings of this market (Kraken {@code XBTUSD}, {@code XBT/USD})
 * @param nativeBase  the venue's own code for the base ({@code XXBT}); empty when not given
 * @param nativeQuote the venue's own code for the quote ({@code ZUSD}); empty when not given
 */
public record Listing(String venue, String segment, String nativeId, InstrumentKey key, List<String> aliases,
                      String nativeBase, String nativeQuote) {

  /** Normalises the venue and segment case and copies the aliases. */
  public Listing {
    venue = venue.trim().toUpperCase(Locale.ROOT);
    segment = segment.trim().toLowerCase(Locale.ROOT);
    nativeId = nativeId.trim();
    aliases = List.copyOf(aliases);
    nativeBase = nativeBase == null ? "" : nativeBase.trim().toUpperCase(Locale.ROOT);
    nativeQuote = nativeQuote == null ? "" : nativeQuote.trim().toUpperCase(Locale.ROOT);
  }
}
