package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.CancelOrder;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.KillRequest;
import io.tidegate.proto.v1.KillScope;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.ReviveRequest;
import io.tidegate.proto.v1.RiskServiceGrpc;
import io.tidegate.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway replicas on one real redis-server: a kill made on one blocks new orders on the
 * other (cancels still pass there), and a revive on the other lets them through on the first.
 */
class RiskKillSwitchAcrossReplicasTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private final AtomicInteger sequence = new AtomicInteger();

    @Test
    void aGlobalKillOnOneReplicaBlocksOrdersOnTheOtherAndARevivalThereFreesBoth() throws Exception {
        String[] config = {"backend.redis.uri=" + REDIS.uri(), "risk.enabled=true", "risk.kill-poll-interval=20ms"};
        try (EmbeddedGateway a = EmbeddedGateway.startOnLoopback(config);
             EmbeddedGateway b = EmbeddedGateway.startOnLoopback(config);
             TidegateClient onB = TidegateClient.builder().endpoints(b.target()).clientName("strat-1").build();
             TidegateClient onA = TidegateClient.builder().endpoints(a.target()).clientName("strat-1").build()) {
            ManagedChannel channelA = ManagedChannelBuilder.forTarget(a.target()).usePlaintext().build();
            ManagedChannel channelB = ManagedChannelBuilder.forTarget(b.target()).usePlaintext().build();
            try {
                assertThat(outcome(onB, order())).isEqualTo("ok");
                RiskServiceGrpc.newBlockingStub(channelA).kill(KillRequest.newBuilder()
                        .setScope(KillScope.KILL_SCOPE_GLOBAL).setReason("drill").build());
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
                        assertThat(outcome(onB, order())).contains("PERMISSION_DENIED", "kill switch global is on (drill)"));
                assertThat(outcome(onB, cancel())).as("cancels pass while killed").isEqualTo("ok");
                assertThat(outcome(onA, order())).contains("kill switch global is on");

                RiskServiceGrpc.newBlockingStub(channelB).revive(ReviveRequest.newBuilder()
                        .setScope(KillScope.KILL_SCOPE_GLOBAL).build());
                assertThat(outcome(onB, order())).isEqualTo("ok");
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
                        assertThat(outcome(onA, order())).isEqualTo("ok"));
            } finally {
                channelA.shutdownNow();
                channelB.shutdownNow();
            }
        }
    }

    private static String outcome(TidegateClient client, Message m) {
        try {
            client.publish(m).join();
            return "ok";
        } catch (CompletionException e) {
            return e.getCause() instanceof PublishException p ? p.code() + " " + p.getMessage() : e.toString();
        }
    }

    private Message order() {
        String id = "o-" + sequence.incrementAndGet();
        return Message.newBuilder().setId(id).setTopic("exec.commands.BINANCE.strat-1")
                .setContentType(RiskGateTest.TYPE + "SubmitOrder")
                .setPayload(SubmitOrder.newBuilder().setClientOrderId(id).setInstrumentId("BTCUSDT.BINANCE")
                        .setSide(OrderSide.ORDER_SIDE_SELL).setOrderType(OrderType.ORDER_TYPE_MARKET)
                        .setQuantity(RiskGateTest.decimal("0.5")).build().toByteString())
                .build();
    }

    private Message cancel() {
        String id = "c-" + sequence.incrementAndGet();
        return Message.newBuilder().setId(id).setTopic("exec.commands.BINANCE.strat-1")
                .setContentType(RiskGateTest.TYPE + "CancelOrder")
                .setPayload(CancelOrder.newBuilder().setClientOrderId("o-1").build().toByteString())
                .build();
    }
}
