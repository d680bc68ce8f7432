package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static io.tidegate.gateway.server.MetricsScrape.scrape;
import static io.tidegate.gateway.server.MetricsScrape.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Credit;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Gap;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Position;
import io.tidegate.proto.v1.PublishAck;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.SubscribeRequest;
import io.tidegate.proto.v1.SubscribeResponse;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A broadcast subscriber that stops granting credit while its topic moves on past retention
 * ({@code retention.max-length}) is told with a Gap frame, before the first delivery after the
 * hole and after every one before it, how many entries it lost; the rest follows in order, and
 * {@code tidegate_delivery_gaps_total} / {@code tidegate_delivery_lost_to_retention_total} count
 * it. A server-streaming Subscribe that starts at a position no longer retained gets the Gap as
 * its first response. Both backends.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RetentionGapNoticeTest {

    private static RedisServer redis;

    @TempDir
    Path spool;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void subscriberThatFellBehindRetentionGetsAGapFrameThenTheRestInOrder(String backend) throws Exception {
        String topic = "gap." + backend + ".quotes";
        try (EmbeddedGateway gateway = gateway(backend);
             FrameClient client = FrameClient.connected(gateway.target())) {
            client.await(client.subscribe(broadcast("s", topic).setInitialCredit(5))).getSubscribed();
            PublishAck first = client.await(client.publish(messages(topic, "a", 5))).getPublishAck();
            assertThat(client.awaitDeliveries("s", 5)).hasSize(5);
            // no credit left: the subscriber reads nothing while the topic is trimmed past it
            List<String> later = new ArrayList<>();
            for (int batch = 0; batch < 10; batch++) {
                Message[] run = messages(topic, "b" + batch + "-", 100);
                client.await(client.publish(run));
                for (Message m : run) {
                    later.add(m.getPayload().toStringUtf8());
                }
            }

            client.send(ConnectRequest.newBuilder().setCredit(Credit.newBuilder().setSubscriptionId("s").setMessages(10_000)));
            List<Object> seen = new ArrayList<>();
            String newest = later.get(later.size() - 1);
            while (seen.isEmpty() || !(seen.get(seen.size() - 1) instanceof Delivery d
                    && d.getMessage().getPayload().toStringUtf8().equals(newest))) {
                ConnectResponse f = client.await(r -> r.hasGap() || (r.hasDeliveries()
                        && r.getDeliveries().getSubscriptionId().equals("s")), "a gap or a delivery");
                if (f.hasGap()) {
                    seen.add(f.getGap());
                } else {
                    seen.addAll(f.getDeliveries().getDeliveriesList());
                }
            }

            assertThat(seen.get(0)).as("the Gap comes before the first delivery after the hole").isInstanceOf(Gap.class);
            assertThat(seen.subList(1, seen.size())).allMatch(o -> o instanceof Delivery);
            Gap gap = (Gap) seen.get(0);
            List<String> afterHole = seen.subList(1, seen.size()).stream()
                    .map(o -> ((Delivery) o).getMessage().getPayload().toStringUtf8()).toList();
            assertThat(gap.getSubscriptionId()).isEqualTo("s");
            assertThat(gap.getTopic()).isEqualTo(topic);
            assertThat(gap.getReason()).isEqualTo(Gap.Reason.REASON_RETENTION);
            assertThat(gap.getFrom()).isEqualTo(first.getResults(4).getPosition());
            assertThat(gap.getTo()).isEqualTo(((Delivery) seen.get(1)).getPosition());
            assertThat(gap.hasLost()).isTrue();
            assertThat(gap.getLost()).isEqualTo(later.size() - afterHole.size()).isPositive();
            assertThat(afterHole).containsExactlyElementsOf(later.subList(later.size() - afterHole.size(), later.size()));

            String metrics = scrape(gateway);
            assertThat(value(metrics, "tidegate_delivery_gaps_total")).isEqualTo(1);
            assertThat(value(metrics, "tidegate_delivery_lost_to_retention_total")).isEqualTo(gap.getLost());
            client.assertAlive();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void serverStreamingSubscribeFromAPositionNoLongerRetainedGetsTheGapFirst(String backend) throws Exception {
        String topic = "gap." + backend + ".unary";
        try (EmbeddedGateway gateway = gateway(backend);
             FrameClient pub = FrameClient.connected(gateway.target())) {
            Position asked = pub.await(pub.publish(messages(topic, "a", 3))).getPublishAck().getResults(1).getPosition();
            List<String> later = new ArrayList<>();
            for (int batch = 0; batch < 10; batch++) {
                Message[] run = messages(topic, "b" + batch + "-", 100);
                pub.await(pub.publish(run));
                for (Message m : run) {
                    later.add(m.getPayload().toStringUtf8());
                }
            }
            ManagedChannel channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
            try {
                Iterator<SubscribeResponse> stream = GatewayServiceGrpc.newBlockingStub(channel).subscribe(
                        SubscribeRequest.newBuilder().setSubscription(broadcast("u", topic).setStart(StartPosition
                                .newBuilder().setKind(StartPosition.Kind.KIND_POSITION).addAfter(asked))).build());
                SubscribeResponse head = stream.next();
                assertThat(head.hasGap()).as("the first response is the Gap").isTrue();
                assertThat(head.getDeliveriesCount()).isZero();
                assertThat(head.getGap().getFrom()).isEqualTo(asked);
                SubscribeResponse next = stream.next();
                assertThat(head.getGap().getTo()).isEqualTo(next.getDeliveries(0).getPosition());
                assertThat(later).contains(next.getDeliveries(0).getMessage().getPayload().toStringUtf8());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static Message[] messages(String topic, String stem, int count) {
        return IntStream.range(0, count).mapToObj(i -> msg(topic, stem + i)).toArray(Message[]::new);
    }

    private EmbeddedGateway gateway(String backend) {
        List<String> settings = new ArrayList<>(List.of("grpc.host=127.0.0.1", "grpc.port=0", "http.host=127.0.0.1",
                "http.port=0", "retention.max-length=10", "backend.type=" + backend));
        if (backend.equals("redis")) {
            settings.addAll(List.of("backend.redis.uri=" + redis.uri(), "resilience.spool.dir=" + spool,
                    "backend.redis.block-timeout=100ms", "backend.redis.key-prefix=" + "k" + System.nanoTime()));
        }
        return EmbeddedGateway.start(GatewayConfig.defaultsWith(settings.toArray(String[]::new)));
    }
}
