package io.tidegate.gateway.market;

/**
 * Told when the top of a venue's order book (kept from {@code data.books.<VENUE>.<SYMBOL>}) changes
 * or the book stops being known (reset, sequence gap, skipped messages) until its next snapshot;
 * the arbitrage detector is one. Called on the market-data tap's thread: it must be quick, must not
 * block, and must be thread-safe if it is also called from elsewhere.
 */
public interface BookTopListener {

    /**
     * The book's new best levels; a side without levels has price and size 0.
     *
     * @param tsEvent       the venue's event time of the change
     * @param receivedNanos {@link System#nanoTime()} when the backend stored the batch
     */
    void onBookTop(String venue, String symbol, double bidPrice, double bidSize, double askPrice, double askSize,
                   long tsEvent, long receivedNanos);

    /** The book is unknown until its next snapshot: its prices no longer count. */
    void onBookReset(String venue, String symbol, long receivedNanos);

    /** A listener that ignores everything. */
    static BookTopListener none() {
        return new BookTopListener() {
            @Override
            public void onBookTop(String venue, String symbol, double bidPrice, double bidSize, double askPrice,
                                  double askSize, long tsEvent, long receivedNanos) {
            }

            @Override
            public void onBookReset(String venue, String symbol, long receivedNanos) {
            }
        };
    }
}
