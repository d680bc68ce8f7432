package io.tidegate.gateway.instruments;

import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.intelligence.instrument.CoMovementTracker;
import io.tidegate.intelligence.instrument.InstrumentCatalog;
import io.tidegate.intelligence.instrument.Segment;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Learns currency aliases from prices: feeds the mid of every quote on
 * {@code data.quotes.<VENUE>.<SYMBOL>} to a {@link CoMovementTracker}, symbols a listing names as
 * anchors (two anchors are never paired: they teach nothing), and hands each proposal to
 * {@link InstrumentRegistry#confirm}, which learns only when a listing backs it, and otherwise keeps
 * the proposal until a listing of either side arrives.
 *
 * <p>Threading: a queued {@link MarketDataListener}, so every call comes on the market-data tap's one
 * thread and the tracker needs no locking. Allocation-light: a quote of a symbol already tracked
 * and already checked against the listings allocates nothing. Memory: the tracker's bounds, plus
 * whether a listing names a symbol for at most as many symbols (forgotten when a listing is added).
 */
public final class CoMovementLearner implements MarketDataListener {

    private static final String[] SEGMENTS = segments();

    private final CoMovementTracker tracker;
    private final InstrumentRegistry registry;
    private final int maxRemembered;
    /** venue -> symbol -> whether a listing names it, as of {@link #listingsSeen} listings. */
    private final Map<String, Map<String, Boolean>> listed = new HashMap<>();
    private int remembered;
    private int listingsSeen = -1;

    /**
     * @param settings the tracker's thresholds and bounds
     * @param registry the registry whose listings confirm proposals and which keeps what is learned
     */
    public CoMovementLearner(CoMovementTracker.Settings settings, InstrumentRegistry registry) {
        this.tracker = new CoMovementTracker(settings);
        this.registry = registry;
        this.maxRemembered = settings.maxSymbols();
    }

    @Override
    public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
        double bid = value(quote.getBidPrice());
        double ask = value(quote.getAskPrice());
        if (!(bid > 0) || !(ask >= bid)) {
            return; // one-sided or crossed: no mid worth comparing
        }
        tracker.observe(venue, symbol, (bid + ask) / 2, receivedNanos, isListed(venue, symbol))
                .ifPresent(registry::confirm);
    }

    /** Trades carry no mid; ignored. */
    @Override
    public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
    }

    /** Symbols tracked. */
    public int trackedSymbols() {
        return tracker.symbolCount();
    }

    private boolean isListed(String venue, String symbol) {
        InstrumentCatalog catalog = registry.catalog();
        int listings = catalog.listingCount();
        if (listings != listingsSeen || remembered >= maxRemembered) {
            listed.clear(); // a new listing may name a symbol that had none; the bound holds memory
            remembered = 0;
            listingsSeen = listings;
        }
        Map<String, Boolean> onVenue = listed.get(venue);
        Boolean known = onVenue == null ? null : onVenue.get(symbol);
        if (known != null) {
            return known;
        }
        boolean named = false;
        for (String segment : SEGMENTS) {
            named |= catalog.holds(venue, segment, symbol);
        }
        listed.computeIfAbsent(venue, v -> new HashMap<>()).put(symbol, named);
        remembered++;
        return named;
    }

    /** A wire decimal as a double; exact enough to compare two mids in bps. */
    private static double value(Decimal d) {
        return d.getScale() == 0 ? d.getUnits() : d.getUnits() / Math.pow(10, d.getScale());
    }

    private static String[] segments() {
        Segment[] all = Segment.values();
        String[] names = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            names[i] = all[i].name().toLowerCase(Locale.ROOT);
        }
        return names;
    }
}
