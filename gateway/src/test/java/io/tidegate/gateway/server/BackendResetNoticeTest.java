package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static io.tidegate.gateway.server.MetricsScrape.scrape;
import static io.tidegate.gateway.server.MetricsScrape.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.BackendReset;
import io.tidegate.proto.v1.DeliveryBatch;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.SubscribeRequest;
import io.tidegate.proto.v1.SubscribeResponse;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Connect stream's subscriptions are told with a BackendReset frame when Redis loses its data
 * (FLUSHALL, or an empty Redis in its place), {@code tidegate_backend_resets_total} counts it,
 * and the subscriptions go on with what is published afterwards. A server-streaming Subscribe
 * call, which has no frame for the notice, ends with DATA_LOSS.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BackendResetNoticeTest {

    private RedisServer redis;

    @TempDir
    Path spool;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopRedis() {
        redis.close();
    }

    @Test
    void flushAllReachesBroadcastAndGroupSubscribersAsABackendResetFrame() throws Exception {
        noticeArrivesAndDeliveryGoesOn(() -> redis.flushAll());
    }

    @Test
    void anEmptyRedisOnTheSamePortReachesSubscribersAsABackendResetFrame() throws Exception {
        noticeArrivesAndDeliveryGoesOn(() -> redis = redis.restart());
    }

    @Test
    void aServerStreamingSubscribeEndsWithDataLoss() throws Exception {
        try (EmbeddedGateway gateway = gateway()) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
            try (FrameClient pub = FrameClient.connected(gateway.target())) {
                Iterator<SubscribeResponse> stream = GatewayServiceGrpc.newBlockingStub(channel).subscribe(
                        SubscribeRequest.newBuilder().setSubscription(broadcast("u", "reset.unary")
                                .setStart(StartPosition.newBuilder().setKind(StartPosition.Kind.KIND_EARLIEST))).build());
                pub.await(pub.publish(msg("reset.unary", "before")));
                assertThat(stream.next().getDeliveries(0).getMessage().getPayload().toStringUtf8()).isEqualTo("before");

                redis.flushAll();

                assertThatThrownBy(() -> {
                    while (stream.hasNext()) {
                        stream.next();
                    }
                }).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
                    assertThat(e.getStatus().getDescription()).contains("Redis lost its stored data")
                            .contains("subscribe again");
                });
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private void noticeArrivesAndDeliveryGoesOn(Runnable loseData) throws Exception {
        try (EmbeddedGateway gateway = gateway();
             FrameClient client = FrameClient.connected(gateway.target())) {
            client.await(client.subscribe(broadcast("all", "reset.orders").setInitialCredit(1000))).getSubscribed();
            client.await(client.subscribe(group("workers", "billing", "reset.orders").setInitialCredit(1000)))
                    .getSubscribed();
            client.await(client.publish(msg("reset.orders", "before-1"), msg("reset.orders", "before-2")));
            assertThat(client.awaitDeliveries("all", 2)).hasSize(2);
            assertThat(client.awaitDeliveries("workers", 2)).hasSize(2);
            assertThat(value(scrape(gateway), "tidegate_backend_resets_total")).isEqualTo(0);
            long lostAfterNanos = System.currentTimeMillis() * 1_000_000L;

            loseData.run();

            for (String subscription : new String[] {"all", "workers"}) {
                BackendReset notice = client.await(f -> f.hasBackendReset()
                        && f.getBackendReset().getSubscriptionId().equals(subscription), "a BackendReset on "
                        + subscription).getBackendReset();
                assertThat(notice.getReason()).contains("Redis lost its stored data");
                assertThat(notice.getDetectedAt()).isGreaterThanOrEqualTo(lostAfterNanos);
            }
            assertThat(value(scrape(gateway), "tidegate_backend_resets_total")).isEqualTo(1);

            client.await(client.publish(msg("reset.orders", "after-1"), msg("reset.orders", "after-2")));
            assertThat(client.awaitDeliveries("all", 2)).extracting(d -> d.getMessage().getPayload().toStringUtf8())
                    .containsExactly("after-1", "after-2");
            assertThat(client.awaitDeliveries("workers", 2)).extracting(d -> d.getMessage().getPayload().toStringUtf8())
                    .containsExactly("after-1", "after-2");
            assertThat(client.drainFrames()).as("one notice per subscription").noneMatch(f -> f.hasBackendReset());
            client.assertAlive();
        }
    }

    private EmbeddedGateway gateway() {
        return EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.host=127.0.0.1", "grpc.port=0",
                "http.host=127.0.0.1", "http.port=0", "backend.redis.uri=" + redis.uri(),
                "resilience.spool.dir=" + spool, "backend.redis.block-timeout=100ms"));
    }
}
