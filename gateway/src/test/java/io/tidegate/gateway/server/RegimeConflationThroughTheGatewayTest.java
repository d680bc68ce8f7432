package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.RegimeSource;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code conflate} regime rule through a real gateway: with
 * {@code "ILLIQUID data.quotes.> -> conflate"}, a subscriber that asked for conflation and stops
 * reading gets only the latest quotes of an instrument forced ILLIQUID, but every quote, in order,
 * of one in another regime; a topic no conflate rule matches conflates as before.
 */
class RegimeConflationThroughTheGatewayTest {

    private static final int PER_KEY = 200;
    private static final String FILLER = "z".repeat(8 * 1024); // enough to fill the transport windows

    @Test
    void quotesOfAnIlliquidInstrumentConflateAndOthersArriveInFull() throws Exception {
        Map<String, Regime> regimes = Map.of("BTCUSDT", Regime.ILLIQUID, "ETHUSDT", Regime.RANGING);
        RegimeSource source = topic -> regimes.get(topic.substring(topic.lastIndexOf('.') + 1));
        GatewayConfig config = GatewayConfig.defaultsWith("grpc.host=127.0.0.1", "grpc.port=0", "http.port=-1",
                "dispatch.regime-rules=ILLIQUID data.quotes.> -> conflate");
        try (EmbeddedGateway gateway = EmbeddedGateway.start(config, source);
             FrameClient slow = FrameClient.openSlow(gateway.target());
             FrameClient fast = FrameClient.connected(gateway.target());
             FrameClient pub = FrameClient.connected(gateway.target())) {
            slow.read(1);
            slow.await(slow.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName("slow"))));
            slow.read(1);
            slow.await(slow.subscribe(broadcast("latest", "data.quotes.>", "cfl.px.*")
                    .setInitialCredit(1_000_000).setConflate(true)));
            fast.await(fast.subscribe(broadcast("all", "data.quotes.>", "cfl.px.*").setInitialCredit(1_000_000)));
            String[] topics = {"data.quotes.BINANCE.BTCUSDT", "data.quotes.BINANCE.ETHUSDT", "cfl.px.K0"};
            for (int i = 0; i < PER_KEY; i++) {
                Message[] batch = new Message[topics.length];
                for (int t = 0; t < topics.length; t++) {
                    batch[t] = Message.newBuilder().setTopic(topics[t]).setOrderingKey(topics[t])
                            .setPayload(com.google.protobuf.ByteString.copyFromUtf8(i + ":" + FILLER)).build();
                }
                pub.await(pub.publish(batch));
            }
            assertThat(fast.awaitDeliveries("all", topics.length * PER_KEY)).hasSize(topics.length * PER_KEY);
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.conflation().superseded() > 0);

            slow.read(Integer.MAX_VALUE);
            Map<String, List<Delivery>> byTopic = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!allLatest(byTopic, topics) && System.nanoTime() < deadline) {
                for (Delivery d : slow.pollDeliveries("latest", 100)) {
                    byTopic.computeIfAbsent(d.getMessage().getTopic(), t -> new ArrayList<>()).add(d);
                }
            }
            assertThat(allLatest(byTopic, topics)).as("every key's last delivery is its latest").isTrue();

            List<Delivery> liquid = byTopic.get("data.quotes.BINANCE.ETHUSDT");
            assertThat(liquid).extracting(RegimeConflationThroughTheGatewayTest::seq)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, PER_KEY).boxed().toList());
            assertThat(liquid).allSatisfy(d -> assertThat(d.getConflatedBefore()).isZero());

            List<Delivery> illiquid = byTopic.get("data.quotes.BINANCE.BTCUSDT");
            List<Delivery> ungoverned = byTopic.get("cfl.px.K0");
            assertThat(illiquid.size()).isLessThan(PER_KEY);
            assertThat(ungoverned.size()).isLessThan(PER_KEY);
            assertThat(illiquid).extracting(RegimeConflationThroughTheGatewayTest::seq).isSorted();
            assertThat(illiquid.size() + illiquid.stream().mapToLong(Delivery::getConflatedBefore).sum()).isEqualTo(PER_KEY);
        }
    }

    private static int seq(Delivery d) {
        String p = d.getMessage().getPayload().toStringUtf8();
        return Integer.parseInt(p.substring(0, p.indexOf(':')));
    }

    private static boolean allLatest(Map<String, List<Delivery>> byTopic, String[] topics) {
        for (String t : topics) {
            List<Delivery> got = byTopic.get(t);
            if (got == null || seq(got.get(got.size() - 1)) != PER_KEY - 1) {
                return false;
            }
        }
        return true;
    }
}
