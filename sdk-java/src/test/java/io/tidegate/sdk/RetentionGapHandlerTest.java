package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A broadcast subscriber whose handler stalls (so it grants no credit) while its topic moves on
 * past the gateway's retention ({@code retention.max-length=10}) gets {@link MessageHandler#onGap}
 * with the number of messages it lost, after the messages before the hole and before the rest,
 * which follow in order. Against a real gateway, memory and Redis backends.
 */
class RetentionGapHandlerTest {

    @TempDir
    Path spool;

    private static Message msg(String topic, String payload) {
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void aStalledSubscriberIsToldOfTheHoleInOrderWithItsMessages(String backend) throws Exception {
        String topic = "gap.sdk." + backend;
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("retention.max-length=10",
                     "backend.type=" + backend, "backend.redis.uri=" + (backend.equals("redis") ? redis.uri() : ""),
                     "resilience.spool.dir=" + spool);
             TidegateClient client = TidegateClient.builder().endpoints(gateway.target()).clientName("gap").build()) {
            List<Object> seen = new CopyOnWriteArrayList<>();
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch resume = new CountDownLatch(1);
            Subscription sub = client.subscribe(SubscriptionOptions.builder().patterns(topic).credit(5).build(),
                    new MessageHandler() {
                        @Override
                        public void onMessage(ReceivedMessage m) throws Exception {
                            seen.add(m.message().getPayload().toStringUtf8());
                            if (seen.size() == 1) {
                                stalled.countDown();
                                assertThat(resume.await(60, TimeUnit.SECONDS)).isTrue();
                            }
                        }

                        @Override
                        public void onGap(RetentionGap gap) {
                            seen.add(gap);
                        }
                    });
            sub.confirmed().get();
            List<PublishReceipt> first = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                first.add(client.publish(msg(topic, "a" + i)).get());
            }
            assertThat(stalled.await(20, TimeUnit.SECONDS)).isTrue();
            // all five are here (one in the handler, four waiting), so no credit is left at the gateway
            await().atMost(Duration.ofSeconds(20)).until(() -> sub.bufferedMessages() == 5);
            List<String> later = new ArrayList<>();
            for (int batch = 0; batch < 10; batch++) {
                List<CompletableFuture<PublishReceipt>> run = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String payload = "b" + batch + "-" + i;
                    later.add(payload);
                    run.add(client.publish(msg(topic, payload)));
                }
                CompletableFuture.allOf(run.toArray(CompletableFuture[]::new)).get();
            }
            String newest = later.get(later.size() - 1);

            resume.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(newest));

            assertThat(seen.subList(0, 5)).containsExactly("a0", "a1", "a2", "a3", "a4");
            assertThat(seen.get(5)).as("what came besides the later messages: %s", seen.stream().filter(o -> !(o instanceof String s && s.startsWith("b"))).toList()).isInstanceOf(RetentionGap.class);
            RetentionGap gap = (RetentionGap) seen.get(5);
            List<Object> rest = seen.subList(6, seen.size());
            assertThat(rest).allMatch(String.class::isInstance);
            assertThat(gap.subscriptionId()).isEqualTo(sub.id());
            assertThat(gap.topic()).isEqualTo(topic);
            assertThat(gap.from()).contains(first.get(4).position());
            assertThat(gap.lost()).hasValue(later.size() - rest.size());
            assertThat(gap.lost().getAsLong()).isPositive();
            assertThat(rest).containsExactlyElementsOf(later.subList(later.size() - rest.size(), later.size()));
        }
    }
}
