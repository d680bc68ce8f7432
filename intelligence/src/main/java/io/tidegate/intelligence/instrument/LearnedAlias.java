package io.tidegate.intelligence.instrument;

/**
 * A currency code a venue spells its own way, learned from that venue's listings (Kraken {@code
 * XBT} is {@code BTC}), with what it was learned from. Immutable and thread-safe.
 *
 * @param venue      the venue whose spelling it is, upper case
 * @param code       the venue's code, upper case
 * @param currency   the canonical currency it stands for
 * @param confidence 0..1: 1 when the listing names the code as its base or quote, lower when it
 *                   was read from one of the listing's other spellings
 * @param evidence   the listing and field it was read from, for people
 * @param origin     what taught it: a listing's own fields, or prices a listing confirmed
 */
public record LearnedAlias(String venue, String code, String currency, double confidence, String evidence,
                           Origin origin) {

  /** What taught an alias. */
  public enum Origin {
    /** A listing's own fields (its native codes or other spellings). */
    LISTING,
    /** Mid prices that tracked a listed market's, the listing confirming which code is which. */
    CO_MOVEMENT
  }

  /** An alias a listing's fields show. */
  public LearnedAlias(String venue, String code, String currency, double confidence, String evidence) {
    this(venue, code, currency, confidence, evidence, Origin.LISTING);
  }
}
