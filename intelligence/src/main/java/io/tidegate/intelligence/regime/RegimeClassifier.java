package io.tidegate.intelligence.regime;

/**
 * Classifies one instrument's market into a {@link Regime} from its quotes (and trades where present),
 * in event time: decisions depend only on the messages and their ts_event, never on the wall clock, so
 * a recording replayed at any speed gives the same decisions.
 *
 * <p>Prices and sizes come as doubles computed once per message by the caller (see {@link WireDecimal} for
 * the wire's units and scale); the features are statistics, so exactness is not needed past this point.
 *
 * <p>Implementations are not thread-safe: one writer per instrument. They allocate nothing per message.
 */
public interface RegimeClassifier {

    /**
     * Takes one top-of-book quote.
     *
     * @return true if the regime changed on this quote
     */
    boolean onQuote(long tsEventNanos, double bidPrice, double askPrice, double bidSize, double askSize);

    /**
     * Takes one trade. Trades only move event time forward (a quote stall seen while trades go on), so an
     * instrument without trades is classified the same way.
     *
     * @return true if the regime changed on this trade
     */
    boolean onTrade(long tsEventNanos, double price, double size);

    /** The current regime; {@link Regime#RANGING} until the instrument has seen its warm-up. */
    Regime regime();

    /** How sure the classifier is of {@link #regime()}, in [0, 1]; 0 during the warm-up. */
    double confidence();

    /** The features now (allocates: call on a change, not per quote). */
    RegimeFeatures features();
}
