package io.tidegate.gateway.market;

import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;

/**
 * An in-process consumer of the market data clients publish, fed by {@link MarketDataTap} once
 * the gateway has accepted each message. Called on gRPC threads, possibly several at once, on the
 * publish path: implementations must be thread-safe, fast and never block.
 */
public interface MarketDataListener {

    /**
     * A quote accepted on {@code data.quotes.<venue>.<symbol>}.
     *
     * @param receivedNanos {@link System#nanoTime()} when the gateway received the publish
     */
    void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos);

    /** A trade accepted on {@code data.trades.<venue>.<symbol>}. */
    void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos);

    /**
     * A venue listing accepted on {@code data.instruments.<venue>}; ignored unless overridden.
     *
     * @param venue the venue as the topic names it
     */
    default void onInstrument(String venue, InstrumentDefinition definition, long receivedNanos) {
    }
}
