package io.tidegate.gateway.book;

import io.tidegate.gateway.market.BookTopListener;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps an {@link OrderBook} per (venue, symbol) from the batches published on
 * {@code data.books.<VENUE>.<SYMBOL>}, at most {@code maxBooks} of them (batches of further books
 * are counted, not kept), and tells the {@link BookTopListener} when a book's top moves or the book
 * is lost. Skipped market messages ({@link #onSkipped}) lose every book: one of them may have been a
 * book's update.
 *
 * <p>Threading: a queued tap listener, so batches arrive on the one tap thread in the order the
 * backend stored them; {@link #book} is read from any thread (gRPC queries).
 */
public final class BookKeeper implements MarketDataListener {

    private final int maxBooks;
    private final int maxDepth;
    private final BookTopListener tops;
    private final Map<String, Map<String, OrderBook>> books = new ConcurrentHashMap<>();
    private final AtomicLong untracked = new AtomicLong();
    private final AtomicLong losses = new AtomicLong();
    private volatile int count; // written by the tap thread only

    /**
     * @param maxBooks {@code intelligence.books.max-books}
     * @param maxDepth {@code intelligence.books.max-depth}
     */
    public BookKeeper(int maxBooks, int maxDepth, BookTopListener tops) {
        this.maxBooks = maxBooks;
        this.maxDepth = maxDepth;
        this.tops = tops;
    }

    @Override
    public void onBook(String venue, String symbol, OrderBookDeltas deltas, long receivedNanos) {
        OrderBook book = bookFor(venue, symbol);
        if (book == null) {
            untracked.incrementAndGet();
            return;
        }
        switch (book.apply(deltas)) {
            case TOP -> tops.onBookTop(venue, symbol, book.bestBidPrice(), book.bestBidSize(), book.bestAskPrice(),
                    book.bestAskSize(), book.tsEvent(), receivedNanos);
            case LOST -> {
                losses.incrementAndGet();
                tops.onBookReset(venue, symbol, receivedNanos);
            }
            case NONE -> { }
        }
    }

    @Override
    public void onSkipped() {
        long now = System.nanoTime();
        books.forEach((venue, bySymbol) -> bySymbol.forEach((symbol, book) -> {
            if (book.lose("market messages were skipped (the tap's queue was full); one may have been an update")) {
                losses.incrementAndGet();
                tops.onBookReset(venue, symbol, now);
            }
        }));
    }

    /** Books are not kept from quotes. */
    @Override
    public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
    }

    @Override
    public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
    }

    /** The book of a venue and symbol as the topic names them, if one is kept. */
    public Optional<OrderBook> book(String venue, String symbol) {
        Map<String, OrderBook> bySymbol = books.get(venue);
        return Optional.ofNullable(bySymbol == null ? null : bySymbol.get(symbol));
    }

    /** Books kept. */
    public int count() {
        return count;
    }

    /** Batches of books beyond {@code max-books}, not kept. */
    public long untracked() {
        return untracked.get();
    }

    /** Times a live book was lost (reset, sequence gap, skipped messages, a delta that could not be applied). */
    public long losses() {
        return losses.get();
    }

    private OrderBook bookFor(String venue, String symbol) {
        Map<String, OrderBook> bySymbol = books.get(venue);
        OrderBook book = bySymbol == null ? null : bySymbol.get(symbol);
        if (book != null || count >= maxBooks) {
            return book;
        }
        book = new OrderBook(maxDepth);
        books.computeIfAbsent(venue, v -> new ConcurrentHashMap<>()).put(symbol, book);
        count = count + 1;
        return book;
    }
}
