package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.testkit.RedisServerExtension;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An SDK publisher and SDK subscribers exchange messages through two gateway replicas sharing a
 * real redis-server: what one replica accepts, the other delivers.
 */
class ClientThroughRedisTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static Message msg(String topic, String payload) {
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    @Test
    void publisherOnOneReplicaReachesSubscribersOnAnother() throws Exception {
        String redis = "backend.redis.uri=" + REDIS.uri();
        try (EmbeddedGateway a = EmbeddedGateway.startOnLoopback(redis);
             EmbeddedGateway b = EmbeddedGateway.startOnLoopback(redis);
             TidegateClient publisher = TidegateClient.builder().endpoints(a.target()).clientName("pub").build();
             TidegateClient broadcast = TidegateClient.builder().endpoints(b.target()).clientName("sub").build();
             TidegateClient worker1 = TidegateClient.builder().endpoints(a.target()).clientName("w1").build();
             TidegateClient worker2 = TidegateClient.builder().endpoints(b.target()).clientName("w2").build()) {
            List<String> seen = new CopyOnWriteArrayList<>();
            Subscription b1 = broadcast.subscribe(SubscriptionOptions.broadcast("redis.quotes.>"),
                    m -> seen.add(m.message().getPayload().toStringUtf8()));
            Set<String> worked = ConcurrentHashMap.newKeySet();
            // a small credit keeps each member from taking a whole burst, so both get work
            SubscriptionOptions workerOptions = SubscriptionOptions.builder().group("redis-workers")
                    .mode(SubscriptionMode.GROUP).patterns("redis.quotes.>").credit(10).build();
            List<String> workers = new CopyOnWriteArrayList<>();
            Subscription g1 = worker1.subscribe(workerOptions, m -> {
                worked.add(m.message().getPayload().toStringUtf8());
                workers.add("w1");
            });
            Subscription g2 = worker2.subscribe(workerOptions, m -> {
                worked.add(m.message().getPayload().toStringUtf8());
                workers.add("w2");
            });
            // LATEST subscriptions see what is published after they are confirmed
            CompletableFuture.allOf(b1.confirmed(), g1.confirmed(), g2.confirmed()).get();

            List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                expected.add("q" + i);
                receipts.add(publisher.publish(msg("redis.quotes.BINANCE.BTCUSDT", "q" + i)));
            }
            for (CompletableFuture<PublishReceipt> r : receipts) {
                assertThat(r.get().position()).isNotNull();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() >= 500 && worked.size() >= 500);
            assertThat(seen).containsExactlyElementsOf(expected);
            assertThat(worked).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(workers).contains("w1", "w2");
        }
    }
}
