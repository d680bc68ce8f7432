package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the gateway's Redis loses its data (here FLUSHALL), the SDK hands the gateway's
 * BackendReset notice to {@link ConnectionListener#onBackendReset} once per subscription, and the
 * subscriptions go on receiving what is published afterwards.
 */
class BackendResetListenerTest {

    @TempDir
    Path spool;

    private static Message msg(String topic, String payload) {
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    private record Reset(String subscriptionId, String reason, Instant detectedAt) {
    }

    @Test
    void aFlushedRedisReachesTheListenerAndSubscriptionsGoOn() throws Exception {
        List<Reset> resets = new CopyOnWriteArrayList<>();
        ConnectionListener listener = new ConnectionListener() {
            @Override
            public void onBackendReset(String subscriptionId, String reason, Instant detectedAt) {
                resets.add(new Reset(subscriptionId, reason, detectedAt));
            }
        };
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri(),
                     "resilience.spool.dir=" + spool);
             TidegateClient client = TidegateClient.builder().endpoints(gateway.target()).clientName("reset")
                     .connectionListener(listener).build()) {
            List<String> all = new CopyOnWriteArrayList<>();
            List<String> worked = new CopyOnWriteArrayList<>();
            Subscription broadcast = client.subscribe(SubscriptionOptions.broadcast("reset.jobs"),
                    m -> all.add(m.message().getPayload().toStringUtf8()));
            Subscription group = client.subscribe(SubscriptionOptions.builder().group("reset-workers")
                    .mode(SubscriptionMode.GROUP).patterns("reset.jobs").build(),
                    m -> worked.add(m.message().getPayload().toStringUtf8()));
            CompletableFuture.allOf(broadcast.confirmed(), group.confirmed()).get();
            client.publish(msg("reset.jobs", "before")).get();
            await().atMost(Duration.ofSeconds(20)).until(() -> all.size() == 1 && worked.size() == 1);
            Instant beforeLoss = Instant.now();

            redis.flushAll();

            await().atMost(Duration.ofSeconds(20)).until(() -> resets.size() == 2);
            assertThat(resets).extracting(Reset::subscriptionId)
                    .containsExactlyInAnyOrder(broadcast.id(), group.id());
            assertThat(resets).allSatisfy(r -> {
                assertThat(r.reason()).contains("Redis lost its stored data");
                assertThat(r.detectedAt()).isAfterOrEqualTo(beforeLoss.minusSeconds(1));
            });
            client.publish(msg("reset.jobs", "after")).get();
            await().atMost(Duration.ofSeconds(20)).until(() -> all.size() == 2 && worked.size() == 2);
            assertThat(all).containsExactly("before", "after");
            assertThat(worked).containsExactly("before", "after");
            assertThat(broadcast.isActive()).isTrue();
            assertThat(resets).hasSize(2);
        }
    }
}
