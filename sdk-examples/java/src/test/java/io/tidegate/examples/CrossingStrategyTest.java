package io.tidegate.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderAccepted;
import io.tidegate.proto.market.v1.OrderFilled;
import io.tidegate.proto.market.v1.OrderRejected;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.sdk.ReceivedMessage;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import com.google.protobuf.MessageLite;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The strategy against an in-process gateway, with a fake execution adapter in the test that
 * fills every order of venue BINANCE and rejects those of venue OKX.
 */
class CrossingStrategyTest {

    private static final CrossingStrategy.Config CONFIG = new CrossingStrategy.Config("strat-1", "data.quotes.>", 2, 2,
            OrderSide.ORDER_SIDE_BUY, new BigDecimal("0.010"));

    /** Answers SubmitOrder commands the way the Rust adapter does (topic layout, content types, ids). */
    private static final class FakeExec {
        final List<SubmitOrder> commands = new CopyOnWriteArrayList<>();
        final List<String> topics = new CopyOnWriteArrayList<>();
        final List<Priority> priorities = new CopyOnWriteArrayList<>();
        final TidegateClient client;

        FakeExec(TidegateClient client) throws Exception {
            this.client = client;
            client.subscribe(SubscriptionOptions.group("exec-fake", "exec.commands.*.*"), this::onCommand)
                    .confirmed().get(10, TimeUnit.SECONDS);
        }

        void onCommand(ReceivedMessage m) throws Exception {
            String[] t = m.position().topic().split("\\.");
            String venue = t[2];
            String strategy = t[3];
            SubmitOrder o = SubmitOrder.parseFrom(m.message().getPayload());
            commands.add(o);
            topics.add(m.position().topic());
            priorities.add(m.message().getPriority());
            String coid = o.getClientOrderId();
            String events = "exec.events." + venue + "." + strategy;
            if (venue.equals("OKX")) {
                publish(events, "exec/" + venue + "/" + coid + "/submit/rejected", "OrderRejected",
                        OrderRejected.newBuilder().setClientOrderId(coid).setInstrumentId(o.getInstrumentId())
                                .setReason("venue closed").build());
                return;
            }
            publish(events, "exec/" + venue + "/" + coid + "/submit/accepted", "OrderAccepted",
                    OrderAccepted.newBuilder().setClientOrderId(coid).setVenueOrderId("v-" + coid)
                            .setInstrumentId(o.getInstrumentId()).build());
            publish(events, "exec/" + venue + "/" + coid + "/submit/filled", "OrderFilled",
                    OrderFilled.newBuilder().setClientOrderId(coid).setVenueOrderId("v-" + coid).setTradeId("t-" + coid)
                            .setInstrumentId(o.getInstrumentId()).setSide(o.getSide()).setLastQty(o.getQuantity())
                            .setLastPx(Decimal.newBuilder().setUnits(6500001).setScale(2))
                            .setCommission(Decimal.newBuilder().setUnits(65).setScale(5)).setCommissionCurrency("USDT")
                            .build());
        }

        void publish(String topic, String id, String type, MessageLite payload) throws Exception {
            client.publish(Message.newBuilder().setId(id).setTopic(topic).setPriority(Priority.PRIORITY_HIGH)
                    .setContentType(CrossingStrategy.CONTENT_TYPE_PREFIX + type).setPayload(payload.toByteString())
                    .build()).get(10, TimeUnit.SECONDS);
        }
    }

