package io.tidegate.bench;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.risk.OrderRiskGate;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderCanceled;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * The race window of the risk gate across replicas: two gateways on one real redis-server; an
 * order published through replica A is counted there when A checks it, and on replica B when B
 * reads it from Redis. Until then B would check an order of the same strategy without it. For each
 * order the time from A counting it to B counting it (both gates polled on one thread) is
 * recorded; an OrderCanceled through A then closes it on both before the next. Prints p50 / p99 /
 * p99.9 / max in microseconds.
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am compile exec:java -Dexec.mainClass=io.tidegate.bench.RiskShareWindow
 * -Dexec.args="2000"} (argument: measured orders, after 200 for warm-up).
 */
public final class RiskShareWindow {

    private static final String TYPE = "application/x-protobuf; type=tidegate.market.v1.";
    private static final String BTC = "BTCUSDT.BINANCE";
    private static final long GIVE_UP_NANOS = 10_000_000_000L;

    private RiskShareWindow() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        try (RedisServer redis = RedisServer.start()) {
            String[] config = {"backend.redis.uri=" + redis.uri(), "risk.enabled=true"};
            try (EmbeddedGateway a = EmbeddedGateway.startOnLoopback(config);
                 EmbeddedGateway b = EmbeddedGateway.startOnLoopback(config);
                 TidegateClient onA = TidegateClient.builder().endpoints(a.target()).clientName("strat-1").build()) {
                OrderRiskGate gateA = a.riskGate().orElseThrow();
                OrderRiskGate gateB = b.riskGate().orElseThrow();
                while (!gateA.rebuilt() || !gateB.rebuilt()) {
                    Thread.onSpinWait();
                }
                run(onA, gateA, gateB, 200, null);
                Histogram h = new Histogram(1, 60_000_000_000L, 3);
                run(onA, gateA, gateB, n, h);
                System.out.printf(Locale.ROOT, "risk race window (counted on A -> counted on B), %d orders: p50 %.1f us  "
                                + "p99 %.1f us  p99.9 %.1f us  max %.1f us%n", h.getTotalCount(),
                        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                        h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
            }
        }
    }

    private static void run(TidegateClient onA, OrderRiskGate gateA, OrderRiskGate gateB, int n, Histogram h) {
        for (int i = 0; i < n; i++) {
            String id = "w-" + (h == null ? "warm-" : "") + i;
            CompletableFuture<?> sent = onA.publish(order(id));
            long countedOnA = 0;
            long countedOnB = 0;
            long start = System.nanoTime();
            while (countedOnB == 0) {
                long now = System.nanoTime();
                if (countedOnA == 0 && gateA.openOrders("strat-1", BTC) == 1) {
                    countedOnA = now;
                }
                if (gateB.openOrders("strat-1", BTC) == 1) {
                    countedOnB = now;
                }
                if (now - start > GIVE_UP_NANOS) {
                    throw new IllegalStateException("order " + id + " not counted on both replicas within 10 s");
                }
            }
            sent.join();
            if (h != null) {
                h.recordValue(Math.max(1, countedOnB - (countedOnA == 0 ? countedOnB : countedOnA)));
            }
            onA.publish(canceled(id)).join();
            while (gateA.openOrders("strat-1", BTC) != 0 || gateB.openOrders("strat-1", BTC) != 0) {
                Thread.onSpinWait();
            }
        }
    }

    private static Message order(String id) {
        return Message.newBuilder().setId(id).setTopic("exec.commands.BINANCE.strat-1")
                .setContentType(TYPE + "SubmitOrder")
                .setPayload(SubmitOrder.newBuilder().setClientOrderId(id).setInstrumentId(BTC)
                        .setSide(OrderSide.ORDER_SIDE_BUY).setOrderType(OrderType.ORDER_TYPE_MARKET)
                        .setQuantity(Decimal.newBuilder().setUnits(1)).build().toByteString())
                .build();
    }

    private static Message canceled(String id) {
        return Message.newBuilder().setId("ev-" + id).setTopic("exec.events.BINANCE.strat-1")
                .setContentType(TYPE + "OrderCanceled")
                .setPayload(OrderCanceled.newBuilder().setClientOrderId(id).setInstrumentId(BTC).build().toByteString())
                .build();
    }
}
