package io.tidegate.gateway.market;

import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;

/**
 * Something in the gateway that reads the market data published through it (the regime detector, an
 * arbitrage watcher): told of every accepted message on {@code data.quotes.<VENUE>.<SYMBOL>} and
 * {@code data.trades.<VENUE>.<SYMBOL>} whose payload decodes, after the backend stored it.
 *
 * <p>Threading: every listener is called on the one {@link MarketDataTap} thread, in the order the
 * backend accepted the messages (per topic that is publish order), so a listener needs no locking of
 * its own and may keep state across instruments. It must not block: while it runs, further market
 * messages wait in the tap's bounded queue, and past its capacity they are skipped for every listener.
 */
public interface MarketDataListener {

    /**
     * One quote.
     *
     * @param receivedNanos when the gateway accepted the publish, Unix nanoseconds
     */
    void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos);

    /**
     * One trade.
     *
     * @param receivedNanos when the gateway accepted the publish, Unix nanoseconds
     */
    void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos);
}
