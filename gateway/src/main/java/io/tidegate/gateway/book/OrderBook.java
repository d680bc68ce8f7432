package io.tidegate.gateway.book;

import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderBookDelta;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.OrderSide;
import java.util.Arrays;

/**
 * One venue's order book for one symbol, kept from the {@code OrderBookDeltas} published on
 * {@code data.books.<VENUE>.<SYMBOL>}: a snapshot replaces it, an update adds, changes and
 * deletes levels. Prices and sizes stay exact: each is a {@code long} count of {@code 10^-scale},
 * one price scale and one size scale per book (raised, with every level rescaled, when a finer
 * decimal arrives). At most {@code maxDepth} levels per side are held ({@link BookSide}).
 *
 * <p>Never silently wrong: an update whose sequence is not after the book's, a lone
 * {@code BOOK_ACTION_CLEAR} (the adapter's reset), a delta that cannot be applied, or a side
 * emptied below its held depth leave the book {@link State#RESYNCING} (no levels) until the next
 * snapshot, and updates meanwhile are ignored.
 *
 * <p>Thread-safe: one writer (the market-data tap's thread) and any readers, on the book's monitor.
 */
public final class OrderBook {

    /** Whether the book can be read. */
    public enum State {
        /** No snapshot yet. */
        AWAITING_SNAPSHOT,
        /** Kept from a snapshot and the updates after it. */
        LIVE,
        /** Lost (see {@link #why()}); back with the next snapshot. */
        RESYNCING
    }

    /** What applying a batch did. */
    public enum Change {
        /** Nothing a top-of-book reader cares about. */
        NONE,
        /** The book is live and its best bid or ask (price or size) moved. */
        TOP,
        /** The book was live and no longer is. */
        LOST
    }

    /** The book's best levels, read at one moment; exact decimals. */
    public record Levels(State state, String why, long sequence, long tsEvent, int priceScale, int sizeScale,
                         long[] bidPrices, long[] bidSizes, long[] askPrices, long[] askSizes, boolean truncated) {
    }

    private static final int MAX_SCALE = 18;
    private static final long[] POWERS = new long[MAX_SCALE + 1];
    private static final double[] DOUBLE_POWERS = new double[MAX_SCALE + 1];

    static {
        for (int i = 0; i <= MAX_SCALE; i++) {
            POWERS[i] = i == 0 ? 1 : POWERS[i - 1] * 10;
            DOUBLE_POWERS[i] = POWERS[i];
        }
    }

    private final BookSide bids;
    private final BookSide asks;
    private State state = State.AWAITING_SNAPSHOT;
    private String why = "no snapshot yet";
    private int priceScale;
    private int sizeScale;
    private long sequence;
    private long tsEvent;

    /** @param maxDepth levels held per side ({@code intelligence.books.max-depth}) */
    public OrderBook(int maxDepth) {
        this.bids = new BookSide(true, maxDepth);
        this.asks = new BookSide(false, maxDepth);
    }

    /** Applies one published batch. */
    public synchronized Change apply(OrderBookDeltas batch) {
        boolean wasLive = state == State.LIVE;
        double bidPrice = bestBidPrice();
        double bidSize = bestBidSize();
        double askPrice = bestAskPrice();
        double askSize = bestAskSize();
        if (batch.getIsSnapshot()) {
            replace(batch);
        } else if (startsWithClear(batch)) {
            lose("reset by its adapter (" + batch.getResetReason().name() + ")");
        } else if (!wasLive) {
            return Change.NONE; // waiting for a snapshot: updates cannot be placed
        } else if (batch.getSequence() <= sequence) {
            lose("update sequence " + Long.toUnsignedString(batch.getSequence()) + " is not after "
                    + Long.toUnsignedString(sequence));
        } else {
            update(batch);
        }
        if (state != State.LIVE) {
            return wasLive ? Change.LOST : Change.NONE;
        }
        boolean moved = !wasLive || bidPrice != bestBidPrice() || bidSize != bestBidSize()
                || askPrice != bestAskPrice() || askSize != bestAskSize();
        return moved ? Change.TOP : Change.NONE;
    }

    /** Marks the book lost (e.g. market messages were skipped); true when it was live. */
    public synchronized boolean lose(String reason) {
        boolean wasLive = state == State.LIVE;
        bids.clear();
        asks.clear();
        state = State.RESYNCING;
        why = reason;
        return wasLive;
    }

    public synchronized State state() {
        return state;
    }

    /** Why the book is not live; empty when it is. */
    public synchronized String why() {
        return state == State.LIVE ? "" : why;
    }

    public synchronized long sequence() {
        return sequence;
    }

    public synchronized long tsEvent() {
        return tsEvent;
    }

    /** Best bid price, 0 when there is none (or the book is not live). */
    public synchronized double bestBidPrice() {
        return bids.count() == 0 ? 0 : bids.price(0) / DOUBLE_POWERS[priceScale];
    }

