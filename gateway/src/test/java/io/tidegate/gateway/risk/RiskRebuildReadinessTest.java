package io.tidegate.gateway.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.Envelope;
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
import java.util.List;
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
        GatewayConfig.Risk config = GatewayConfig.defaultsWith("risk.enabled=true").risk();
        CompletableFuture<Void> rebuilt = new CompletableFuture<>();
        try (MemoryBackend memory = new MemoryBackend(GatewayConfig.defaultsWith().storage());
             RiskLimits limits = new RiskLimits(config);
             OrderRiskGate gate = new OrderRiskGate(config, limits, new MidPrices(16), KillSwitches.inMemory(Clock.systemUTC()),
                     new RiskRefusals(), m -> { }, "test", Clock.systemUTC())) {
            Backend slowToCatchUp = new CatchingUpBackend(memory, rebuilt);
            Readiness readiness = new Readiness(slowToCatchUp, Set.of(gate::notReadyReason));
            readiness.markStarted();
            assertThat(readiness.notReadyReason()).as("risk off the bus: nothing to rebuild").isNull();

            gate.followBus(slowToCatchUp);
            assertThat(gate.rebuilt()).isFalse();
            assertThat(readiness.notReadyReason()).startsWith("risk: rebuilding positions and open orders from the "
                    + "retained exec.commands and exec.events streams");

            rebuilt.complete(null);
            assertThat(gate.rebuilt()).isTrue();
            assertThat(readiness.notReadyReason()).isNull();
        }
    }

    @Test
    void anOrderIsRefusedUnavailableUntilTheRetainedOrderFlowIsRead() {
        GatewayConfig.Risk config = GatewayConfig.defaultsWith("risk.enabled=true").risk();
        CompletableFuture<Void> rebuilt = new CompletableFuture<>();
        try (MemoryBackend memory = new MemoryBackend(GatewayConfig.defaultsWith().storage());
             RiskLimits limits = new RiskLimits(config);
             OrderRiskGate gate = new OrderRiskGate(config, limits, new MidPrices(16), KillSwitches.inMemory(Clock.systemUTC()),
                     new RiskRefusals(), m -> { }, "test", Clock.systemUTC())) {
            gate.followBus(new CatchingUpBackend(memory, rebuilt));
            Status refused = gate.check(null, order("c1"));
            assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(refused.getDescription()).contains("not read from the bus yet").contains("retry shortly");

            rebuilt.complete(null);
            Status after = gate.check(null, order("c2"));
            assertThat(after == null ? "" : after.getDescription()).doesNotContain("not read from the bus yet");
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
        public CompletableFuture<List<io.tidegate.gateway.backend.AppendResult>> append(List<Envelope> batch) {
            return delegate.append(batch);
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

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
