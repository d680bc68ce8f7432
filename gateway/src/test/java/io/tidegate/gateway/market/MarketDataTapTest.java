package io.tidegate.gateway.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderBookDelta;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The tap keeps only market topics, decodes once for every listener, survives bad payloads and failing listeners, and drops (counted) when full. */
class MarketDataTapTest {

    private static final ByteString QUOTE = QuoteTick.newBuilder().setBidPrice(Decimal.newBuilder().setUnits(1))
            .setAskPrice(Decimal.newBuilder().setUnits(2)).setTsEvent(7).build().toByteString();
    private static final ByteString TRADE = TradeTick.newBuilder().setPrice(Decimal.newBuilder().setUnits(3))
            .setTsEvent(8).build().toByteString();

    private static final ByteString BOOK = OrderBookDeltas.newBuilder().setSequence(9).setIsSnapshot(true)
            .addDeltas(OrderBookDelta.newBuilder().setAction(BookAction.BOOK_ACTION_CLEAR)).build().toByteString();

    @Test
    void bookBatchesOfExactlyVenueSymbolTopicsReachListenersDecoded() {
        Recording queued = new Recording();
        try (MarketDataTap tap = new MarketDataTap(List.of(queued), 100)) {
            tap.stored("data.books.BYBIT.BTCUSDT", BOOK, 31);
            tap.stored("data.books.BYBIT", BOOK, 32);
            tap.stored("data.books.BYBIT.BTCUSDT.L3", BOOK, 33);
            tap.stored("data.books.OKX.BTC-USDT", ByteString.copyFrom(new byte[] {(byte) 0xFF}), 34);
            tap.stored("data.quotes.OKX.BTC-USDT", QUOTE, 35);

            await().atMost(Duration.ofSeconds(10)).until(() -> queued.seen.size() == 2);
            assertThat(queued.seen).containsExactly("book BYBIT BTCUSDT 9 31", "quote OKX BTC-USDT 7 35");
            assertThat(tap.malformed()).isEqualTo(1);
        }
    }

    @Test
    void everyListenerGetsTheDecodedQuotesAndTradesOfExactlyVenueSymbolTopics() {
        Recording first = new Recording();
        Recording second = new Recording();
        try (MarketDataTap tap = new MarketDataTap(List.of(first, second), 100)) {
            tap.stored("data.quotes.BINANCE.BTCUSDT", QUOTE, 11);
            tap.stored("data.trades.OKX.BTC-USDT", TRADE, 12);
            tap.stored("data.quotes.BINANCE.BTCUSDT.EXTRA", QUOTE, 13); // not <VENUE>.<SYMBOL>
            tap.stored("data.quotes.BINANCE", QUOTE, 14);
            tap.stored("data.bars.BINANCE.BTCUSDT", QUOTE, 15);
            tap.stored("exec.orders.BINANCE.BTCUSDT", QUOTE, 16);
            tap.stored("data.quotes.LAST.ONE", QUOTE, 17);

            await().atMost(Duration.ofSeconds(10)).until(() -> second.seen.size() == 3);
            assertThat(second.seen).containsExactly("quote BINANCE BTCUSDT 7 11", "trade OKX BTC-USDT 8 12",
                    "quote LAST ONE 7 17");
            assertThat(first.seen).isEqualTo(second.seen);
            assertThat(tap.dropped()).isZero();
            assertThat(tap.malformed()).isZero();
        }
    }

