package io.tidegate.intelligence.arbitrage;

/**
 * What trading on one venue costs and allows: its taker fee and the smallest order it takes.
 * Immutable.
 *
 * @param takerFeeBps taker fee in basis points of notional, at least 0
 * @param minSize     smallest executable size in base units, at least 0
 */
public record VenueTerms(double takerFeeBps, double minSize) {

  /** No fee and no minimum: for venues the configuration does not name, unless it says otherwise. */
  public static final VenueTerms FREE = new VenueTerms(0, 0);

  /** Rejects negative or non-finite terms, which would make every crossing look profitable or none. */
  public VenueTerms {
    if (!(takerFeeBps >= 0) || Double.isInfinite(takerFeeBps)) {
      throw new IllegalArgumentException("taker fee must be a finite number of bps >= 0, got " + takerFeeBps);
    }
    if (!(minSize >= 0) || Double.isInfinite(minSize)) {
      throw new IllegalArgumentException("minimum size must be finite and >= 0, got " + minSize);
    }
  }
}
