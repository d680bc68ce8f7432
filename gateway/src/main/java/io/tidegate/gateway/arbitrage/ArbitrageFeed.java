package io.tidegate.gateway.arbitrage;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.market.BookTopListener;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.intelligence.arbitrage.ArbitrageDetector;
import io.tidegate.intelligence.arbitrage.ArbitrageSettings;
import io.tidegate.intelligence.arbitrage.ArbitrageSignal;
import io.tidegate.intelligence.arbitrage.InstrumentBook;
import io.tidegate.intelligence.arbitrage.VenueTerms;
import io.tidegate.intelligence.instrument.Resolution;
import io.tidegate.intelligence.instrument.SymbolResolver;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import io.tidegate.proto.v1.Message;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Feeds accepted quotes into the {@link ArbitrageDetector} and publishes its signals. Each
 * {@code data.quotes.<VENUE>.<SYMBOL>} is resolved once to its canonical instrument (in the
 * venue's configured segment, via {@link SymbolResolver}; at most {@code max-symbols} answers are
 * remembered) and its top of book goes to the detector; each signal becomes a message handed to
 * {@code publisher} (the gateway's own publish path) while the quote's thread still holds the
 * feed, so an instrument's signals leave in order. The gateway's order books feed it too
 * ({@link BookTopListener}): a book's new top counts as that venue's quote, and a book reset takes
 * the venue out until its next top. A sweeper re-checks open crossings every half
 * stale age, so one whose venue went quiet closes without another quote.
 *
 * <p>Thread-safe: quotes arrive on many gRPC threads and are serialised on one lock; the work
 * under it is a map lookup and one allocation-free pass over the venues unless a signal is made
 * (docs/arbitrage.md has the measured latency).
 */
public final class ArbitrageFeed implements MarketDataListener, BookTopListener, AutoCloseable {

    /** Cached for symbols that cannot be traded here (unreadable, unsure, or beyond a bound). */
    private static final Target NONE = new Target(null, -1);

    private final GatewayConfig.Arbitrage config;
    private final SymbolResolver resolver;
    private final Consumer<Message> publisher;
    private final SignalMessages messages;
    private final ArbitrageDetector detector;
    private final Map<String, Map<String, Target>> targets = new HashMap<>();
    private final ScheduledExecutorService sweeper;
    private final AtomicLong published = new AtomicLong();
    private int targetCount;

    private record Target(InstrumentBook book, int venue) {
    }

    /**
     * @param publisher takes each signal message; must not block (it runs under the feed's lock)
     */
    public ArbitrageFeed(GatewayConfig.Arbitrage config, SymbolResolver resolver, Consumer<Message> publisher,
                         String gatewayId) {
        this.config = config;
        this.resolver = resolver;
        this.publisher = publisher;
        this.messages = new SignalMessages(gatewayId);
        this.detector = new ArbitrageDetector(settings(config), this::publish);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-arbitrage-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, config.staleAfter().toNanos() / 2);
        sweeper.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    private static ArbitrageSettings settings(GatewayConfig.Arbitrage c) {
        Map<String, VenueTerms> venues = new HashMap<>();
        c.venues().forEach((name, v) -> venues.put(name, new VenueTerms(v.takerFeeBps(), v.minSize())));
        return new ArbitrageSettings(c.thresholdBps(), c.staleAfter().toNanos(), c.maxInstruments(), c.maxVenues(),
                c.updateEdgeBps(), c.updateSizeFraction(), venues,
                new VenueTerms(c.defaults().takerFeeBps(), c.defaults().minSize()));
    }

    /** Inline: a crossing is signalled from the publishing thread, without the tap thread's queue. */
    @Override
    public boolean inline() {
        return true;
    }

    @Override
    public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
        synchronized (this) {
            Target target = target(venue, symbol);
            if (target != NONE) {
                detector.onTopOfBook(target.book(), target.venue(),
                        WirePrices.toDouble(quote.getBidPrice()), WirePrices.toDouble(quote.getBidSize()),
                        WirePrices.toDouble(quote.getAskPrice()), WirePrices.toDouble(quote.getAskSize()),
                        quote.getTsEvent(), receivedNanos);
            }
        }
    }

    /** A venue's book top from the gateway's books: it counts as that venue's latest quote. */
    @Override
    public void onBookTop(String venue, String symbol, double bidPrice, double bidSize, double askPrice,
                          double askSize, long tsEvent, long receivedNanos) {
        synchronized (this) {
            Target target = target(venue, symbol);
            if (target != NONE) {
                detector.onTopOfBook(target.book(), target.venue(), bidPrice, bidSize, askPrice, askSize, tsEvent,
                        receivedNanos);
            }
        }
    }

    @Override
    public void onBookReset(String venue, String symbol, long receivedNanos) {
        venueReset(venue, symbol, receivedNanos);
    }

    /** Trades do not move a top of book; ignored. */
    @Override
    public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
    }

    /** A venue's book for this symbol was reset (from a book feed): its prices no longer count. */
    public void venueReset(String venue, String symbol, long receivedNanos) {
        synchronized (this) {
            Target target = target(venue, symbol);
            if (target != NONE) {
                detector.venueReset(target.book(), target.venue(), receivedNanos);
            }
        }
    }

    /** Signal messages handed to the publisher. */
    public long published() {
        return published.get();
    }

    /** Instruments tracked. */
    public synchronized int instruments() {
        return detector.instrumentCount();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    private void sweep() {
        synchronized (this) {
            detector.sweep(System.nanoTime());
        }
    }

    private void publish(ArbitrageSignal signal) {
        publisher.accept(messages.toMessage(signal));
        published.incrementAndGet();
    }

    /** Where a (venue, symbol) goes in the detector; remembered up to {@code max-symbols}. Caller holds the lock. */
    private Target target(String venue, String symbol) {
        Map<String, Target> bySymbol = targets.get(venue);
        Target target = bySymbol == null ? null : bySymbol.get(symbol);
        if (target != null) {
            return target;
        }
        target = resolve(venue, symbol);
        if (targetCount < config.maxSymbols()) {
            targets.computeIfAbsent(venue, v -> new HashMap<>()).put(symbol, target);
            targetCount++;
        }
        return target;
    }

    private Target resolve(String venue, String symbol) {
        String segment = config.venue(venue).segment();
        Optional<Resolution> resolution = resolver.resolve(venue, segment, symbol);
        if (resolution.isEmpty() || resolution.get().confidence() < config.minConfidence()) {
            return NONE;
        }
        InstrumentBook book = detector.instrument(resolution.get().key());
        int v = detector.venue(venue);
        if (book == null || v < 0) {
            return NONE;
        }
        book.nativeSymbol(v, symbol);
        return new Target(book, v);
    }
}
