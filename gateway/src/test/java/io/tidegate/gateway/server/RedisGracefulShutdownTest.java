package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.GatewayProcess;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.testkit.RedisServer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM on a real gateway process on a real Redis while a client keeps publishing: every
 * publish the gateway acknowledged is in Redis afterwards. Publishes it never answered are the
 * client's to resend elsewhere (with the same ids, so without duplicates).
 */
class RedisGracefulShutdownTest {

    private static final String TOPIC = "drain.load";

    @Test
    void sigtermUnderLoadLosesNoAcknowledgedPublish() throws Exception {
        try (RedisServer redis = RedisServer.start();
             GatewayProcess gateway = GatewayProcess.start("--backend.redis.uri=" + redis.uri())) {
            Set<String> acked = new HashSet<>();
            Map<String, Integer> refused = new TreeMap<>();
            int sent = 0;
            boolean goAway = false;
            boolean terminated = false;
            try (FrameClient pub = FrameClient.connected(gateway.target())) {
                long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!pub.completed() && pub.error() == null && System.nanoTime() < giveUpAt) {
                    if (!goAway && sent < 50_000) {
                        pub.publish(batch(sent, 50));
                        sent += 50;
                    } else {
                        Thread.sleep(5);
                    }
                    if (!terminated && acked.size() >= 2_000) {
                        gateway.terminate(); // mid-stream, with publishes in flight
                        terminated = true;
                    }
                    for (ConnectResponse f : pub.drainFrames()) {
                        goAway |= f.hasGoAway();
                        for (PublishResult r : f.getPublishAck().getResultsList()) {
                            if (r.hasPosition()) {
                                acked.add(r.getMessageId());
                            } else {
                                refused.merge(r.getError().getMessage(), 1, Integer::sum);
                            }
                        }
                    }
                }
                assertThat(pub.completed()).as("the gateway ended the stream cleanly").isTrue();
            }
            assertThat(goAway).as("the client was told to go away").isTrue();
            assertThat(gateway.awaitExit(30, TimeUnit.SECONDS)).as("exit code after a clean drain").isZero();

            Set<String> stored = readBack(redis);
            Set<String> lost = new HashSet<>(acked);
            lost.removeAll(stored);
            System.out.printf("sigterm under load: sent=%d acked=%d refused=%s stored=%d lost=%d%n",
                    sent, acked.size(), refused, stored.size(), lost.size());
            assertThat(terminated).isTrue();
            assertThat(lost).as("acknowledged but not in Redis").isEmpty();
        }
    }

    private static Message[] batch(int from, int n) {
        Message[] batch = new Message[n];
        for (int i = 0; i < n; i++) {
            batch[i] = Message.newBuilder().setTopic(TOPIC).setId("m" + (from + i))
                    .setPayload(ByteString.copyFromUtf8("x".repeat(200))).build();
        }
        return batch;
    }

    private static Set<String> readBack(RedisServer redis) throws InterruptedException {
        Set<String> stored = new HashSet<>();
        try (EmbeddedGateway reader = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri());
             FrameClient sub = FrameClient.connected(reader.target())) {
            sub.await(sub.subscribe(broadcast("all", TOPIC).setInitialCredit(1_000_000)
                    .setStart(StartPosition.newBuilder().setKind(StartPosition.Kind.KIND_EARLIEST))));
            List<Delivery> got;
            while (!(got = sub.pollDeliveries("all", 1000)).isEmpty()) {
                got.forEach(d -> stored.add(d.getMessage().getId()));
            }
        }
        return stored;
    }
}