    public synchronized double bestBidSize() {
        return bids.count() == 0 ? 0 : bids.size(0) / DOUBLE_POWERS[sizeScale];
    }

    public synchronized double bestAskPrice() {
        return asks.count() == 0 ? 0 : asks.price(0) / DOUBLE_POWERS[priceScale];
    }

    public synchronized double bestAskSize() {
        return asks.count() == 0 ? 0 : asks.size(0) / DOUBLE_POWERS[sizeScale];
    }

    /** The best {@code depth} levels per side (fewer when fewer are held); copies. */
    public synchronized Levels levels(int depth) {
        int b = Math.min(depth, bids.count());
        int a = Math.min(depth, asks.count());
        long[] bp = new long[b];
        long[] bs = new long[b];
        long[] ap = new long[a];
        long[] as = new long[a];
        for (int i = 0; i < b; i++) {
            bp[i] = bids.price(i);
            bs[i] = bids.size(i);
        }
        for (int i = 0; i < a; i++) {
            ap[i] = asks.price(i);
            as[i] = asks.size(i);
        }
        return new Levels(state, why(), sequence, tsEvent, priceScale, sizeScale, bp, bs, ap, as,
                bids.truncated() || asks.truncated());
    }

    private static boolean startsWithClear(OrderBookDeltas batch) {
        return batch.getDeltasCount() > 0 && batch.getDeltas(0).getAction() == BookAction.BOOK_ACTION_CLEAR;
    }

    private void replace(OrderBookDeltas batch) {
        bids.clear();
        asks.clear();
        priceScale = 0;
        sizeScale = 0;
        state = State.LIVE;
        if (applyLevels(batch)) {
            sequence = batch.getSequence();
            tsEvent = batch.getTsEvent();
        }
    }

    private void update(OrderBookDeltas batch) {
        if (!applyLevels(batch)) {
            return;
        }
        sequence = batch.getSequence();
        tsEvent = batch.getTsEvent();
        if (bids.count() == 0 && bids.truncated() || asks.count() == 0 && asks.truncated()) {
            lose("a side emptied below the " + bids.capacityText() + " levels held; its further levels are unknown");
        }
    }

    /** Applies every level change of the batch; false (and the book lost) at the first one that cannot be. */
    private boolean applyLevels(OrderBookDeltas batch) {
        for (int i = 0; i < batch.getDeltasCount(); i++) {
            OrderBookDelta d = batch.getDeltas(i);
            String problem = applyLevel(d);
            if (problem != null) {
                lose("delta " + i + " of sequence " + Long.toUnsignedString(batch.getSequence()) + " " + problem);
                return false;
            }
        }
        return true;
    }

    /** One delta; returns what is wrong with it, or null. */
    private String applyLevel(OrderBookDelta d) {
        BookAction action = d.getAction();
        if (action == BookAction.BOOK_ACTION_CLEAR) {
            bids.clear();
            asks.clear();
            return null;
        }
        BookSide side = d.getSide() == OrderSide.ORDER_SIDE_BUY ? bids
                : d.getSide() == OrderSide.ORDER_SIDE_SELL ? asks : null;
        if (side == null) {
            return "has no side";
        }
        Decimal price = d.getPrice();
        Decimal size = d.getSize();
        if (price.getScale() > MAX_SCALE || size.getScale() > MAX_SCALE) {
            return "has a scale above " + MAX_SCALE;
        }
        if (size.getUnits() < 0) {
            return "has a negative size";
        }
        try {
            if (price.getScale() > priceScale || size.getScale() > sizeScale) {
                int p = Math.max(priceScale, price.getScale());
                int s = Math.max(sizeScale, size.getScale());
                bids.rescale(POWERS[p - priceScale], POWERS[s - sizeScale]);
                asks.rescale(POWERS[p - priceScale], POWERS[s - sizeScale]);
                priceScale = p;
                sizeScale = s;
            }
            long px = Math.multiplyExact(price.getUnits(), POWERS[priceScale - price.getScale()]);
            long sz = Math.multiplyExact(size.getUnits(), POWERS[sizeScale - size.getScale()]);
            switch (action) {
                case BOOK_ACTION_ADD, BOOK_ACTION_UPDATE -> {
                    if (sz == 0) {
                        side.remove(px);
                    } else {
                        side.set(px, sz);
                    }
                }
                case BOOK_ACTION_DELETE -> side.remove(px);
                default -> {
                    return "has action " + action + "; send ADD, UPDATE, DELETE or CLEAR";
                }
            }
        } catch (ArithmeticException e) {
            return "has a price or size that does not fit 64 bits at scale " + Math.max(priceScale, sizeScale);
        }
        return null;
    }

    @Override
    public synchronized String toString() {
        Levels l = levels(3);
        return "OrderBook[" + state + " seq=" + sequence + " bids=" + Arrays.toString(l.bidPrices()) + " asks="
                + Arrays.toString(l.askPrices()) + " scale=" + priceScale + "]";
    }
}
