package io.tidegate.gateway.book;

import static io.tidegate.gateway.book.Batches.reset;
import static io.tidegate.gateway.book.Batches.snapshot;
import static io.tidegate.gateway.book.Batches.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.proto.market.v1.BookResetReason;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Known answers: batches applied to a book give exactly the levels a venue would show. */
class OrderBookTest {

    /** "price x size" per level, best first, as exact decimals. */
    private static List<String> side(OrderBook book, boolean bids) {
        OrderBook.Levels l = book.levels(Integer.MAX_VALUE);
        long[] prices = bids ? l.bidPrices() : l.askPrices();
        long[] sizes = bids ? l.bidSizes() : l.askSizes();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < prices.length; i++) {
            out.add(BigDecimal.valueOf(prices[i], l.priceScale()).stripTrailingZeros().toPlainString() + " x "
                    + BigDecimal.valueOf(sizes[i], l.sizeScale()).stripTrailingZeros().toPlainString());
        }
        return out;
    }

    @Test
    void aSnapshotThenAddsUpdatesAndDeletesGiveTheExpectedLevels() {
        OrderBook book = new OrderBook(10);
        assertThat(book.apply(snapshot(100, "B 100.5 2", "B 100 1", "B 99.75 3", "A 101 1.5", "A 101.25 4")))
                .isEqualTo(OrderBook.Change.TOP);
        assertThat(book.apply(update(101, "+B 100.25 0.125", "A 101.25 5", "-B 99.75 0")))
                .isEqualTo(OrderBook.Change.NONE); // the best levels did not move
        assertThat(side(book, true)).containsExactly("100.5 x 2", "100.25 x 0.125", "100 x 1");
        assertThat(side(book, false)).containsExactly("101 x 1.5", "101.25 x 5");

        assertThat(book.apply(update(105, "-A 101 0", "+A 100.75 0.001"))).isEqualTo(OrderBook.Change.TOP);
        assertThat(side(book, false)).containsExactly("100.75 x 0.001", "101.25 x 5");
        assertThat(book.bestBidPrice()).isEqualTo(100.5);
        assertThat(book.bestAskPrice()).isEqualTo(100.75);
        assertThat(book.bestAskSize()).isEqualTo(0.001);
        assertThat(book.sequence()).isEqualTo(105);
        assertThat(book.state()).isEqualTo(OrderBook.State.LIVE);

        // an UPDATE to size 0 deletes; a DELETE of a level not held changes nothing
        assertThat(book.apply(update(106, "B 100.5 0", "-B 42 0"))).isEqualTo(OrderBook.Change.TOP);
        assertThat(side(book, true)).containsExactly("100.25 x 0.125", "100 x 1");
    }

    @Test
    void anUpdateWhoseSequenceIsNotAfterTheBooksLosesItAndTheNextSnapshotRestoresIt() {
        OrderBook book = new OrderBook(10);
        book.apply(snapshot(7, "B 10 1", "A 11 1"));
        assertThat(book.apply(update(7, "B 10 2"))).isEqualTo(OrderBook.Change.LOST);
        assertThat(book.state()).isEqualTo(OrderBook.State.RESYNCING);
        assertThat(book.why()).contains("sequence 7 is not after 7");
        assertThat(book.levels(10).bidPrices()).isEmpty();
        assertThat(book.bestBidPrice()).isZero();

        // updates while lost are not applied, even in sequence
        assertThat(book.apply(update(8, "B 10 3"))).isEqualTo(OrderBook.Change.NONE);
        assertThat(book.levels(10).bidPrices()).isEmpty();

        assertThat(book.apply(snapshot(20, "B 9.5 4", "A 10.5 2"))).isEqualTo(OrderBook.Change.TOP);
        assertThat(book.state()).isEqualTo(OrderBook.State.LIVE);
        assertThat(side(book, true)).containsExactly("9.5 x 4");
        assertThat(book.apply(update(21, "B 9.5 5"))).isEqualTo(OrderBook.Change.TOP);
        assertThat(side(book, true)).containsExactly("9.5 x 5");
    }

    @Test
    void theAdaptersResetLosesTheBookUntilItsSnapshot() {
        OrderBook book = new OrderBook(10);
        assertThat(book.apply(update(1, "B 1 1"))).isEqualTo(OrderBook.Change.NONE); // before any snapshot
        assertThat(book.state()).isEqualTo(OrderBook.State.AWAITING_SNAPSHOT);
        book.apply(snapshot(2, "B 1 1", "A 2 1"));
        assertThat(book.apply(reset(BookResetReason.BOOK_RESET_REASON_CHECKSUM_MISMATCH)))
                .isEqualTo(OrderBook.Change.LOST);
        assertThat(book.why()).contains("BOOK_RESET_REASON_CHECKSUM_MISMATCH");
        assertThat(book.apply(reset(BookResetReason.BOOK_RESET_REASON_RECONNECT))).isEqualTo(OrderBook.Change.NONE);
    }

    @Test
    void theDepthBoundHoldsAndTheLevelsHeldStayTheVenuesBestWithNoneMissing() {
        OrderBook book = new OrderBook(3);
        book.apply(snapshot(1, "B 10 1", "B 9 1", "B 8 1", "B 7 1", "B 6 1", "A 11 1"));
        assertThat(side(book, true)).containsExactly("10 x 1", "9 x 1", "8 x 1");
        assertThat(book.levels(10).truncated()).isTrue();

        book.apply(update(2, "+B 9.5 2")); // better than the worst held: 8 falls out
        assertThat(side(book, true)).containsExactly("10 x 1", "9.5 x 2", "9 x 1");
        book.apply(update(3, "-B 10 0", "-B 9.5 0"));
        assertThat(side(book, true)).containsExactly("9 x 1");
        // worse than every level held: 8 (dropped above) may lie between, so it is not taken
        book.apply(update(4, "+B 7.5 1"));
        assertThat(side(book, true)).containsExactly("9 x 1");
        assertThat(book.levels(1).bidPrices()).hasSize(1);

        // the side empties while levels beyond the bound are unknown: lost, not empty
        assertThat(book.apply(update(5, "-B 9 0"))).isEqualTo(OrderBook.Change.LOST);
        assertThat(book.why()).contains("emptied");
    }

    @Test
    void aFinerDecimalRescalesTheBookExactly() {
        OrderBook book = new OrderBook(10);
        book.apply(snapshot(1, "B 65000 1", "A 65001 2"));
        book.apply(update(2, "+B 65000.123456789 0.00000001"));
        assertThat(side(book, true)).containsExactly("65000.123456789 x 0.00000001", "65000 x 1");
        assertThat(side(book, false)).containsExactly("65001 x 2");
        assertThat(book.levels(1).priceScale()).isEqualTo(9);
        assertThat(book.bestBidPrice()).isEqualTo(65000.123456789);
    }

    @Test
    void aDeltaThatCannotBeAppliedLosesTheBookRatherThanGuessing() {
        OrderBook book = new OrderBook(10);
        book.apply(snapshot(1, "B 1 1", "A 2 1"));
        // 922337203685477581 x 10 is past Long.MAX_VALUE: it does not fit once scaled to the book's 1 decimal
        assertThat(book.apply(update(2, "+A 2.5 1", "+B 922337203685477581 1"))).isEqualTo(OrderBook.Change.LOST);
        assertThat(book.why()).contains("does not fit");
        assertThat(book.levels(10).askPrices()).isEmpty();
    }
}
