package io.tidegate.intelligence.regime;

/**
 * One instrument entered a regime: what the gateway publishes and what GetRegime answers. Made only
 * when the regime changes (rare), never per quote. Immutable; safe from any thread.
 *
 * @param venue        the venue, as in {@code data.quotes.<VENUE>.<SYMBOL>}
 * @param symbol       the symbol, as in {@code data.quotes.<VENUE>.<SYMBOL>}
 * @param regime       the regime entered
 * @param confidence   the detector's probability of this regime when it switched, in [0, 1]
 * @param sinceTsEvent the ts_event (nanoseconds) of the message on which the regime was entered
 * @param features     the features at that message
 */
public record RegimeChange(String venue, String symbol, Regime regime, double confidence, long sinceTsEvent,
                           RegimeFeatures features) {
}
