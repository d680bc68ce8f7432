package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.ClientFrame;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscriber that grants a huge credit and then stops reading its stream: what the gateway
 * holds for it stays within {@code delivery.outbound-bytes-per-subscription} and the gateway-wide
 * {@code delivery.outbound-bytes}, the rest stays in the backend, publishers and other
 * subscribers carry on, and once it reads again it gets every message in order, once.
 */
class StalledSubscriberMemoryTest {

    private static final long PER_SUBSCRIPTION = 256 * 1024;
    private static final String FILLER = "p".repeat(4096);
    private static final int MESSAGES = 2_000; // ~8.5 MB, over 30 times the per-subscription limit

    @TempDir
    Path spool;

    @Test
    void stalledSubscriberHoldsAtMostItsOutboundLimitOnTheMemoryBackendAndCatchesUpInOrder() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(
                "delivery.outbound-bytes-per-subscription=" + PER_SUBSCRIPTION)) {
            // the reading subscriber may hold up to its own limit too
            stallPublishAndCatchUp(gateway, 1, 2 * PER_SUBSCRIPTION);
        }
    }

    @Test
    void stalledSubscriberHoldsAtMostItsOutboundLimitOnRedisAndCatchesUpInOrder() throws Exception {
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(
                     "backend.redis.uri=" + redis.uri(), "resilience.spool.dir=" + spool,
                     "delivery.outbound-bytes-per-subscription=" + PER_SUBSCRIPTION)) {
            stallPublishAndCatchUp(gateway, 1, 2 * PER_SUBSCRIPTION);
        }
    }

    @Test
    void twoStalledSubscribersTogetherHoldAtMostTheGatewayWideLimit() throws Exception {
        long gatewayWide = 384 * 1024; // less than two subscriptions' own limits
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(
                "delivery.outbound-bytes-per-subscription=" + PER_SUBSCRIPTION,
                "delivery.outbound-bytes=" + gatewayWide)) {
            stallPublishAndCatchUp(gateway, 2, gatewayWide);
        }
    }

    @Test
    void stalledConflatedSubscriberStaysBoundedAndEndsWithTheLatestPerKey() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(
                "delivery.outbound-bytes-per-subscription=" + PER_SUBSCRIPTION);
             FrameClient slow = stalledClient(gateway, "slow");
             FrameClient pub = FrameClient.connected(gateway.target())) {
            slow.await(slow.subscribe(broadcast("latest", "cfl.big.*").setInitialCredit(1_000_000).setConflate(true)));
            int keys = 400; // 400 keys x 4 KiB: more than the window, so reads must pause
            int rounds = 5;
            OutboundSampler sampler = OutboundSampler.start(gateway);
            for (int round = 0; round < rounds; round++) {
                for (int from = 0; from < keys; from += 100) {
                    Message[] batch = new Message[100];
                    for (int k = 0; k < batch.length; k++) {
                        batch[k] = msg("cfl.big.K" + (from + k), round + ":" + FILLER);
                    }
                    assertAllAccepted(pub.await(pub.publish(batch)).getPublishAck().getResultsList());
                }
            }
            long max = sampler.stop();
            assertThat(max).as("bytes held for the stalled conflated subscriber")
                    .isLessThanOrEqualTo(PER_SUBSCRIPTION + oneMessage());

            slow.read(Integer.MAX_VALUE);
            Map<String, Integer> latest = new HashMap<>();
            while (latest.size() < keys || latest.values().stream().anyMatch(r -> r < rounds - 1)) {
                for (Delivery d : slow.awaitDeliveries("latest", 1)) {
                    String key = d.getMessage().getTopic();
                    int round = Integer.parseInt(d.getMessage().getPayload().toStringUtf8().split(":")[0]);
                    Integer before = latest.put(key, round);
                    assertThat(before == null || before < round).as("rounds of %s arrive in order", key).isTrue();
                }
            }
            assertThat(latest).hasSize(keys).allSatisfy((k, r) -> assertThat(r).isEqualTo(rounds - 1));
        }
    }

    /**
     * {@code stalled} subscribers with a huge credit stop reading while a publisher sends
     * {@value #MESSAGES} messages that a reading subscriber also gets; the gateway holds at most
     * {@code limit} (plus one message per subscription) meanwhile, over all subscriptions.
     */
    private static void stallPublishAndCatchUp(EmbeddedGateway gateway, int stalled, long limit) throws Exception {
        List<FrameClient> slow = new ArrayList<>();
        try (FrameClient pub = FrameClient.connected(gateway.target(), "pub");
             FrameClient fast = FrameClient.connected(gateway.target(), "fast")) {
            for (int i = 0; i < stalled; i++) {
                FrameClient c = stalledClient(gateway, "slow-" + i);
                slow.add(c);
                c.await(c.subscribe(broadcast("s", "stall.topic").setInitialCredit(1_000_000)));
            }
            fast.await(fast.subscribe(broadcast("f", "stall.topic").setInitialCredit(1_000_000)));
            OutboundSampler sampler = OutboundSampler.start(gateway);
            List<Delivery> fastGot = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i += 20) {
                Message[] batch = new Message[20];
                for (int j = 0; j < batch.length; j++) {
                    batch[j] = msg("stall.topic", (i + j) + ":" + FILLER);
                }
                assertAllAccepted(pub.await(pub.publish(batch)).getPublishAck().getResultsList());
                fastGot.addAll(fast.pollDeliveries("f", 0));
            }
            fastGot.addAll(fast.awaitDeliveries("f", MESSAGES - fastGot.size()));
            assertInOrderOnce(fastGot);
            long max = sampler.stop();
            assertThat(max).as("bytes waiting in the gateway for its streams (published %d bytes)",
                            (long) MESSAGES * FILLER.length())
                    .isLessThanOrEqualTo(limit + (stalled + 1) * oneMessage());
            pub.assertAlive();

            for (FrameClient c : slow) {
                c.read(Integer.MAX_VALUE);
            }
            for (FrameClient c : slow) {
                assertInOrderOnce(c.awaitDeliveries("s", MESSAGES));
            }
        } finally {
            slow.forEach(FrameClient::close);
        }
    }

    /** A stream that has said Hello and from now on reads only what it is told to. */
    private static FrameClient stalledClient(EmbeddedGateway gateway, String name) {
        FrameClient c = FrameClient.openSlow(gateway.target());
        c.read(1);
        c.await(c.send(ClientFrame.newBuilder().setHello(Hello.newBuilder().setClientName(name))));
        c.read(1); // the Subscribed answer; nothing after it
        return c;
    }

    private static long oneMessage() {
        return FILLER.length() + 64 + OutboundBudget.MESSAGE_OVERHEAD_BYTES;
    }

    private static void assertAllAccepted(List<PublishResult> results) {
        assertThat(results).allSatisfy(r -> assertThat(r.hasError()).as("publish error %s", r.getError()).isFalse());
    }

    private static void assertInOrderOnce(List<Delivery> got) {
        assertThat(got).hasSize(MESSAGES);
        for (int i = 0; i < got.size(); i++) {
            String payload = got.get(i).getMessage().getPayload().toStringUtf8();
            assertThat(payload.substring(0, payload.indexOf(':'))).as("delivery %d", i).isEqualTo(String.valueOf(i));
        }
    }
}
