package io.tidegate.gateway.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.ForwardingBackend;
import io.tidegate.gateway.backend.ForwardingBackendSubscription;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.monitoring.Readiness;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.Message;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * While its risk gate rebuilds positions and open orders from the retained order flow, a replica
 * refuses new orders {@code UNAVAILABLE} and {@code /readyz} holds it back; both let it in once
 * that flow has been read.
 */
class RiskRebuildReadinessTest {

    @Test
    void readyzSaysNotReadyUntilTheRetainedOrderFlowIsRead() {
        try (RebuildingGate g = new RebuildingGate()) {
            Readiness readiness = new Readiness(g.bus, Set.of(g.gate::notReadyReason));
            readiness.markStarted();
            assertThat(readiness.notReadyReason()).as("risk off the bus: nothing to rebuild").isNull();

            g.gate.followBus(g.bus);
            assertThat(g.gate.rebuilt()).isFalse();
            assertThat(readiness.notReadyReason()).startsWith("risk: rebuilding positions and open orders from the "
                    + "retained exec.commands and exec.events streams");

            g.rebuilt.complete(null);
            assertThat(g.gate.rebuilt()).isTrue();
            assertThat(readiness.notReadyReason()).isNull();
        }
    }

    @Test
    void anOrderIsRefusedUnavailableUntilTheRetainedOrderFlowIsRead() {
        try (RebuildingGate g = new RebuildingGate()) {
            g.gate.followBus(g.bus);
            Status refused = g.gate.check(null, order("c1"));
            assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(refused.getDescription()).contains("not read from the bus yet").contains("retry shortly");

            g.rebuilt.complete(null);
            Status after = g.gate.check(null, order("c2"));
            assertThat(after == null ? "" : after.getDescription()).doesNotContain("not read from the bus yet");
        }
    }

    /**
     * A risk gate with {@code risk.enabled} and the bus it would rebuild from: a memory backend
     * whose subscriptions catch up when the test completes {@link #rebuilt}. One test's; closes
     * the gate, its limits and the backend.
     */
    private static final class RebuildingGate implements AutoCloseable {
        final CompletableFuture<Void> rebuilt = new CompletableFuture<>();
        final MemoryBackend memory = new MemoryBackend(GatewayConfig.defaultsWith().storage());
        final Backend bus = new CatchingUpBackend(memory, rebuilt);
        final RiskLimits limits;
        final OrderRiskGate gate;

        RebuildingGate() {
            GatewayConfig.Risk config = GatewayConfig.defaultsWith("risk.enabled=true").risk();
            limits = new RiskLimits(config);
            gate = new OrderRiskGate(config, limits, new MidPrices(16), KillSwitches.inMemory(Clock.systemUTC()),
                    new RiskRefusals(), m -> { }, "test", Clock.systemUTC());
        }

        @Override
        public void close() {
            gate.close();
            limits.close();
            memory.close();
        }
    }

    private static Message order(String clientOrderId) {
        SubmitOrder submit = SubmitOrder.newBuilder().setClientOrderId(clientOrderId).setInstrumentId("BTCUSDT.BINANCE")
                .setSide(OrderSide.ORDER_SIDE_BUY).setOrderType(OrderType.ORDER_TYPE_MARKET)
                .setQuantity(Decimal.newBuilder().setUnits(1)).build();
        return Message.newBuilder().setTopic("exec.commands.BINANCE.strat-1").setId(clientOrderId)
                .setContentType(OrderRiskGate.TYPE + "SubmitOrder").setPayload(submit.toByteString()).build();
    }

    /** A real backend whose subscriptions report catching up only when the test says so. */
    private static final class CatchingUpBackend extends ForwardingBackend {
        private final Backend delegate;
        private final CompletableFuture<Void> caughtUp;

        CatchingUpBackend(Backend delegate, CompletableFuture<Void> caughtUp) {
            this.delegate = delegate;
            this.caughtUp = caughtUp;
        }

        @Override
        protected Backend delegate() {
            return delegate;
        }

        @Override
        public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
            BackendSubscription sub = delegate.subscribe(spec, sink);
            return new ForwardingBackendSubscription() {
                @Override
                protected BackendSubscription delegate() {
                    return sub;
                }

                @Override
                public CompletableFuture<Void> caughtUp() {
                    return caughtUp;
                }
            };
        }
    }
}
