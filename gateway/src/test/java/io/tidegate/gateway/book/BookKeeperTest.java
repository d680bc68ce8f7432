package io.tidegate.gateway.book;

import static io.tidegate.gateway.book.Batches.snapshot;
import static io.tidegate.gateway.book.Batches.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.market.BookTopListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keeper tells its listener of moved tops and lost books, keeps at most max-books, and loses all on skipped messages. */
class BookKeeperTest {

    private final List<String> told = new ArrayList<>();
    private final BookTopListener recording = new BookTopListener() {
        @Override
        public void onBookTop(String venue, String symbol, double bidPrice, double bidSize, double askPrice,
                              double askSize, long tsEvent, long receivedNanos) {
            told.add("top " + venue + " " + symbol + " " + bidPrice + "x" + bidSize + " " + askPrice + "x" + askSize
                    + " @" + tsEvent + " " + receivedNanos);
        }

        @Override
        public void onBookReset(String venue, String symbol, long receivedNanos) {
            told.add("reset " + venue + " " + symbol);
        }
    };

    @Test
    void movedTopsAndLostBooksAreToldAndBooksBeyondTheBoundAreCounted() {
        BookKeeper keeper = new BookKeeper(2, 5, recording);
        keeper.onBook("BYBIT", "BTCUSDT", snapshot(1, "B 100 1", "A 101 2"), 11);
        keeper.onBook("BYBIT", "BTCUSDT", update(2, "+B 99 1"), 12); // below the top: not told
        keeper.onBook("OKX", "BTC-USDT", snapshot(5, "B 100.5 1", "A 100.75 0.5"), 13);
        keeper.onBook("COINBASE", "BTC-USDT", snapshot(1, "B 1 1"), 14); // a third book: beyond max-books
        keeper.onBook("BYBIT", "BTCUSDT", update(2, "B 100 3"), 15); // not after 2: lost

        assertThat(told).containsExactly("top BYBIT BTCUSDT 100.0x1.0 101.0x2.0 @1000 11",
                "top OKX BTC-USDT 100.5x1.0 100.75x0.5 @5000 13", "reset BYBIT BTCUSDT");
        assertThat(keeper.count()).isEqualTo(2);
        assertThat(keeper.untracked()).isEqualTo(1);
        assertThat(keeper.losses()).isEqualTo(1);
        assertThat(keeper.book("COINBASE", "BTC-USDT")).isEmpty();
        assertThat(keeper.book("OKX", "BTC-USDT").orElseThrow().sequence()).isEqualTo(5);
    }

    @Test
    void skippedMarketMessagesLoseEveryLiveBook() {
        BookKeeper keeper = new BookKeeper(10, 5, recording);
        keeper.onBook("BYBIT", "BTCUSDT", snapshot(1, "B 100 1", "A 101 2"), 1);
        keeper.onBook("OKX", "BTC-USDT", update(3, "B 100 1"), 2); // no snapshot yet: nothing to lose
        told.clear();

        keeper.onSkipped();

        assertThat(told).containsExactly("reset BYBIT BTCUSDT");
        assertThat(keeper.book("BYBIT", "BTCUSDT").orElseThrow().why()).contains("skipped");
        keeper.onBook("BYBIT", "BTCUSDT", update(2, "B 100 2"), 3);
        assertThat(keeper.book("BYBIT", "BTCUSDT").orElseThrow().state()).isEqualTo(OrderBook.State.RESYNCING);
    }
}
