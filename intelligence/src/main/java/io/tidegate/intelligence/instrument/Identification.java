package io.tidegate.intelligence.instrument;

/**
 * What {@link InstrumentCatalog#identify} answers: the canonical key of a native id, how sure it
 * is and what decided it. Immutable and thread-safe.
 *
 * @param key        the canonical key
 * @param confidence 0..1; 1 for a listing
 * @param source     what decided it, most trusted first in {@link Source}
 * @param evidence   what the answer rests on, for people
 */
public record Identification(InstrumentKey key, double confidence, Source source, String evidence) {

  /** What decided an identification, most trusted first. */
  public enum Source {
    /** A venue listing names the id. */
    LISTING,
    /** Another spelling a listing gave, or a currency alias learned from listings. */
    ALIAS,
    /** A currency alias learned from prices that tracked a listed market's, the listing confirming it. */
    CO_MOVEMENT,
    /** The venue's own naming rules. */
    VENUE_RULE,
    /** Rules that hold on any venue. */
    GENERIC_RULE
  }
}