    private static void publishQuotes(TidegateClient client, String venue, String symbol, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            QuoteTick q = QuoteTick.newBuilder().setInstrumentId(symbol + "." + venue)
                    .setBidPrice(Decimal.newBuilder().setUnits(6500000 + i).setScale(2))
                    .setAskPrice(Decimal.newBuilder().setUnits(6500001 + i).setScale(2))
                    .setBidSize(Decimal.newBuilder().setUnits(1).setScale(0))
                    .setAskSize(Decimal.newBuilder().setUnits(1).setScale(0)).build();
            client.publish(Message.newBuilder().setTopic("data.quotes." + venue + "." + symbol)
                    .setContentType(CrossingStrategy.CONTENT_TYPE_PREFIX + "QuoteTick")
                    .setPayload(q.toByteString()).build()).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void ordersAfterEveryNthQuoteAndTracksFillsAndRejections() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             TidegateClient strategyClient = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient execClient = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient feed = TidegateClient.builder().endpoints(gateway.target()).build()) {
            FakeExec exec = new FakeExec(execClient);
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            CrossingStrategy strategy = new CrossingStrategy(strategyClient, CONFIG,
                    new PrintStream(printed, true, StandardCharsets.UTF_8));
            strategy.start(Duration.ofSeconds(10));

            publishQuotes(feed, "BINANCE", "BTCUSDT", 7); // orders at quotes 2 and 4, then the limit of 2
            publishQuotes(feed, "BINANCE", "ETHUSDT", 3); // one order at quote 2
            publishQuotes(feed, "OKX", "BTCUSDT", 2);     // one order, rejected

            assertThat(strategy.awaitSettled(4, Duration.ofSeconds(15))).isTrue();
            CrossingStrategy.Summary s = strategy.summary();
            assertThat(s.quotes()).isEqualTo(12);
            assertThat(s.instruments()).isEqualTo(3);
            assertThat(s.orders()).isEqualTo(4);
            assertThat(s.accepted()).isEqualTo(3);
            assertThat(s.filled()).isEqualTo(3);
            assertThat(s.rejected()).isEqualTo(1);
            assertThat(s.open()).isZero();
            assertThat(s.duplicateEvents()).isZero();
            assertThat(s.unexpectedEvents()).isZero();

            assertThat(exec.topics).containsOnly("exec.commands.BINANCE.strat-1", "exec.commands.OKX.strat-1");
            assertThat(exec.priorities).containsOnly(Priority.PRIORITY_CRITICAL);
            assertThat(exec.commands).extracting(SubmitOrder::getClientOrderId).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(strategy.clientOrderIds());
            assertThat(exec.commands).allSatisfy(o -> {
                assertThat(o.getOrderType()).isEqualTo(OrderType.ORDER_TYPE_MARKET);
                assertThat(o.getSide()).isEqualTo(OrderSide.ORDER_SIDE_BUY);
                assertThat(o.getStrategyId()).isEqualTo("strat-1");
                assertThat(o.getQuantity()).isEqualTo(Decimal.newBuilder().setUnits(10).setScale(3).build());
            });
            String text = printed.toString(StandardCharsets.UTF_8);
            assertThat(text).contains("event OrderFilled ", " BUY 0.010 @ 65000.01 commission 0.00065 USDT");
            assertThat(text).contains("reason=venue closed");
        }
    }

    @Test
    void anOrderTheRiskGateRefusesIsCountedRejectedWithTheGatewaysReason() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("risk.enabled=true",
                "risk.limits=[ { strategy = strat-1, max-quantity = 0.005 } ]");
             TidegateClient strategyClient = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient execClient = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient feed = TidegateClient.builder().endpoints(gateway.target()).build()) {
            FakeExec exec = new FakeExec(execClient);
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            CrossingStrategy strategy = new CrossingStrategy(strategyClient, CONFIG,
                    new PrintStream(printed, true, StandardCharsets.UTF_8));
            strategy.start(Duration.ofSeconds(10));

            publishQuotes(feed, "BINANCE", "BTCUSDT", 2); // one order of 0.010, over max-quantity

            String reason = "risk: quantity 0.01 over max-quantity 0.005 for strat-1 BTCUSDT.BINANCE";
            assertThat(strategy.awaitSettled(1, Duration.ofSeconds(15))).isTrue();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(printed.toString(StandardCharsets.UTF_8))
                            .contains("REFUSED by the risk gate: PERMISSION_DENIED: " + reason)
                            .contains("reason=" + reason + " (by the gateway's risk gate)"));
            CrossingStrategy.Summary s = strategy.summary();
            assertThat(s.rejected()).isEqualTo(1);
            assertThat(s.sendFailed()).isZero();
            assertThat(s.unexpectedEvents()).isZero();
            assertThat(exec.commands).as("the adapter never saw the order").isEmpty();
        }
    }

    @Test
    void eventsOfUnknownOrdersAreCountedNotApplied() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             TidegateClient strategyClient = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient other = TidegateClient.builder().endpoints(gateway.target()).build()) {
            CrossingStrategy strategy = new CrossingStrategy(strategyClient, CONFIG, new PrintStream(new ByteArrayOutputStream()));
            strategy.start(Duration.ofSeconds(10));
            FakeExec stray = new FakeExec(other);
            stray.publish("exec.events.BINANCE.strat-1", "e-1", "OrderFilled",
                    OrderFilled.newBuilder().setClientOrderId("not-mine").build());
            stray.publish("exec.events.BINANCE.strat-1", "e-2", "Heartbeat", OrderFilled.getDefaultInstance());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> strategy.summary().unexpectedEvents() == 2);
            assertThat(strategy.summary().orders()).isZero();
        }
    }

    @Test
    void mainRunsUntilCountOrdersAreSettled() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             TidegateClient execClient = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient feed = TidegateClient.builder().endpoints(gateway.target()).build()) {
            new FakeExec(execClient);
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            int[] code = {-1};
            Thread main = new Thread(() -> {
                try {
                    code[0] = CrossingStrategy.run(new String[] {"--endpoint", gateway.target(), "--strategy-id", "s2",
                            "--quotes-per-order", "1", "--orders-per-instrument", "2", "--count", "2",
                            "--exit-after", "20"}, new PrintStream(printed, true, StandardCharsets.UTF_8));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            main.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
            while (main.isAlive() && System.nanoTime() < deadline) { // quotes until the strategy has its 2 fills
                publishQuotes(feed, "BINANCE", "SOLUSDT", 1);
                main.join(100);
            }
            assertThat(main.isAlive()).isFalse();
            assertThat(code[0]).isZero();
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains(
                    "strategy summary: quotes=", " orders=2 accepted=2 filled=2 rejected=0 canceled=0 send_failed=0 open=0 "
                            + "duplicate_events=0 unexpected_events=0");
        }
    }

    @Test
    void badOptionsSayWhatToFix() {
        assertThatThrownBy(() -> new CrossingStrategy.Config("a.b", "data.quotes.>", 1, 1, OrderSide.ORDER_SIDE_BUY, BigDecimal.ONE))
                .hasMessageContaining("--strategy-id \"a.b\" must be one topic segment");
        assertThatThrownBy(() -> new CrossingStrategy.Config("a", "data.quotes.>", 1, 1, OrderSide.ORDER_SIDE_BUY, BigDecimal.ZERO))
                .hasMessageContaining("--quantity must be positive");
        assertThat(CrossingStrategy.decimal(new BigDecimal("1E+3"))).isEqualTo(Decimal.newBuilder().setUnits(1000).build());
        assertThat(CrossingStrategy.value(Decimal.newBuilder().setUnits(123).setScale(4).build()).toPlainString())
                .isEqualTo("0.0123");
    }
}
