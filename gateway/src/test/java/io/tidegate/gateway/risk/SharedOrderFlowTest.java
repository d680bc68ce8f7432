package io.tidegate.gateway.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackend;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.monitoring.Readiness;
import io.tidegate.gateway.resilience.BreakerReadGuard;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The risk gate's reading of the shared order flow: where the entries are applied (never on
 * Lettuce's event loop, which also carries every append's reply) and in which order, and that
 * {@code /readyz} holds the replica back until the retained flow has been read.
 */
class SharedOrderFlowTest {

    @Test
    void entriesReadFromRedisAreAppliedOffLettucesEventLoopInStreamOrder() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            GatewayConfig config = GatewayConfig.defaultsWith("backend.type=redis", "backend.redis.uri=" + redis.uri());
            try (RedisBackend backend = new RedisBackend(config.backend().redis(), config.storage(), null,
                    new BreakerReadGuard("redis", config.resilience(), config.backend().redis().blockTimeout()))) {
                List<String> sent = new ArrayList<>();
                append(backend, sent, 0, 300); // retained before the flow starts: the rebuild
                List<String> applied = new CopyOnWriteArrayList<>();
                List<String> threads = new CopyOnWriteArrayList<>();
                SharedOrderFlow flow = new SharedOrderFlow(backend, m -> {
                    applied.add(m.message().getId());
                    threads.add(Thread.currentThread().getName());
                }, "test");
                try {
                    flow.start();
                    await().atMost(Duration.ofSeconds(30)).until(flow::caughtUp);
                    append(backend, sent, 300, 300); // the tail, followed live
                    await().atMost(Duration.ofSeconds(30)).until(() -> applied.size() >= sent.size());
                } finally {
                    flow.close();
                }
                for (String topic : List.of("exec.events.V.s1", "exec.commands.V.s1")) {
                    assertThat(applied.stream().filter(id -> id.startsWith(topic + "/")).toList()).as(topic)
                            .containsExactlyElementsOf(sent.stream().filter(id -> id.startsWith(topic + "/")).toList());
                }
                assertThat(applied).hasSameSizeAs(sent);
                assertThat(threads).noneMatch(t -> t.startsWith("lettuce-"))
                        .allMatch(t -> t.startsWith("tidegate-redis-"));
            }
        }
    }

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

    private static void append(Backend backend, List<String> sent, int from, int n) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            // commands and events interleaved: order is promised per topic (stream), so ids name their topic
            String topic = i % 2 == 0 ? "exec.events.V.s1" : "exec.commands.V.s1";
            Message m = Message.newBuilder().setTopic(topic).setId(topic + "/" + i)
                    .setPayload(ByteString.copyFromUtf8("x")).build();
            batch.add(new Envelope(m, "", System.nanoTime()));
            if (batch.size() == 50) {
                backend.append(batch).join();
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            backend.append(batch).join();
        }
        for (int i = from; i < from + n; i++) {
            sent.add((i % 2 == 0 ? "exec.events.V.s1" : "exec.commands.V.s1") + "/" + i);
        }
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
            return new BackendSubscription() {
                @Override
                public CompletableFuture<Void> caughtUp() {
                    return caughtUp;
                }

                @Override
                public void request(int n) {
                    sub.request(n);
                }

                @Override
                public void ack(Collection<StreamPosition> positions) {
                    sub.ack(positions);
                }

                @Override
                public void nack(Collection<StreamPosition> positions, Duration delay) {
                    sub.nack(positions, delay);
                }

                @Override
                public void extendDeadline(Collection<StreamPosition> positions, Duration extension) {
                    sub.extendDeadline(positions, extension);
                }

                @Override
                public void close() {
                    sub.close();
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
