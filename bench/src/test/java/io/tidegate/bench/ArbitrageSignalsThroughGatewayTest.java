package io.tidegate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.ArbitrageSignal;
import io.tidegate.proto.market.v1.ArbitrageSignalKind;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.sdk.ReceivedMessage;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Quotes of two venues published by a Java SDK client into a real gateway (memory backend, gRPC
 * over loopback); a second client subscribed to {@code signals.arb.>} receives the arbitrage
 * signals the gateway derives.
 */
class ArbitrageSignalsThroughGatewayTest {

    private static Decimal dec(long units, int scale) {
        return Decimal.newBuilder().setUnits(units).setScale(scale).build();
    }

    private static void quote(TidegateClient client, String venue, String symbol, long bid, long ask, long size,
                              long tsEvent) throws Exception {
        QuoteTick q = QuoteTick.newBuilder().setInstrumentId(symbol + "." + venue)
                .setBidPrice(dec(bid, 2)).setAskPrice(dec(ask, 2))
                .setBidSize(dec(size, 3)).setAskSize(dec(size, 3)).setTsEvent(tsEvent).build();
        client.publish(Message.newBuilder().setTopic("data.quotes." + venue + "." + symbol)
                .setContentType("application/x-protobuf; type=tidegate.market.v1.QuoteTick")
                .setPayload(q.toByteString()).build()).get(10, TimeUnit.SECONDS);
    }

    private static ReceivedMessage next(BlockingQueue<ReceivedMessage> received) throws InterruptedException {
        ReceivedMessage m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("a signal within 10 s").isNotNull();
        return m;
    }

    @Test
    void aSubscriberReceivesOpenThenCloseWithTheCrossingsFields() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("intelligence.arbitrage.enabled=true",
                     "intelligence.arbitrage.venues.BINANCE.taker-fee-bps=2",
                     "intelligence.arbitrage.venues.OKX.taker-fee-bps=3");
             TidegateClient feed = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient strategy = TidegateClient.builder().endpoints(gateway.target()).build()) {
            BlockingQueue<ReceivedMessage> received = new LinkedBlockingQueue<>();
            strategy.subscribe(SubscriptionOptions.broadcast("signals.arb.>"), received::add)
                    .confirmed().get(10, TimeUnit.SECONDS);

            quote(feed, "BINANCE", "BTCUSDT", 6500000, 6500010, 1500, 111);
            quote(feed, "OKX", "BTC-USDT", 6510000, 6510020, 700, 222); // OKX bid 65100 over BINANCE ask 65000.10

            ReceivedMessage openMessage = next(received);
            assertThat(openMessage.message().getTopic()).isEqualTo("signals.arb.BTC.USDT");
            assertThat(openMessage.message().getPriority()).isEqualTo(Priority.PRIORITY_CRITICAL);
            ArbitrageSignal open = ArbitrageSignal.parseFrom(openMessage.message().getPayload());
            assertThat(open.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_OPEN);
            assertThat(open.getInstrument()).isEqualTo("BTC/USDT");
            assertThat(open.getBuyVenue()).isEqualTo("BINANCE");
            assertThat(open.getBuySymbol()).isEqualTo("BTCUSDT");
            assertThat(open.getBuyPrice()).isEqualTo(dec(650001, 1));
            assertThat(open.getSellVenue()).isEqualTo("OKX");
            assertThat(open.getSellSymbol()).isEqualTo("BTC-USDT");
            assertThat(open.getSellPrice()).isEqualTo(dec(65100, 0));
            assertThat(open.getSize()).isEqualTo(dec(7, 1));
            double expected = (65100 * (1 - 3e-4) / (65000.10 * (1 + 2e-4)) - 1) * 1e4;
            assertThat(open.getEdgeBps()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(open.getBuyTsEvent()).isEqualTo(111);
            assertThat(open.getSellTsEvent()).isEqualTo(222);
            assertThat(open.getOpenedAt()).isPositive();

            quote(feed, "OKX", "BTC-USDT", 6499990, 6500020, 700, 333); // back under BINANCE's ask

            ArbitrageSignal close = ArbitrageSignal.parseFrom(next(received).message().getPayload());
            assertThat(close.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_CLOSE);
            assertThat(close.getOpenedAt()).isEqualTo(open.getOpenedAt());
            assertThat(close.getDurationNanos()).isPositive();
            assertThat(close.getSellPrice()).as("a close repeats the crossing's last prices").isEqualTo(dec(65100, 0));
        }
    }

    @Test
    void aCrossingThatFeesMakeUnprofitableSendsNothing() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("intelligence.arbitrage.enabled=true",
                     "intelligence.arbitrage.default.taker-fee-bps=10");
             TidegateClient feed = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient strategy = TidegateClient.builder().endpoints(gateway.target()).build()) {
            BlockingQueue<ReceivedMessage> received = new LinkedBlockingQueue<>();
            strategy.subscribe(SubscriptionOptions.broadcast("signals.arb.>"), received::add)
                    .confirmed().get(10, TimeUnit.SECONDS);

            quote(feed, "BINANCE", "BTCUSDT", 6500000, 6500010, 1500, 1);
            quote(feed, "OKX", "BTC-USDT", 6510000, 6510020, 700, 2); // 15.4 bps gross, 20 bps of fees
            // then a crossing that pays: signals of one instrument keep their order, so a signal
            // for the unprofitable one would arrive before this one
            quote(feed, "OKX", "BTC-USDT", 6520000, 6520020, 700, 3); // 30.7 bps gross

            ArbitrageSignal first = ArbitrageSignal.parseFrom(next(received).message().getPayload());
            assertThat(first.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_OPEN);
            assertThat(first.getSellPrice()).isEqualTo(dec(65200, 0));
            assertThat(first.getSellTsEvent()).isEqualTo(3);
            assertThat(gateway.arbitrageFeed().orElseThrow().published()).isEqualTo(1);
        }
    }

    @Test
    void withArbitrageOffNoFeedRuns() {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback()) {
            assertThat(gateway.arbitrageFeed()).isEmpty();
        }
    }
}
