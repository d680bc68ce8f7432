package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.ArbitrageSignal;
import io.tidegate.proto.market.v1.ArbitrageSignalKind;
import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.BookResetReason;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderBookDelta;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.v1.BooksServiceGrpc;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.GetBookRequest;
import io.tidegate.proto.v1.GetBookResponse;
import io.tidegate.proto.v1.Message;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Order books through a real gateway over gRPC: book batches published on
 * {@code data.books.<VENUE>.<SYMBOL>} for two venues whose books cross give an OPEN arbitrage
 * signal on {@code signals.arb.BTC.USDT}; a reset of one venue's book closes it; GetBook serves the
 * levels while a book is live and refuses (UNAVAILABLE) while it is not.
 */
class BooksThroughTheGatewayTest {

    private static Decimal dec(String text) {
        BigDecimal d = new BigDecimal(text);
        return Decimal.newBuilder().setUnits(d.unscaledValue().longValueExact()).setScale(d.scale()).build();
    }

    private static OrderBookDelta level(BookAction action, OrderSide side, String price, String size) {
        return OrderBookDelta.newBuilder().setAction(action).setSide(side).setPrice(dec(price)).setSize(dec(size))
                .build();
    }

    private static Message book(String venue, String symbol, OrderBookDeltas batch) {
        return Message.newBuilder().setTopic("data.books." + venue + "." + symbol).setOrderingKey(symbol + "." + venue)
                .setPayload(batch.toByteString()).build();
    }

    private static OrderBookDeltas snapshot(long seq, String bid, String bidSize, String ask, String askSize) {
        return OrderBookDeltas.newBuilder().setIsSnapshot(true).setSequence(seq).setTsEvent(seq)
                .setResetReason(BookResetReason.BOOK_RESET_REASON_INITIAL)
                .addDeltas(OrderBookDelta.newBuilder().setAction(BookAction.BOOK_ACTION_CLEAR))
                .addDeltas(level(BookAction.BOOK_ACTION_ADD, OrderSide.ORDER_SIDE_BUY, bid, bidSize))
                .addDeltas(level(BookAction.BOOK_ACTION_ADD, OrderSide.ORDER_SIDE_SELL, ask, askSize))
                .build();
    }

    private static ArbitrageSignal signal(Delivery d) throws Exception {
        return ArbitrageSignal.parseFrom(d.getMessage().getPayload());
    }

