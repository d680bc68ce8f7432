package io.tidegate.gateway.book;

import java.util.Arrays;

/**
 * One side of an order book: at most {@code capacity} price levels, best first, as parallel
 * {@code long} arrays of scaled prices and sizes (no boxing, no allocation after construction).
 *
 * <p>Why levels beyond the bound are handled as they are: the levels held are always the venue's
 * best ones with nothing missing between them. A level that would fall beyond the bound is dropped
 * and the side remembers it was {@link #truncated()}; from then on a new level worse than every held
 * one is not taken (a dropped level may lie between), so the held levels stay an exact prefix, and
 * a truncated side that empties is unknown, not empty.
 *
 * <p>Not thread-safe: its {@link OrderBook} guards it.
 */
final class BookSide {

    private final boolean bids;
    private final long[] prices;
    private final long[] sizes;
    private int count;
    private boolean truncated;

    BookSide(boolean bids, int capacity) {
        this.bids = bids;
        this.prices = new long[capacity];
        this.sizes = new long[capacity];
    }

    int count() {
        return count;
    }

    boolean truncated() {
        return truncated;
    }

    long price(int i) {
        return prices[i];
    }

    long size(int i) {
        return sizes[i];
    }

    /** The bound, for messages. */
    String capacityText() {
        return Integer.toString(prices.length);
    }

    void clear() {
        count = 0;
        truncated = false;
    }

    /** Sets the level at {@code price} (adds it when new). */
    void set(long price, long size) {
        int at = find(price);
        if (at >= 0) {
            sizes[at] = size;
            return;
        }
        int insert = -at - 1;
        if (insert == count && (truncated || count == prices.length)) {
            truncated = true; // beyond what is held: not taken
            return;
        }
        if (count == prices.length) {
            count--; // the worst level falls beyond the bound
            truncated = true;
        }
        System.arraycopy(prices, insert, prices, insert + 1, count - insert);
        System.arraycopy(sizes, insert, sizes, insert + 1, count - insert);
        prices[insert] = price;
        sizes[insert] = size;
        count++;
    }

    /** Removes the level at {@code price}; one not held (beyond the bound, or unknown) is ignored. */
    void remove(long price) {
        int at = find(price);
        if (at < 0) {
            return;
        }
        System.arraycopy(prices, at + 1, prices, at, count - at - 1);
        System.arraycopy(sizes, at + 1, sizes, at, count - at - 1);
        count--;
    }

    /** Multiplies every price (or size) by {@code factor}; throws ArithmeticException on overflow. */
    void rescale(long priceFactor, long sizeFactor) {
        for (int i = 0; i < count; i++) {
            prices[i] = Math.multiplyExact(prices[i], priceFactor);
            sizes[i] = Math.multiplyExact(sizes[i], sizeFactor);
        }
    }

    /** Index of {@code price}, or {@code -(insertion point) - 1}; best (highest bid, lowest ask) first. */
    private int find(long price) {
        if (!bids) {
            return Arrays.binarySearch(prices, 0, count, price);
        }
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long p = prices[mid];
            if (p > price) {
                lo = mid + 1;
            } else if (p < price) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }
}
