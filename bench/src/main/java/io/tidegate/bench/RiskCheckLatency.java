package io.tidegate.bench;

import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.risk.KillSwitches;
import io.tidegate.gateway.risk.MidPrices;
import io.tidegate.gateway.risk.OrderRiskGate;
import io.tidegate.gateway.risk.RiskLimits;
import io.tidegate.gateway.risk.RiskRefusals;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderCanceled;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.Message;
import java.time.Clock;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Latency of one pre-trade risk check ({@code OrderRiskGate.check}) of a LIMIT order that passes
 * every rule (kill switches, max quantity, fresh mid, max notional, collar, open orders, position,
 * order rate): the SubmitOrder decode, the strategy's book and the rule math, as on a gRPC thread
 * of the gateway, without gRPC. Between checks (untimed) an OrderCanceled event closes the order
 * so the book stays the same size. Prints p50 / p99 / p99.9 / max in microseconds.
 *
 * <p>With the second argument {@code shared}, the gate follows the bus as with the redis backend
 * (here over an empty memory backend): each passing check also notes the order as this replica's
 * own, so its copy read back from the bus is not counted twice; between checks (untimed) the
 * order is handed back as failed, which ends it and drops that note.
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am compile exec:java -Dexec.mainClass=io.tidegate.bench.RiskCheckLatency
 * -Dexec.args="1000000"} (arguments: measured checks, after as many for warm-up; optionally {@code shared}).
 */
public final class RiskCheckLatency {

    private static final String TYPE = "application/x-protobuf; type=tidegate.market.v1.";
    private static final int DISTINCT = 4096;

    private RiskCheckLatency() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        boolean shared = args.length > 1 && args[1].equals("shared");
        GatewayConfig.Risk config = GatewayConfig.defaultsWith("risk.enabled=true",
                "risk.limits=[ { strategy = strat-1, max-quantity = 10, max-notional = 5000000, collar-bps = 100, "
                        + "max-open-orders = 100, max-position = 1000, orders-per-second = 1000000000 } ]").risk();
        MidPrices mids = new MidPrices(config.maxInstruments());
        mids.onQuote("BINANCE", "BTCUSDT", QuoteTick.newBuilder().setInstrumentId("BTCUSDT.BINANCE")
                .setBidPrice(decimal(9_999_900, 2)).setAskPrice(decimal(10_000_100, 2)).build(), System.nanoTime());
        try (RiskLimits limits = new RiskLimits(config);
             OrderRiskGate gate = new OrderRiskGate(config, limits, mids, KillSwitches.inMemory(Clock.systemUTC()),
                     new RiskRefusals(), m -> {
                         throw new IllegalStateException("an order was refused: " + m);
                     }, "bench", Clock.systemUTC());
             MemoryBackend bus = new MemoryBackend(GatewayConfig.defaultsWith().storage())) {
            if (shared) {
                gate.followBus(bus);
            }
            Message[] orders = new Message[DISTINCT];
            Message[] cancels = new Message[DISTINCT];
            for (int i = 0; i < DISTINCT; i++) {
                String id = "strat-1-" + i;
                orders[i] = Message.newBuilder().setId(id).setTopic("exec.commands.BINANCE.strat-1")
                        .setContentType(TYPE + "SubmitOrder")
                        .setPayload(SubmitOrder.newBuilder().setClientOrderId(id).setStrategyId("strat-1")
                                .setInstrumentId("BTCUSDT.BINANCE").setSide(OrderSide.ORDER_SIDE_BUY)
                                .setOrderType(OrderType.ORDER_TYPE_LIMIT).setQuantity(decimal(5, 1))
                                .setPrice(decimal(10_000_000 + i % 100, 2)).setTsInit(i).build().toByteString())
                        .build();
                cancels[i] = Message.newBuilder().setId("ev-" + id).setTopic("exec.events.BINANCE.strat-1")
                        .setContentType(TYPE + "OrderCanceled")
                        .setPayload(OrderCanceled.newBuilder().setClientOrderId(id).build().toByteString()).build();
            }
            Message[] after = shared ? orders : cancels;
            run(gate, mids, orders, after, shared, n, null);
            Histogram h = new Histogram(1, 10_000_000_000L, 3);
            run(gate, mids, orders, after, shared, n, h);
            System.out.printf(Locale.ROOT, "risk check (pass, all rules%s), %d checks: p50 %.2f us  p99 %.2f us  "
                            + "p99.9 %.2f us  max %.2f us%n", shared ? ", following the bus" : "", h.getTotalCount(), us(h.getValueAtPercentile(50)),
                    us(h.getValueAtPercentile(99)), us(h.getValueAtPercentile(99.9)), us(h.getMaxValue()));
        }
    }

    /** {@code after[k]} closes order k untimed: its OrderCanceled stored, or (shared) the order itself failed. */
    private static void run(OrderRiskGate gate, MidPrices mids, Message[] orders, Message[] after, boolean shared, int n,
                            Histogram h) {
        for (int i = 0; i < n; i++) {
            int k = i % DISTINCT;
            if (k == 0) {
                // keep the mid fresh, as a live feed would
                mids.onQuote("BINANCE", "BTCUSDT", QuoteTick.newBuilder().setInstrumentId("BTCUSDT.BINANCE")
                        .setBidPrice(decimal(9_999_900, 2)).setAskPrice(decimal(10_000_100, 2)).build(), System.nanoTime());
            }
            long t0 = System.nanoTime();
            var refused = gate.check(null, orders[k]);
            long t1 = System.nanoTime();
            if (refused != null) {
                throw new IllegalStateException("refused: " + refused);
            }
            if (h != null) {
                h.recordValue(Math.max(1, t1 - t0));
            }
            if (shared) {
                gate.failed(after[k]);
            } else {
                gate.stored(after[k]);
            }
        }
    }

    private static Decimal decimal(long units, int scale) {
        return Decimal.newBuilder().setUnits(units).setScale(scale).build();
    }

    private static double us(long nanos) {
        return nanos / 1000.0;
    }
}