    @Test
    void booksThatCrossOpenASignalAResetClosesItAndGetBookServesOnlyLiveBooks() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("intelligence.arbitrage.enabled=true",
                "intelligence.arbitrage.default.taker-fee-bps=0", "intelligence.arbitrage.stale-after=1h",
                "intelligence.books.max-depth=3");
             FrameClient pub = FrameClient.connected(gateway.target());
             FrameClient sub = FrameClient.connected(gateway.target())) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
            try {
                BooksServiceGrpc.BooksServiceBlockingStub books = BooksServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(20, TimeUnit.SECONDS);
                ConnectResponse subscribed = sub.await(sub.subscribe(broadcast("arb", "signals.arb.>")));
                assertThat(subscribed.hasSubscribed()).as("%s", subscribed).isTrue();

                pub.await(pub.publish(book("BINANCE", "BTCUSDT", snapshot(10, "64999.90", "1.5", "65000.10", "0.8"))));
                pub.await(pub.publish(book("OKX", "BTC-USDT", snapshot(3, "64999.00", "2", "65000.50", "1"))));
                // OKX's bid rises above Binance's ask: a crossing made by a book update
                pub.await(pub.publish(book("OKX", "BTC-USDT", OrderBookDeltas.newBuilder().setSequence(4).setTsEvent(4)
                        .addDeltas(level(BookAction.BOOK_ACTION_ADD, OrderSide.ORDER_SIDE_BUY, "65001.20", "0.3"))
                        .build())));

                List<Delivery> opened = sub.awaitDeliveries("arb", 1);
                ArbitrageSignal open = signal(opened.get(0));
                assertThat(opened.get(0).getMessage().getTopic()).isEqualTo("signals.arb.BTC.USDT");
                assertThat(open.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_OPEN);
                assertThat(open.getBuyVenue() + " " + open.getBuySymbol()).isEqualTo("BINANCE BTCUSDT");
                assertThat(open.getBuyPrice()).isEqualTo(dec("65000.1"));
                assertThat(open.getSellVenue() + " " + open.getSellSymbol()).isEqualTo("OKX BTC-USDT");
                assertThat(open.getSellPrice()).isEqualTo(dec("65001.2"));
                assertThat(open.getSize()).isEqualTo(dec("0.3"));
                assertThat(open.getSellTsEvent()).isEqualTo(4);

                GetBookResponse okx = books.getBook(GetBookRequest.newBuilder().setVenue("OKX").setSymbol("BTC-USDT")
                        .build());
                assertThat(okx.getSequence()).isEqualTo(4);
                assertThat(okx.getBidsList()).extracting(l -> text(l.getPrice()) + " x " + text(l.getSize()))
                        .containsExactly("65001.2 x 0.3", "64999 x 2");
                assertThat(okx.getAsksList()).extracting(l -> text(l.getPrice()) + " x " + text(l.getSize()))
                        .containsExactly("65000.5 x 1");
                assertThat(books.getBook(GetBookRequest.newBuilder().setVenue("OKX").setSymbol("BTC-USDT").setDepth(1)
                        .build()).getBidsCount()).isEqualTo(1);

                // the OKX adapter lost its feed: a lone CLEAR, then (later) a snapshot
                pub.await(pub.publish(book("OKX", "BTC-USDT", OrderBookDeltas.newBuilder()
                        .setResetReason(BookResetReason.BOOK_RESET_REASON_RECONNECT)
                        .addDeltas(OrderBookDelta.newBuilder().setAction(BookAction.BOOK_ACTION_CLEAR)).build())));
                ArbitrageSignal close = signal(sub.awaitDeliveries("arb", 1).get(0));
                assertThat(close.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_CLOSE);
                assertThat(close.getOpenedAt()).isEqualTo(open.getOpenedAt());
                assertStatus(() -> books.getBook(GetBookRequest.newBuilder().setVenue("OKX").setSymbol("BTC-USDT")
                        .build()), Status.Code.UNAVAILABLE, "BOOK_RESET_REASON_RECONNECT");

                // a crossing snapshot brings the book, and the signal, back
                pub.await(pub.publish(book("OKX", "BTC-USDT", snapshot(50, "65002.00", "0.2", "65003", "1"))));
                ArbitrageSignal reopened = signal(sub.awaitDeliveries("arb", 1).get(0));
                assertThat(reopened.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_OPEN);
                assertThat(reopened.getSellPrice()).isEqualTo(dec("65002"));
                assertThat(books.getBook(GetBookRequest.newBuilder().setVenue("OKX").setSymbol("BTC-USDT")
                        .build()).getSequence()).isEqualTo(50);

                assertStatus(() -> books.getBook(GetBookRequest.newBuilder().setVenue("KRAKEN").setSymbol("XBTUSD")
                        .build()), Status.Code.NOT_FOUND, "data.books.KRAKEN.XBTUSD");
                assertStatus(() -> books.getBook(GetBookRequest.newBuilder().setVenue("OKX").setSymbol("BTC-USDT")
                        .setDepth(4).build()), Status.Code.INVALID_ARGUMENT, "intelligence.books.max-depth");
                assertStatus(() -> books.getBook(GetBookRequest.newBuilder().setVenue("").setSymbol("BTC-USDT")
                        .build()), Status.Code.INVALID_ARGUMENT, "venue");
                assertStatus(() -> books.getBook(GetBookRequest.newBuilder().setVenue("OKX").setSymbol("data.>")
                        .build()), Status.Code.INVALID_ARGUMENT, "symbol");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void withBooksOffGetBookNamesTheSettingThatTurnsThemOn() {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("intelligence.books.enabled=false")) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
            try {
                assertStatus(() -> BooksServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                                .getBook(GetBookRequest.newBuilder().setVenue("OKX").setSymbol("BTC-USDT").build()),
                        Status.Code.FAILED_PRECONDITION, "intelligence.books.enabled");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static String text(Decimal d) {
        return BigDecimal.valueOf(d.getUnits(), d.getScale()).stripTrailingZeros().toPlainString();
    }

    private static void assertStatus(Runnable call, Status.Code code, String says) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(says);
        });
    }
}