    @Test
    void anUndecodablePayloadIsCountedAndAFailingListenerDoesNotStopTheOthers() {
        Recording after = new Recording();
        MarketDataListener failing = new MarketDataListener() {
            @Override
            public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
            }
        };
        try (MarketDataTap tap = new MarketDataTap(List.of(failing, after), 100)) {
            tap.stored("data.quotes.V.S", ByteString.copyFrom(new byte[] {(byte) 0xFF, (byte) 0xFF}), 1);
            tap.stored("data.quotes.V.S", QUOTE, 2);

            await().atMost(Duration.ofSeconds(10)).until(() -> after.seen.size() == 1);
            assertThat(tap.malformed()).isEqualTo(1);
            assertThat(tap.listenerFailures()).isEqualTo(1);
        }
    }

    @Test
    void whenTheQueueIsFullFurtherMessagesAreCountedAndTheCallerNeverWaits() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        Recording blocked = new Recording() {
            @Override
            public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
                busy.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.onQuote(venue, symbol, quote, receivedNanos);
            }
        };
        try (MarketDataTap tap = new MarketDataTap(List.of(blocked), 2)) {
            tap.stored("data.quotes.V.S", QUOTE, 1);
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue(); // the tap thread holds message 1
            for (int i = 2; i <= 6; i++) {
                tap.stored("data.quotes.V.S", QUOTE, i); // 2 and 3 fit the queue; 4, 5, 6 do not
            }
            assertThat(tap.dropped()).isEqualTo(3);
            release.countDown();
            // the queued listener is told of the skip after the messages stored before it, before any after it
            await().atMost(Duration.ofSeconds(10)).until(() -> blocked.seen.size() == 4);
            tap.stored("data.quotes.V.S", QUOTE, 7);
            await().atMost(Duration.ofSeconds(10)).until(() -> blocked.seen.size() == 5);
            assertThat(blocked.seen).containsExactly("quote V S 7 1", "quote V S 7 2", "quote V S 7 3", "skipped",
                    "quote V S 7 7");
        }
    }

    @Test
    void withoutListenersTheTapIgnoresEverything() {
        try (MarketDataTap tap = MarketDataTap.none()) {
            tap.stored("data.quotes.V.S", QUOTE, 1);
            assertThat(tap.dropped()).isZero();
        }
    }

    @Test
    void inlineListenersAreCalledOnThePublishingThreadWhenReceivedAndQueuedOnesOnlyOnceStored() {
        Recording queued = new Recording();
        Recording inline = new Recording() {
            @Override
            public boolean inline() {
                return true;
            }
        };
        try (MarketDataTap tap = new MarketDataTap(List.of(queued, inline), 100)) {
            tap.received("data.quotes.BINANCE.BTCUSDT", QUOTE, 21);
            tap.received("data.bars.BINANCE.BTCUSDT", QUOTE, 22);
            assertThat(inline.seen).containsExactly("quote BINANCE BTCUSDT 7 21");
            tap.stored("data.quotes.BINANCE.BTCUSDT", QUOTE, 23);
            await().untilAsserted(() -> assertThat(queued.seen).containsExactly("quote BINANCE BTCUSDT 7 23"));
            assertThat(inline.seen).hasSize(1);
        }
    }

    @Test
    void tasksRunOnTheListenersThreadAfterTheMessagesStoredBeforeThemAndAFailingOneStopsNone() {
        List<String> threads = new CopyOnWriteArrayList<>();
        Recording queued = new Recording() {
            @Override
            public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
                threads.add(Thread.currentThread().getName());
                super.onQuote(venue, symbol, quote, receivedNanos);
            }
        };
        try (MarketDataTap tap = new MarketDataTap(List.of(queued), 100)) {
            tap.stored("data.quotes.BINANCE.BTCUSDT", QUOTE, 1);
            tap.runOnTapThread(() -> {
                throw new IllegalStateException("task bug");
            });
            tap.runOnTapThread(() -> {
                threads.add(Thread.currentThread().getName());
                queued.seen.add("task");
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> queued.seen.size() == 2);
            assertThat(queued.seen).containsExactly("quote BINANCE BTCUSDT 7 1", "task");
            assertThat(threads).containsOnly("tidegate-market").hasSize(2);
            assertThat(tap.listenerFailures()).isEqualTo(1);
        }
    }

    private static class Recording implements MarketDataListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
            seen.add("quote " + venue + " " + symbol + " " + quote.getTsEvent() + " " + receivedNanos);
        }

        @Override
        public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
            seen.add("trade " + venue + " " + symbol + " " + trade.getTsEvent() + " " + receivedNanos);
        }

        @Override
        public void onBook(String venue, String symbol, OrderBookDeltas deltas, long receivedNanos) {
            seen.add("book " + venue + " " + symbol + " " + deltas.getSequence() + " " + receivedNanos);
        }

        @Override
        public void onSkipped() {
            seen.add("skipped");
        }
    }
}
