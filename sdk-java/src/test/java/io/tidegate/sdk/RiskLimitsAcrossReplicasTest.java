package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.MessageLite;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.risk.OrderRiskGate;
import io.tidegate.proto.market.v1.OrderCanceled;
import io.tidegate.proto.market.v1.OrderFilled;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two (then three) gateway replicas on one real redis-server, with SDK clients over gRPC sockets:
 * the strategy's position and open orders are the same on every replica, whichever replica its
 * orders and its adapter's events went through, and a replica started later rebuilds them from
 * the retained streams. Each test waits until a replica has read every entry stored so far
 * ({@link OrderRiskGate#busEntriesRead()}), so no outcome depends on timing.
 */
class RiskLimitsAcrossReplicasTest {

    private static final String BTC = "BTCUSDT.BINANCE";
    private static final String LIMITS = "risk.limits=[ { strategy = strat-1, max-open-orders = 2 },"
            + " { strategy = strat-2, max-position = 10 } ]";

    private final AtomicInteger sequence = new AtomicInteger();
    private RedisServer redis;
    private EmbeddedGateway a;
    private EmbeddedGateway b;
    private TidegateClient onA;
    private TidegateClient onB;

    /** One redis-server, two replicas on it with a strategies client each; both have read the empty bus. */
    @BeforeEach
    void startTwoReplicas() {
        redis = RedisServer.start();
        a = EmbeddedGateway.startOnLoopback(config(redis));
        b = EmbeddedGateway.startOnLoopback(config(redis));
        onA = client(a);
        onB = client(b);
        readAll(a, 0);
        readAll(b, 0);
    }

    @AfterEach
    void stop() {
        closeInOrder(onB, onA, b, a, redis);
    }

    /** Closes each in turn, skipping what a failed start left null; one failing does not keep the rest open. */
    private static void closeInOrder(AutoCloseable... resources) {
        RuntimeException failed = null;
        for (AutoCloseable r : resources) {
            try {
                if (r != null) {
                    r.close();
                }
            } catch (Exception e) {
                RuntimeException wrapped = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (failed == null) {
                    failed = wrapped;
                } else {
                    failed.addSuppressed(wrapped);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private static String[] config(RedisServer redis) {
        return new String[] {"backend.redis.uri=" + redis.uri(), "risk.enabled=true", LIMITS};
    }

    @Test
    void aPositionFilledThroughOneReplicaRefusesAnOrderOnTheOtherAndALaterReplicaRebuildsIt() throws Exception {
        Message eight = order("strat-2", "8");
        assertThat(outcome(onA, eight)).isEqualTo("ok");
        assertThat(outcome(onA, event("strat-2", "OrderFilled", OrderFilled.newBuilder()
                .setClientOrderId(id(eight)).setInstrumentId(BTC).setSide(OrderSide.ORDER_SIDE_BUY)
                .setLastQty(RiskGateTest.decimal("8")).setLastPx(RiskGateTest.decimal("100000")).build())))
                .isEqualTo("ok");
        readAll(b, 2);
        // B itself took no order and no event of strat-2: its own traffic alone would let this pass
        assertThat(outcome(onB, order("strat-2", "3"))).contains("PERMISSION_DENIED: risk: position 8 with open "
                + "buys 0 and this buy of 3 would reach 11, over max-position 10 for strat-2 BTCUSDT.BINANCE");
        assertThat(outcome(onB, order("strat-2", "2"))).isEqualTo("ok"); // entries: + OrderRejected + this order
        readAll(a, 4);
        assertThat(outcome(onA, order("strat-2", "1"))).as("A counts B's open buy of 2")
                .contains("PERMISSION_DENIED", "position 8 with open buys 2 and this buy of 1 would reach 11");

        try (EmbeddedGateway c = EmbeddedGateway.startOnLoopback(config(redis));
             TidegateClient onC = client(c)) {
            OrderRiskGate gateC = c.riskGate().orElseThrow();
            await().atMost(Duration.ofSeconds(30)).until(gateC::rebuilt);
            assertThat(gateC.busEntriesRead()).isGreaterThanOrEqualTo(5);
            assertThat(gateC.openOrders("strat-2", BTC)).isEqualTo(1);
            assertThat(outcome(onC, order("strat-2", "1")))
                    .contains("PERMISSION_DENIED: risk: position 8 with open buys 2 and this buy of 1 would "
                            + "reach 11, over max-position 10 for strat-2 BTCUSDT.BINANCE");
            assertThat(outcome(onC, order("strat-2", "1").toBuilder().setPayload(SubmitOrder.newBuilder()
                    .setClientOrderId("sell-1").setInstrumentId(BTC).setSide(OrderSide.ORDER_SIDE_SELL)
                    .setOrderType(OrderType.ORDER_TYPE_MARKET).setQuantity(RiskGateTest.decimal("5")).build()
                    .toByteString()).build())).as("a sell reduces the rebuilt long position").isEqualTo("ok");
        }
    }

    @Test
    void openOrdersAreCountedOnceAcrossReplicasAndLeaveWithACancelStoredElsewhere() throws Exception {
        OrderRiskGate gateA = a.riskGate().orElseThrow();
        OrderRiskGate gateB = b.riskGate().orElseThrow();
        Message first = order("strat-1", "1");
        assertThat(outcome(onA, first)).isEqualTo("ok");
        assertThat(outcome(onA, order("strat-1", "1"))).isEqualTo("ok");
        readAll(b, 2);
        assertThat(outcome(onB, order("strat-1", "1")))
                .contains("PERMISSION_DENIED: risk: 2 open orders, at max-open-orders 2 for strat-1 BTCUSDT.BINANCE");

        assertThat(outcome(onA, event("strat-1", "OrderCanceled", OrderCanceled.newBuilder()
                .setClientOrderId(id(first)).setInstrumentId(BTC).build()))).isEqualTo("ok");
        readAll(b, 4); // two orders, B's OrderRejected, the cancel
        assertThat(gateB.openOrders("strat-1", BTC)).isEqualTo(1);
        assertThat(outcome(onB, order("strat-1", "1"))).isEqualTo("ok");
        // B counted its own order when it checked it, so the next one on B is checked against it at once
        assertThat(outcome(onB, order("strat-1", "1"))).contains("PERMISSION_DENIED", "2 open orders");

        readAll(a, 6);
        readAll(b, 6);
        assertThat(gateA.openOrders("strat-1", BTC)).isEqualTo(2);
        assertThat(gateB.openOrders("strat-1", BTC)).as("B's own order read back from Redis is not counted twice")
                .isEqualTo(2);
    }

    /** Waits until the replica has read {@code entries} stored commands and events, then checks it read no more. */
    private static void readAll(EmbeddedGateway gateway, long entries) {
        OrderRiskGate gate = gateway.riskGate().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> gate.busEntriesRead() >= entries && gate.rebuilt());
        assertThat(gate.busEntriesRead()).isEqualTo(entries);
    }

    private static TidegateClient client(EmbeddedGateway gateway) {
        return TidegateClient.builder().endpoints(gateway.target()).clientName("strategies").build();
    }

    private static String outcome(TidegateClient client, Message m) {
        try {
            client.publish(m).join();
            return "ok";
        } catch (CompletionException e) {
            return e.getCause() instanceof PublishException p ? p.getMessage() : e.toString();
        }
    }

    private static String id(Message order) throws Exception {
        return SubmitOrder.parseFrom(order.getPayload()).getClientOrderId();
    }

    private Message order(String strategy, String quantity) {
        String id = strategy + "-" + sequence.incrementAndGet();
        return Message.newBuilder().setId("cmd-" + id).setTopic("exec.commands.BINANCE." + strategy)
                .setContentType(RiskGateTest.TYPE + "SubmitOrder")
                .setPayload(SubmitOrder.newBuilder().setClientOrderId(id).setStrategyId(strategy).setInstrumentId(BTC)
                        .setSide(OrderSide.ORDER_SIDE_BUY).setOrderType(OrderType.ORDER_TYPE_MARKET)
                        .setQuantity(RiskGateTest.decimal(quantity)).build().toByteString())
                .build();
    }

    private Message event(String strategy, String type, MessageLite payload) {
        return Message.newBuilder().setId("ev-" + sequence.incrementAndGet()).setTopic("exec.events.BINANCE." + strategy)
                .setContentType(RiskGateTest.TYPE + type).setPayload(payload.toByteString()).build();
    }
}
