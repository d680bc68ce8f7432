package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.RegimeSource;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.proto.v1.PublishResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real gateway under every {@code dispatch.policy}, with a subscriber that stops reading while
 * messages of mixed priorities and ordering keys are published: the stream's outbound lanes back
 * up and the policy decides what goes first once it reads again. Every message arrives once, in
 * order within its key; and under {@code strict} higher priorities do overtake. Regime-aware
 * priority moves a message's class by its instrument's regime, read from a {@link RegimeSource}.
 */
class DispatchPoliciesThroughTheGatewayTest {

    private static final int MESSAGES = 3_000;
    private static final int KEYS = 8;
    private static final String FILLER = "x".repeat(1024);
    private static final Priority[] PRIORITIES = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH,
            Priority.PRIORITY_NORMAL, Priority.PRIORITY_LOW, Priority.PRIORITY_BULK};

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void aBackedUpStreamKeepsKeyOrderUnderEveryPolicy(PolicyKind policy) {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("dispatch.policy=" + policy.configName());
             FrameClient pub = FrameClient.connected(gateway.target(), "pub")) {
            FrameClient sub = FrameClient.openSlow(gateway.target());
            try {
                sub.read(1);
                sub.await(sub.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName("slow"))));
                sub.read(1);
                sub.await(sub.subscribe(broadcast("s", "ord.>").setInitialCredit(1_000_000)));

                Random random = new Random(11);
                int[] next = new int[KEYS];
                for (int i = 0; i < MESSAGES; i += 100) {
                    Message[] batch = new Message[100];
                    for (int j = 0; j < batch.length; j++) {
                        int key = random.nextInt(KEYS);
                        Priority p = PRIORITIES[random.nextInt(PRIORITIES.length)];
                        batch[j] = Message.newBuilder().setTopic("ord.k" + key).setOrderingKey("k" + key).setPriority(p)
                                .setPayload(com.google.protobuf.ByteString.copyFromUtf8(
                                        key + ":" + next[key]++ + ":" + (i + j) + ":" + FILLER)).build();
                    }
                    assertAllAccepted(pub.await(pub.publish(batch)).getPublishAck().getResultsList());
                }
                sub.read(Integer.MAX_VALUE);
                List<Delivery> got = sub.awaitDeliveries("s", MESSAGES);

                assertThat(got).hasSize(MESSAGES);
                int[] seen = new int[KEYS];
                boolean overtook = false;
                int lowestLaterPublishedSoFar = Integer.MAX_VALUE;
                for (int i = got.size() - 1; i >= 0; i--) {
                    String[] parts = got.get(i).getMessage().getPayload().toStringUtf8().split(":");
                    int published = Integer.parseInt(parts[2]);
                    // delivered before something published earlier
                    overtook |= published > lowestLaterPublishedSoFar;
                    lowestLaterPublishedSoFar = Math.min(lowestLaterPublishedSoFar, published);
                }
                for (Delivery d : got) {
                    String[] parts = d.getMessage().getPayload().toStringUtf8().split(":");
                    int key = Integer.parseInt(parts[0]);
                    assertThat(Integer.parseInt(parts[1])).as("key k%d under %s", key, policy).isEqualTo(seen[key]++);
                }
                if (policy == PolicyKind.STRICT) {
                    assertThat(overtook).as("some message overtook an earlier published one").isTrue();
                }
            } finally {
                sub.close();
            }
        }
    }

    @Test
    void commandsOfAVolatileInstrumentAreScheduledOneClassHigher() {
        Map<String, Regime> regimes = new HashMap<>();
        regimes.put("BTCUSDT", Regime.VOLATILE);
        regimes.put("ETHUSDT", Regime.RANGING);
        RegimeSource source = topic -> regimes.get(topic.substring(topic.lastIndexOf('.') + 1));
        GatewayConfig config = GatewayConfig.defaultsWith("grpc.host=127.0.0.1", "grpc.port=0", "http.port=-1");
        try (EmbeddedGateway gateway = EmbeddedGateway.start(config, source);
             FrameClient c = FrameClient.connected(gateway.target(), "exec")) {
            c.await(c.subscribe(broadcast("s", "exec.>", "data.>").setInitialCredit(100)));
            assertAllAccepted(c.await(c.publish(
                    TestMessages.msg("exec.commands.BINANCE.BTCUSDT", "volatile", Priority.PRIORITY_NORMAL),
                    TestMessages.msg("exec.commands.BINANCE.ETHUSDT", "ranging", Priority.PRIORITY_NORMAL),
                    TestMessages.msg("exec.commands.BINANCE.SOLUSDT", "unknown", Priority.PRIORITY_NORMAL),
                    TestMessages.msg("data.quotes.BINANCE.BTCUSDT", "quote", Priority.PRIORITY_LOW),
                    TestMessages.msg("exec.commands.BINANCE.BTCUSDT", "critical", Priority.PRIORITY_CRITICAL)))
                    .getPublishAck().getResultsList());

            Map<String, Priority> delivered = new HashMap<>();
            for (Delivery d : c.awaitDeliveries("s", 5)) {
                delivered.put(d.getMessage().getPayload().toStringUtf8(), d.getMessage().getPriority());
            }
            assertThat(delivered).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "volatile", Priority.PRIORITY_HIGH,
                    "ranging", Priority.PRIORITY_NORMAL,
                    "unknown", Priority.PRIORITY_NORMAL,
                    "quote", Priority.PRIORITY_LOW,
                    "critical", Priority.PRIORITY_CRITICAL));
        }
    }

    private static void assertAllAccepted(List<PublishResult> results) {
        assertThat(results).allSatisfy(r -> assertThat(r.hasError()).as("publish error %s", r.getError()).isFalse());
    }
}
