package io.tidegate.intelligence.arbitrage;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The detector's configuration. Immutable.
 *
 * @param thresholdBps       a crossing is reported when its edge net of both taker fees exceeds this
 * @param staleAfterNanos    a venue whose last update was received longer ago than this is left out
 * @param maxInstruments     instruments tracked at most; quotes of further ones are ignored
 * @param maxVenues          venues tracked at most; quotes of further ones are ignored
 * @param updateEdgeBps      an open signal is re-sent (UPDATE) when its net edge moved by at least this
 * @param updateSizeFraction ... or when its executable size moved by at least this share of the last sent size
 * @param venues             terms by venue name (any case)
 * @param otherVenues        terms of venues {@code venues} does not name
 */
public record ArbitrageSettings(
    double thresholdBps,
    long staleAfterNanos,
    int maxInstruments,
    int maxVenues,
    double updateEdgeBps,
    double updateSizeFraction,
    Map<String, VenueTerms> venues,
    VenueTerms otherVenues) {

  /** Checks the bounds and keys the venue terms by upper-case name. */
  public ArbitrageSettings {
    if (!(thresholdBps >= 0) || Double.isInfinite(thresholdBps)) {
      throw new IllegalArgumentException("threshold must be a finite number of bps >= 0, got " + thresholdBps);
    }
    if (staleAfterNanos <= 0) {
      throw new IllegalArgumentException("stale age must be positive, got " + staleAfterNanos + " ns");
    }
    if (maxInstruments < 1 || maxVenues < 2) {
      throw new IllegalArgumentException("need at least 1 instrument and 2 venues, got " + maxInstruments + " and " + maxVenues);
    }
    if (!(updateEdgeBps > 0) || !(updateSizeFraction > 0)) {
      throw new IllegalArgumentException("update thresholds must be positive, got " + updateEdgeBps + " bps and " + updateSizeFraction);
    }
    venues = venues.entrySet().stream()
        .collect(Collectors.toUnmodifiableMap(e -> e.getKey().toUpperCase(Locale.ROOT), Map.Entry::getValue));
    otherVenues = otherVenues == null ? VenueTerms.FREE : otherVenues;
  }

  /** The terms of a venue, by name in any case. */
  public VenueTerms terms(String venue) {
    return venues.getOrDefault(venue.toUpperCase(Locale.ROOT), otherVenues);
  }
}
