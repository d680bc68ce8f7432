package io.tidegate.gateway.risk;

import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last mid price ((bid + ask) / 2) of each instrument, keyed by the quote's
 * {@code instrument_id} (the same id orders carry, e.g. {@code BTCUSDT.BINANCE} for a quote on
 * {@code data.quotes.BINANCE.BTCUSDT}), with the time the gateway received it. An inline market
 * listener: updated on the publishing thread as soon as a quote is queued, so an order sent right
 * after a quote is checked against it. Allocates nothing for an instrument it already holds.
 * Memory: at most {@code maxInstruments} entries; quotes of further ones are counted and ignored.
 * Thread-safe; a reader may see a price with the time of the quote before it (never a torn price).
 */
public final class MidPrices implements MarketDataListener {

    /** One instrument's last mid; its fields are written by whichever thread has the newest quote. */
    static final class Mid {
        private volatile long bits;
        private volatile long nanos;

        double price() {
            return Double.longBitsToDouble(bits);
        }

        long receivedNanos() {
            return nanos;
        }
    }

    private final ConcurrentHashMap<String, Mid> mids = new ConcurrentHashMap<>();
    private final int maxInstruments;
    private final AtomicLong ignored = new AtomicLong();

    public MidPrices(int maxInstruments) {
        this.maxInstruments = maxInstruments;
    }

    @Override
    public boolean inline() {
        return true;
    }

    @Override
    public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
        double bid = value(quote.getBidPrice());
        double ask = value(quote.getAskPrice());
        if (!(bid > 0) || !(ask > 0) || quote.getInstrumentId().isEmpty()) {
            return; // a one-sided or empty book has no mid
        }
        Mid mid = mids.get(quote.getInstrumentId());
        if (mid == null) {
            if (mids.size() >= maxInstruments) {
                ignored.incrementAndGet();
                return;
            }
            mid = mids.computeIfAbsent(quote.getInstrumentId(), k -> new Mid());
        }
        mid.bits = Double.doubleToRawLongBits((bid + ask) / 2);
        mid.nanos = receivedNanos;
    }

    @Override
    public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
    }

    /** The instrument's last mid, or null when no quote of it was seen. */
    Mid of(String instrumentId) {
        return mids.get(instrumentId);
    }

    /** Quotes ignored because {@code risk.max-instruments} instruments are held already. */
    public long ignored() {
        return ignored.get();
    }

    /** A wire decimal as a double; exact enough for limits, which are not settlement. */
    static double value(Decimal d) {
        long units = d.getUnits();
        int scale = d.getScale();
        return scale == 0 ? units : units / Math.pow(10, scale);
    }
}
