package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.testkit.RedisServerExtension;
import io.tidegate.testkit.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code remediation.restart-reader}: the connection of a subscription's Redis reader goes dead
 * without closing (frozen in a proxy between the gateway and a real redis-server, as behind a dead
 * network path), with the per-cycle time limit set out of reach; the read loop has demand and
 * makes no progress, so remediation restarts it and the subscriber receives messages again.
 */
class StalledRedisReaderIsRestartedTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    /** A subscription's own reader ({@code :read:}) or a shared reader ({@code :shared-N}). */
    private static final Pattern READER_ADDR =
            Pattern.compile("addr=127\\.0\\.0\\.1:(\\d+) .*name=tidegate:[^ ]*:(read:|shared-)");

    @ParameterizedTest(name = "shared-readers={0}")
    @ValueSource(ints = {0, 1})
    void aReaderStuckOnADeadConnectionIsRestartedAndTheSubscriberReceivesAgain(int sharedReaders) throws Exception {
        try (TcpProxy proxy = new TcpProxy(REDIS.port());
             EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("http.port=0",
                     "backend.redis.uri=redis://" + proxy.target(), "resilience.enabled=false",
                     "resilience.call-timeout=5m", "remediation.check-interval=100ms",
                     "remediation.restart-reader.stall-after=2s", "backend.redis.shared-readers=" + sharedReaders);
             FrameClient sub = FrameClient.connected(gateway.target());
             FrameClient pub = FrameClient.connected(gateway.target())) {
            sub.await(sub.subscribe(broadcast("s", "stall.t").setInitialCredit(1_000)));
            pub.await(pub.publish(msg("stall.t", "before")));
            assertThat(sub.awaitDeliveries("s", 1)).extracting(d -> d.getMessage().getPayload().toStringUtf8())
                    .containsExactly("before");

            int readerPort = readerPort();
            assertThat(proxy.freezeUpstreamPort(readerPort)).as("the reader's connection goes through the proxy").isTrue();
            pub.await(pub.publish(msg("stall.t", "after")));

            List<Delivery> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                got.addAll(sub.pollDeliveries("s", 100));
                return !got.isEmpty();
            });
            assertThat(got).extracting(d -> d.getMessage().getPayload().toStringUtf8()).containsExactly("after");
            assertThat(RemediationScrape.actions(gateway, "restart-reader", "done")).isGreaterThanOrEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(RemediationScrape.state(gateway))
                    .contains("\"action\":\"restart-reader\"").contains("\"outcome\":\"done\""));
        }
    }

    /**
     * The client port Redis sees for the gateway's (one) reader connection, own or shared; a
     * subscription joins the shared reader once its own catch-up read finds nothing new.
     */
    private static int readerPort() {
        Matcher[] found = new Matcher[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Matcher m = READER_ADDR.matcher(REDIS.server().commandText("CLIENT LIST"));
            found[0] = m;
            return m.find();
        });
        return Integer.parseInt(found[0].group(1));
    }
}
