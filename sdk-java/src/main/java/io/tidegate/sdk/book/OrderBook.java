package io.tidegate.sdk.book;

import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.OrderBookDelta;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.OrderSide;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One instrument's order book kept on the subscriber's side from the {@code OrderBookDeltas}
 * adapters publish on {@code data.books.<VENUE>.<SYMBOL>} ({@code tidegate.market.v1}), for a
 * strategy that wants every level change rather than asking the gateway
 * ({@link io.tidegate.sdk.TidegateClient#getBook}).
 *
 * <pre>{@code
 * Map<String, OrderBook> books = new ConcurrentHashMap<>();
 * client.subscribe(SubscriptionOptions.broadcast("data.books.>"), m -> {
 *     OrderBook book = books.computeIfAbsent(m.message().getTopic(), t -> new OrderBook());
 *     if (book.apply(OrderBookDeltas.parseFrom(m.message().getPayload()))) {
 *         System.out.println(m.message().getTopic() + " " + book.bestBid() + " " + book.bestAsk());
 *     }
 * });
 * }</pre>
 *
 * <p>The rules match the gateway's books: a snapshot replaces the book; an update whose sequence
 * is not after the book's, the adapter's reset (a lone {@code BOOK_ACTION_CLEAR}) or a delta that
 * cannot be applied leave the book {@link BookState#RESYNCING} until the next snapshot, and updates
 * meanwhile are ignored. Reading a book that is not live throws {@link BookNotLiveException}, so a
 * lost book is never used by mistake. Prices and sizes are exact ({@link BigDecimal}); the levels
 * held are those the adapter sends, with no depth bound of the book's own.
 *
 * <p>Thread-safe: one writer (the subscription's handler) and any readers, on the book's monitor.
 */
public final class OrderBook {

    private final TreeMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Collections.reverseOrder());
    private final TreeMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
    private BookState state = BookState.AWAITING_SNAPSHOT;
    private String why = "no snapshot yet";
    private long sequence;
    private long tsEvent;
    private long losses;

    /**
     * Applies one batch.
     *
     * @return true when the book is live and its best bid or ask (price or size) moved, or it just
     *         became live
     */
    public synchronized boolean apply(OrderBookDeltas batch) {
        Objects.requireNonNull(batch, "batch");
        boolean wasLive = state == BookState.LIVE;
        Optional<Level> bid = wasLive ? top(bids) : Optional.empty();
        Optional<Level> ask = wasLive ? top(asks) : Optional.empty();
        if (batch.getIsSnapshot()) {
            clear();
            state = BookState.LIVE;
            applyLevels(batch);
        } else if (batch.getDeltasCount() > 0 && batch.getDeltas(0).getAction() == BookAction.BOOK_ACTION_CLEAR) {
            lose("reset by its adapter (" + batch.getResetReason().name() + ")");
        } else if (!wasLive) {
            return false; // updates cannot be placed without a snapshot
        } else if (Long.compareUnsigned(batch.getSequence(), sequence) <= 0) {
            lose("update sequence " + Long.toUnsignedString(batch.getSequence()) + " is not after "
                    + Long.toUnsignedString(sequence));
        } else {
            applyLevels(batch);
        }
        if (state != BookState.LIVE) {
            if (wasLive) {
                losses++;
            }
            return false;
        }
        return !wasLive || !bid.equals(top(bids)) || !ask.equals(top(asks));
    }

    public synchronized BookState state() {
        return state;
    }

    /** Why the book is not live; empty when it is. */
    public synchronized String why() {
        return state == BookState.LIVE ? "" : why;
    }

    /** The venue's sequence of the last batch applied (unsigned: {@link Long#toUnsignedString}). */
    public synchronized long sequence() {
        return sequence;
    }

    /** The venue's time of the last batch applied, Unix nanoseconds. */
    public synchronized long tsEvent() {
        return tsEvent;
    }

    /** Times a live book was lost (reset, sequence gap, a delta that could not be applied). */
    public synchronized long losses() {
        return losses;
    }

    /** The highest bid, empty when there is none; throws {@link BookNotLiveException}. */
    public synchronized Optional<Level> bestBid() {
        requireLive();
        return top(bids);
    }

    /** The lowest ask, empty when there is none; throws {@link BookNotLiveException}. */
    public synchronized Optional<Level> bestAsk() {
        requireLive();
        return top(asks);
    }

    /** Every bid, highest first; throws {@link BookNotLiveException}. */
    public List<Level> bids() {
        return bids(Integer.MAX_VALUE);
    }

    /** The best {@code depth} bids, highest first; throws {@link BookNotLiveException}. */
    public synchronized List<Level> bids(int depth) {
        requireLive();
        return best(bids, depth);
    }

    /** Every ask, lowest first; throws {@link BookNotLiveException}. */
    public List<Level> asks() {
        return asks(Integer.MAX_VALUE);
    }

    /** The best {@code depth} asks, lowest first; throws {@link BookNotLiveException}. */
    public synchronized List<Level> asks(int depth) {
        requireLive();
        return best(asks, depth);
    }

    private static Optional<Level> top(TreeMap<BigDecimal, BigDecimal> side) {
        Map.Entry<BigDecimal, BigDecimal> e = side.firstEntry();
        return e == null ? Optional.empty() : Optional.of(new Level(e.getKey(), e.getValue()));
    }

    private static List<Level> best(TreeMap<BigDecimal, BigDecimal> side, int depth) {
        if (depth < 0) {
            throw new IllegalArgumentException("depth must be >= 0, was " + depth);
        }
        List<Level> levels = new ArrayList<>(Math.min(depth, side.size()));
        for (Map.Entry<BigDecimal, BigDecimal> e : side.entrySet()) {
            if (levels.size() == depth) {
                break;
            }
            levels.add(new Level(e.getKey(), e.getValue()));
        }
        return List.copyOf(levels);
    }

    private void requireLive() {
        if (state != BookState.LIVE) {
            throw new BookNotLiveException(state, why);
        }
    }

    private void clear() {
        bids.clear();
        asks.clear();
    }

    private void lose(String reason) {
        clear();
        state = BookState.RESYNCING;
        why = reason;
    }

    private void applyLevels(OrderBookDeltas batch) {
        for (int i = 0; i < batch.getDeltasCount(); i++) {
            if (!applyLevel(batch.getDeltas(i))) {
                lose("delta " + i + " of sequence " + Long.toUnsignedString(batch.getSequence())
                        + " has no side, a negative size, no action or a scale too large");
                return;
            }
        }
        sequence = batch.getSequence();
        tsEvent = batch.getTsEvent();
    }

    /** One delta; false when it cannot be applied. */
    private boolean applyLevel(OrderBookDelta d) {
        BookAction action = d.getAction();
        if (action == BookAction.BOOK_ACTION_CLEAR) {
            clear();
            return true;
        }
        TreeMap<BigDecimal, BigDecimal> side = d.getSide() == OrderSide.ORDER_SIDE_BUY ? bids
                : d.getSide() == OrderSide.ORDER_SIDE_SELL ? asks : null;
        boolean known = action == BookAction.BOOK_ACTION_ADD || action == BookAction.BOOK_ACTION_UPDATE
                || action == BookAction.BOOK_ACTION_DELETE;
        if (side == null || !known || d.getSize().getUnits() < 0) {
            return false;
        }
        BigDecimal price;
        BigDecimal size;
        try {
            price = Level.decimal(d.getPrice());
            size = Level.decimal(d.getSize());
        } catch (ArithmeticException e) {
            return false;
        }
        if (action == BookAction.BOOK_ACTION_DELETE || size.signum() == 0) {
            side.remove(price);
        } else {
            side.put(price, size);
        }
        return true;
    }
}
