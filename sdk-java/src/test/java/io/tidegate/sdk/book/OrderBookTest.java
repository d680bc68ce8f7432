package io.tidegate.sdk.book;

import static io.tidegate.sdk.book.BookBatches.ASK;
import static io.tidegate.sdk.book.BookBatches.BID;
import static io.tidegate.sdk.book.BookBatches.RESET;
import static io.tidegate.sdk.book.BookBatches.dec;
import static io.tidegate.sdk.book.BookBatches.delta;
import static io.tidegate.sdk.book.BookBatches.levels;
import static io.tidegate.sdk.book.BookBatches.snapshot;
import static io.tidegate.sdk.book.BookBatches.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.OrderBookDelta;
import io.tidegate.proto.market.v1.OrderSide;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Known answers for batches as the adapters publish them (the cases of the Python SDK's test_book.py). */
class OrderBookTest {

    @Test
    void deltasAppliedGiveTheExpectedLevelsExactly() {
        OrderBook book = new OrderBook();
        assertThat(book.apply(snapshot(10, levels("100.5", "2", "100", "1"), levels("101", "1.5", "101.25", "4"))))
                .isTrue();
        assertThat(book.apply(update(11, delta(BookAction.BOOK_ACTION_ADD, BID, "100.25", "0.125"),
                delta(BookAction.BOOK_ACTION_DELETE, BID, "100", "0")))).isFalse();
        assertThat(book.apply(update(12, delta(BookAction.BOOK_ACTION_UPDATE, ASK, "101", "0")))).isTrue(); // size 0 deletes
        assertThat(book.bids()).containsExactly(Level.of("100.5", "2"), Level.of("100.25", "0.125"));
        assertThat(book.asks(1)).containsExactly(Level.of("101.25", "4"));
        assertThat(book.bestBid()).contains(Level.of("100.5", "2"));
        assertThat(book.sequence()).isEqualTo(12);
        assertThat(book.tsEvent()).isEqualTo(12);
        assertThat(book.state()).isEqualTo(BookState.LIVE);
    }

    @Test
    void aGapFlagsTheBookReadingItThrowsAndTheNextSnapshotRestoresIt() {
        OrderBook book = new OrderBook();
        book.apply(snapshot(5, levels("10", "1"), levels("11", "1")));
        assertThat(book.apply(update(5, delta(BookAction.BOOK_ACTION_UPDATE, BID, "10", "2")))).isFalse();
        assertThat(book.state()).isEqualTo(BookState.RESYNCING);
        assertThat(book.losses()).isEqualTo(1);
        assertThatThrownBy(book::bestBid).isInstanceOf(BookNotLiveException.class)
                .hasMessageContaining("sequence 5 is not after 5");
        assertThat(book.apply(update(6, delta(BookAction.BOOK_ACTION_UPDATE, BID, "10", "3")))).isFalse(); // still lost
        assertThat(book.apply(snapshot(9, levels("9.5", "4"), levels("10.5", "2")))).isTrue();
        assertThat(book.bestBid()).contains(Level.of("9.5", "4"));
        book.apply(RESET);
        assertThatThrownBy(book::asks).isInstanceOf(BookNotLiveException.class)
                .hasMessageContaining("BOOK_RESET_REASON_SEQUENCE_GAP")
                .satisfies(e -> assertThat(((BookNotLiveException) e).state()).isEqualTo(BookState.RESYNCING));
        assertThat(book.losses()).isEqualTo(2);
    }

    @Test
    void exactDecimalsComeBackAsSent() {
        assertThat(Level.decimal(dec("65000.123456789"))).isEqualTo(new BigDecimal("65000.123456789"));
        assertThat(Level.decimal(dec("-0.5"))).isEqualTo(new BigDecimal("-0.5"));
    }

    @Test
    void updatesBeforeTheFirstSnapshotAreIgnoredAndReadingSaysSo() {
        OrderBook book = new OrderBook();
        assertThat(book.apply(update(1, delta(BookAction.BOOK_ACTION_ADD, BID, "10", "1")))).isFalse();
        assertThat(book.state()).isEqualTo(BookState.AWAITING_SNAPSHOT);
        assertThat(book.losses()).isZero();
        assertThatThrownBy(book::bids).isInstanceOf(BookNotLiveException.class)
                .hasMessage("the book is awaiting snapshot: no snapshot yet");
    }

    @Test
    void aDeltaWithoutASideLosesTheBookAndAnEmptySideReadsAsNone() {
        OrderBook book = new OrderBook();
        book.apply(snapshot(1, levels("10", "1"), levels()));
        assertThat(book.bestAsk()).isEqualTo(Optional.empty());
        OrderBookDelta sideless = delta(BookAction.BOOK_ACTION_ADD, OrderSide.ORDER_SIDE_UNSPECIFIED, "10", "1");
        assertThat(book.apply(update(2, sideless))).isFalse();
        assertThat(book.state()).isEqualTo(BookState.RESYNCING);
        assertThat(book.why()).isEqualTo("delta 0 of sequence 2 has no side, a negative size, no action or a scale too large");
        assertThat(book.sequence()).isEqualTo(1);
    }

    @Test
    void levelsOfDifferentScalesAreTheSameLevel() {
        OrderBook book = new OrderBook();
        book.apply(snapshot(1, levels("97000.00", "0.250"), levels()));
        book.apply(update(2, delta(BookAction.BOOK_ACTION_UPDATE, BID, "97000", "0.5")));
        assertThat(book.bids()).isEqualTo(List.of(Level.of("97000.0", "0.50")));
        assertThat(book.apply(update(3, delta(BookAction.BOOK_ACTION_UPDATE, BID, "97000", "0.5000")))).isFalse();
    }
}
