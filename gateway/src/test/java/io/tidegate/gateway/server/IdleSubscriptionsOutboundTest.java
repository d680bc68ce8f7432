package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Subscriptions on quiet topics keep only a small read window reserved in the gateway-wide
 * {@code delivery.outbound-bytes}, so thousands of them leave the budget to the busy ones: a busy
 * subscription's reads are never cut short by the budget, and all of it stays within the limit.
 */
class IdleSubscriptionsOutboundTest {

    private static final int IDLE_STREAMS = 20;
    private static final int IDLE_PER_STREAM = 100; // limits.max-subscriptions-per-stream
    private static final int IDLE = IDLE_STREAMS * IDLE_PER_STREAM;
    private static final String TICK = "tick:" + "x".repeat(100);
    private static final int BUSY_MESSAGES = 5_000;
    /**
     * Room for every idle subscription's small window and a busy one's full read-ahead; a
     * fraction of what the idle ones would reserve at the full read-ahead each.
     */
    private static final long GATEWAY_WIDE = 8L * 1024 * 1024;

    @Test
    void twoThousandIdleSubscriptionsLeaveTheGatewayBudgetToABusyOne() throws Exception {
        List<FrameClient> idle = new ArrayList<>();
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("delivery.outbound-bytes=" + GATEWAY_WIDE);
             FrameClient pub = FrameClient.connected(gateway.target(), "pub");
             FrameClient busy = FrameClient.connected(gateway.target(), "busy")) {
            OutboundSampler sampler = OutboundSampler.start(gateway);
            for (int s = 0; s < IDLE_STREAMS; s++) {
                FrameClient c = FrameClient.connected(gateway.target(), "idle-" + s);
                idle.add(c);
                List<Long> subscribed = new ArrayList<>();
                for (int i = 0; i < IDLE_PER_STREAM; i++) {
                    subscribed.add(c.subscribe(broadcast("q" + i, quietTopic(s, i)).setInitialCredit(1_000_000)));
                }
                subscribed.forEach(c::await);
            }
            // one tick each: every idle subscription has seen what its messages weigh
            for (int s = 0; s < IDLE_STREAMS; s++) {
                Message[] ticks = new Message[IDLE_PER_STREAM];
                for (int i = 0; i < IDLE_PER_STREAM; i++) {
                    ticks[i] = msg(quietTopic(s, i), TICK);
                }
                assertAllAccepted(pub.await(pub.publish(ticks)).getPublishAck().getResultsList());
            }
            for (int s = 0; s < IDLE_STREAMS; s++) {
                for (int i = 0; i < IDLE_PER_STREAM; i++) {
                    assertThat(idle.get(s).awaitDeliveries("q" + i, 1)).hasSize(1);
                }
            }
            assertThat(gateway.outboundBudget().queuedBytes()).as("bytes reserved by %d idle subscriptions", IDLE)
                    .isLessThanOrEqualTo(IDLE * SessionSubscription.IDLE_WINDOW_MESSAGES * oneTick());

            busy.await(busy.subscribe(broadcast("b", "busy.topic").setInitialCredit(1_000_000)));
            List<Delivery> got = new ArrayList<>();
            for (int i = 0; i < BUSY_MESSAGES; i += 100) {
                Message[] batch = new Message[100];
                for (int j = 0; j < batch.length; j++) {
                    batch[j] = msg("busy.topic", (i + j) + ":" + TICK);
                }
                assertAllAccepted(pub.await(pub.publish(batch)).getPublishAck().getResultsList());
                got.addAll(busy.pollDeliveries("b", 0));
            }
            got.addAll(busy.awaitDeliveries("b", BUSY_MESSAGES - got.size()));
            long max = sampler.stop();

            assertThat(got).hasSize(BUSY_MESSAGES);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).getMessage().getPayload().toStringUtf8()).startsWith(i + ":");
            }
            assertThat(gateway.outboundBudget().shortReservations())
                    .as("backend reads the gateway-wide budget cut short").isZero();
            assertThat(max).as("bytes waiting or reserved for subscriber streams, at most")
                    .isLessThanOrEqualTo(GATEWAY_WIDE);
        } finally {
            idle.forEach(FrameClient::close);
        }
    }

    private static String quietTopic(int stream, int i) {
        return "quiet.s" + stream + ".i" + i;
    }

    /** What a tick counts at most (serialized size with topic and envelope, plus the overhead). */
    private static long oneTick() {
        return TICK.length() + 64 + OutboundBudget.MESSAGE_OVERHEAD_BYTES;
    }

    private static void assertAllAccepted(List<PublishResult> results) {
        assertThat(results).allSatisfy(r -> assertThat(r.hasError()).as("publish error %s", r.getError()).isFalse());
    }
}
