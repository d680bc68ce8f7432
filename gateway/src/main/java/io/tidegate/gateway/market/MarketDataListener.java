package io.tidegate.gateway.market;

import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;

/**
 * Something in the gateway that reads the market data published through it (the regime detector,
 * the arbitrage detector, the instrument registry): told of every message on
 * {@code data.quotes.<VENUE>.<SYMBOL>}, {@code data.trades.<VENUE>.<SYMBOL>},
 * {@code data.books.<VENUE>.<SYMBOL>} and {@code data.instruments.<VENUE>} whose payload decodes.
 *
 * <p>Threading, by {@link #inline()}: a queued listener (the default) is called on the one
 * {@link MarketDataTap} thread, after the backend stored the message (not a duplicate), in the
 * order the backend accepted the messages, so it needs no locking and may keep state across
 * instruments; while it runs further messages wait in the tap's bounded queue, and past its
 * capacity they are skipped. An inline listener is called on the publishing gRPC thread as soon as
 * the message is queued for the backend (the shortest path from a quote to a reaction), possibly
 * on several threads at once: it must be thread-safe. Neither kind may block.
 */
public interface MarketDataListener {

    /**
     * One quote.
     *
     * @param receivedNanos {@link System#nanoTime()} when the gateway received the publish (inline)
     *                      or when the backend stored it (queued)
     */
    void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos);

    /** One trade; {@code receivedNanos} as for {@link #onQuote}. */
    void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos);

    /** True to be called inline on the publish path rather than on the tap thread. */
    default boolean inline() {
        return false;
    }

    /**
     * A venue listing published on {@code data.instruments.<venue>}; ignored unless overridden.
     *
     * @param venue         the venue as the topic names it
     * @param receivedNanos as for {@link #onQuote}
     */
    default void onInstrument(String venue, InstrumentDefinition definition, long receivedNanos) {
    }

    /**
     * A batch of book changes published on {@code data.books.<venue>.<symbol>}; ignored unless overridden.
     *
     * @param receivedNanos as for {@link #onQuote}
     */
    default void onBook(String venue, String symbol, OrderBookDeltas deltas, long receivedNanos) {
    }

    /**
     * Queued listeners only: market messages were skipped (the tap's queue was full) after the ones
     * delivered so far; whatever is built from an unbroken sequence of them is no longer sure.
     * Ignored unless overridden.
     */
    default void onSkipped() {
    }
}
