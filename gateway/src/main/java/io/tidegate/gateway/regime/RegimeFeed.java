package io.tidegate.gateway.regime;

import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.intelligence.regime.InstrumentRegime;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.intelligence.regime.WireDecimal;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link RegimeBook} with the quotes and trades the market tap hands over: each value turned
 * into a double once ({@link WireDecimal}), each instrument's handle kept by venue and then symbol so
 * a message costs two map lookups and no allocation (no venue-symbol key built per quote). Past {@code intelligence.regime.max-instruments} instruments, messages of further ones are
 * counted and not tracked, so memory stays what the configuration allows. A quote or trade without a
 * positive price is counted and skipped: the detector would ignore it anyway.
 *
 * <p>Threading: called on the market tap's one thread only, which makes it the single writer of every
 * instrument in the book.
 */
public final class RegimeFeed implements MarketDataListener {

    private static final Logger log = LoggerFactory.getLogger(RegimeFeed.class);

    private final RegimeBook book;
    private final int maxInstruments;
    private final RegimeCounters counters;
    /** The handles fed so far, by venue then symbol; same content as the book's, without its key building and locking. */
    private final Map<String, Map<String, InstrumentRegime>> handles = new HashMap<>();
    private int tracked;
    private boolean fullReported;

    /**
     * @param book           the book to feed; this feed is its only writer
     * @param maxInstruments the book's own limit
     */
    public RegimeFeed(RegimeBook book, int maxInstruments, RegimeCounters counters) {
        this.book = book;
        this.maxInstruments = maxInstruments;
        this.counters = counters;
    }

    @Override
    public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
        double bid = value(quote.getBidPrice());
        double ask = value(quote.getAskPrice());
        if (!(bid > 0) || !(ask > 0) || Double.isInfinite(bid) || Double.isInfinite(ask)) {
            counters.unusable();
            return;
        }
        InstrumentRegime instrument = instrument(venue, symbol);
        if (instrument != null) {
            instrument.onQuote(quote.getTsEvent(), bid, ask, value(quote.getBidSize()), value(quote.getAskSize()));
        }
    }

    @Override
    public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
        double price = value(trade.getPrice());
        if (!(price > 0) || Double.isInfinite(price)) {
            counters.unusable();
            return;
        }
        InstrumentRegime instrument = instrument(venue, symbol);
        if (instrument != null) {
            instrument.onTrade(trade.getTsEvent(), price, value(trade.getSize()));
        }
    }

    private static double value(Decimal d) {
        return WireDecimal.toDouble(d.getUnits(), d.getScale());
    }

    /** The instrument's handle, made on first use; null (counted) when the book is full. */
    private InstrumentRegime instrument(String venue, String symbol) {
        Map<String, InstrumentRegime> ofVenue = handles.get(venue);
        InstrumentRegime known = ofVenue == null ? null : ofVenue.get(symbol);
        if (known != null) {
            return known;
        }
        if (tracked >= maxInstruments) {
            untracked(venue, symbol);
            return null;
        }
        try {
            InstrumentRegime made = book.instrument(venue, symbol);
            handles.computeIfAbsent(venue, v -> new HashMap<>()).put(symbol, made);
            tracked++;
            return made;
        } catch (IllegalStateException full) {
            untracked(venue, symbol);
            return null;
        }
    }

    private void untracked(String venue, String symbol) {
        counters.untracked();
        if (!fullReported) {
            fullReported = true;
            log.warn("regime detection tracks {} instruments, its limit; {}.{} and further new instruments are not "
                    + "tracked (raise intelligence.regime.max-instruments to track them)", maxInstruments, venue, symbol);
        }
    }
}
