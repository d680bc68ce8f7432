package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.alerting.AlertView;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in alert rules against the faults they are for, induced for real: a subscriber that
 * stops reading, a feed that goes quiet, a Redis that dies (breaker open, spooling).
 */
class BuiltInAlertsOnRealFaultsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String FILLER = "p".repeat(4096);

    @TempDir
    Path spool;

    private static Optional<AlertView> alert(EmbeddedGateway gateway, String name, Map<String, String> labels) {
        return gateway.alerting().alerts().stream()
                .filter(a -> a.name().equals(name) && a.labels().entrySet().containsAll(labels.entrySet()))
                .filter(a -> !a.state().equals("resolved"))
                .findFirst();
    }

    private static boolean firing(EmbeddedGateway gateway, String name, Map<String, String> labels) {
        return alert(gateway, name, labels).map(a -> a.state().equals("firing")).orElse(false);
    }

    @Test
    void aSubscriberThatHoldsCreditButStopsReadingRaisesSubscriberStalledUntilItReads() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("ops.alerts.evaluation-interval=50ms",
                "ops.alerts.resolve-after=500ms",
                "ops.alerts.subscriber-stall-after=200ms", "delivery.outbound-bytes-per-subscription=262144");
             FrameClient pub = FrameClient.connected(gateway.target(), "pub");
             FrameClient slow = FrameClient.openSlow(gateway.target())) {
            slow.read(1);
            slow.await(slow.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName("slow"))));
            slow.read(1);
            slow.await(slow.subscribe(broadcast("s", "stall.alert").setInitialCredit(1_000_000)));
            for (int i = 0; i < 1000; i += 20) {
                Message[] batch = new Message[20];
                for (int j = 0; j < batch.length; j++) {
                    batch[j] = msg("stall.alert", i + j + ":" + FILLER);
                }
                pub.await(pub.publish(batch));
            }
            await().atMost(WAIT).until(() -> firing(gateway, "SubscriberStalled", Map.of()));

            slow.read(Integer.MAX_VALUE);
            await().atMost(WAIT).until(() -> alert(gateway, "SubscriberStalled", Map.of()).isEmpty());
        }
    }

    @Test
    void aFeedThatHadTrafficAndGoesQuietRaisesFeedStaleUntilItPublishesAgain() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("ops.alerts.evaluation-interval=50ms",
                "ops.alerts.resolve-after=500ms",
                "ops.alerts.feed-stale-after=1s");
             FrameClient pub = FrameClient.connected(gateway.target(), "feed")) {
            Map<String, String> quotes = Map.of("topic_class", "quotes");
            assertThat(alert(gateway, "FeedStale", quotes)).as("never active: not stale").isEmpty();
            pub.await(pub.publish(msg("quotes.BINANCE.BTCUSDT", "1")));
            await().atMost(WAIT).until(() -> firing(gateway, "FeedStale", quotes));
            assertThat(alert(gateway, "FeedStale", quotes).orElseThrow().severity()).isEqualTo("critical");

            pub.await(pub.publish(msg("quotes.BINANCE.BTCUSDT", "2")));
            await().atMost(WAIT).until(() -> gateway.alerting().alerts().stream()
                    .anyMatch(a -> a.name().equals("FeedStale") && a.state().equals("resolved")));
        }
    }

    @Test
    void aRedisOutageRaisesBreakerOpenAndSpoolingWhichResolveOnceItIsBack() throws Exception {
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri(),
                     "resilience.spool.dir=" + spool, "ops.alerts.evaluation-interval=50ms",
                     "ops.alerts.resolve-after=500ms",
                     "resilience.breaker.open-wait=500ms");
             FrameClient pub = FrameClient.connected(gateway.target(), "pub")) {
            redis.kill();
            for (int i = 0; i < 20; i++) {
                pub.await(pub.publish(msg("orders.spool", Integer.toString(i))));
            }
            await().atMost(WAIT).until(() -> firing(gateway, "BreakerOpen", Map.of("breaker", "append")));
            await().atMost(WAIT).until(() -> firing(gateway, "Spooling", Map.of()));
            assertThat(alert(gateway, "Spooling", Map.of()).orElseThrow().summary()).contains("wait in the disk spool");

            redis.restart();
            await().atMost(WAIT).until(() -> alert(gateway, "Spooling", Map.of()).isEmpty()
                    && alert(gateway, "BreakerOpen", Map.of()).isEmpty());
        }
    }
}
