package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow subscriber of a conflated subscription gets the latest quote per instrument, with the
 * count of quotes it missed, while a plain subscriber of the same topics gets every quote; over
 * real gRPC streams to an embedded gateway, on the memory backend and on a real redis-server.
 */
class ConflatedSubscriptionTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int INSTRUMENTS = 5;
    private static final int QUOTES = 40;

    private record Received(String instrument, int seq, long conflatedBefore) {
    }

    @Test
    void slowConflatedSubscriberGetsLatestQuotePerInstrumentOnMemory() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback()) {
            slowConflatedSubscriberGetsLatestQuotePerInstrument(gateway);
        }
    }

    @Test
    void slowConflatedSubscriberGetsLatestQuotePerInstrumentOnRedis() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + REDIS.uri())) {
            slowConflatedSubscriberGetsLatestQuotePerInstrument(gateway);
        }
    }

    private static void slowConflatedSubscriberGetsLatestQuotePerInstrument(EmbeddedGateway gateway) throws Exception {
        try (TidegateClient publisher = client("pub", gateway);
             TidegateClient fast = client("fast", gateway);
             TidegateClient slow = client("slow", gateway)) {
            Map<String, List<Integer>> everything = new ConcurrentHashMap<>();
            Subscription all = fast.subscribe(SubscriptionOptions.broadcast("cq.quotes.>"),
                    m -> everything.computeIfAbsent(instrument(m), k -> new CopyOnWriteArrayList<>()).add(seq(m)));
            CountDownLatch stuck = new CountDownLatch(1);
            CountDownLatch behind = new CountDownLatch(1);
            List<Received> latest = new CopyOnWriteArrayList<>();
            Subscription conflated = slow.subscribe(
                    SubscriptionOptions.builder().patterns("cq.quotes.>").credit(1).conflate(true).build(), m -> {
                        stuck.countDown();
                        behind.await(); // a subscriber stuck on its first quote
                        latest.add(new Received(instrument(m), seq(m), m.conflatedBefore()));
                    });
            CompletableFuture.allOf(all.confirmed(), conflated.confirmed()).get();

            // The first quote reaches the handler before the rest are published; else one read
            // could take them all and the first delivery would already be a conflated one.
            List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>();
            for (int q = 0; q < QUOTES; q++) {
                for (int i = 0; i < INSTRUMENTS; i++) {
                    receipts.add(publisher.publish(Message.newBuilder().setTopic("cq.quotes.I" + i)
                            .setPayload(ByteString.copyFromUtf8(Integer.toString(q))).build()));
                    if (q == 0 && i == 0) {
                        assertThat(stuck.await(30, TimeUnit.SECONDS)).as("first quote in the handler").isTrue();
                    }
                }
            }
            CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)).get();
            // all but the quote in the handler and the latest per instrument are superseded
            long superseded = (long) INSTRUMENTS * QUOTES - 1 - INSTRUMENTS;
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.conflation().superseded(), org.hamcrest.Matchers.equalTo(superseded));
            behind.countDown();
            await().atMost(Duration.ofSeconds(30)).until(latest::size, org.hamcrest.Matchers.equalTo(1 + INSTRUMENTS));

            long counted = 0;
            for (int i = 0; i < INSTRUMENTS; i++) {
                String instrument = "I" + i;
                List<Received> got = latest.stream().filter(r -> r.instrument.equals(instrument)).toList();
                assertThat(got.get(got.size() - 1).seq).as("latest quote of %s", instrument).isEqualTo(QUOTES - 1);
                assertThat(got).extracting(Received::seq).isSorted();
                long missed = got.stream().mapToLong(Received::conflatedBefore).sum();
                assertThat(got.size() + missed).as("every quote of %s delivered or counted as conflated", instrument)
                        .isEqualTo(QUOTES);
                counted += missed;
            }
            assertThat(counted).isEqualTo(superseded);

            await().atMost(Duration.ofSeconds(30)).until(() -> everything.values().stream().mapToInt(List::size).sum()
                    == INSTRUMENTS * QUOTES);
            List<Integer> inOrder = new ArrayList<>();
            for (int q = 0; q < QUOTES; q++) {
                inOrder.add(q);
            }
            for (int i = 0; i < INSTRUMENTS; i++) {
                assertThat(everything.get("I" + i)).as("the plain subscriber gets every quote").isEqualTo(inOrder);
            }
        }
    }

    @Test
    void conflationIsRefusedForGroups() {
        assertThatThrownBy(() -> SubscriptionOptions.builder().group("g").patterns("cq.>").conflate(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BROADCAST");
    }

    private static TidegateClient client(String name, EmbeddedGateway gateway) {
        return TidegateClient.builder().endpoints(gateway.target()).clientName(name).build();
    }

    private static String instrument(ReceivedMessage m) {
        String topic = m.message().getTopic();
        return topic.substring(topic.lastIndexOf('.') + 1);
    }

    private static int seq(ReceivedMessage m) {
        return Integer.parseInt(m.message().getPayload().toStringUtf8());
    }
}
