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
 */
public record LearnedAlias(String venue, String code, String currency, double confidence, String evidence) {}
