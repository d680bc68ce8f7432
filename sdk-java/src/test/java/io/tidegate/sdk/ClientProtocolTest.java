package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.Subscribe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's side of the protocol, against a scripted fake gateway that shows the exact frames
 * the client sends and can misbehave on cue (the behaviour against the real gateway is covered by
 * the *AgainstGatewayTest classes).
 */
class ClientProtocolTest {

    private FakeGateway gateway;
    private final List<TidegateClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        gateway = new FakeGateway(0);
    }

    @AfterEach
    void stop() {
        clients.forEach(TidegateClient::close);
        gateway.close();
    }

    private TidegateClient.Builder builder(String... endpoints) {
        return TidegateClient.builder().endpoints(endpoints.length == 0 ? new String[] {gateway.target()} : endpoints)
                .clientName("test").closeTimeout(Duration.ofMillis(200))
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.1);
    }

    private TidegateClient client(TidegateClient.Builder b) {
        TidegateClient c = b.build();
        clients.add(c);
        return c;
    }

    private static Message msg(String topic, String payload) {
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    @Test
    void publishesAreBatchedAndAckedPerMessage() {
        TidegateClient c = client(builder().linger(Duration.ofMillis(50)));
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            futures.add(c.publish(msg("t.a", "m" + i)));
        }
        List<PublishReceipt> receipts = futures.stream().map(CompletableFuture::join).toList();

        assertThat(receipts).extracting(r -> r.position().entryId()).doesNotHaveDuplicates();
        assertThat(receipts).allSatisfy(r -> {
            assertThat(r.messageId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(r.duplicate()).isFalse();
        });
        long batches = gateway.received.stream().filter(f -> f.hasPublish()).count();
        assertThat(batches).isLessThanOrEqualTo(3);
    }

    @Test
    void rejectedMessageFailsOnlyItsOwnFutureWithTheGatewaysCode() {
        TidegateClient c = client(builder().linger(Duration.ofMillis(20)));
        CompletableFuture<PublishReceipt> good1 = c.publish(msg("t.a", "1"));
        CompletableFuture<PublishReceipt> bad = c.publish(msg("bad..topic", "2"));
        CompletableFuture<PublishReceipt> good2 = c.publish(msg("t.a", "3"));

        assertThat(good1.join().position().topic()).isEqualTo("t.a");
        assertThat(good2.join().position().topic()).isEqualTo("t.a");
        assertThatThrownBy(bad::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(PublishException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("empty segment");
                });
    }

    @Test
    void unackedPublishesAreResentWithTheSameIdsAfterReconnect() throws Exception {
        // a linger lets all 20 go out unanswered (zero linger would hold them behind the first frame)
        TidegateClient c = client(builder().linger(Duration.ofMillis(5)));
        assertThat(c.awaitConnected(Duration.ofSeconds(5))).isTrue();
        gateway.answerPublishes = false;
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            futures.add(c.publish(msg("t.a", "m" + i)));
        }
        await().until(() -> gateway.publishedMessages().size() == 20);
        List<String> firstIds = gateway.publishedMessages().stream().map(Message::getId).toList();

        gateway.answerPublishes = true;
        gateway.dropAll();

        List<PublishReceipt> receipts = futures.stream().map(CompletableFuture::join).toList();
        List<String> resentIds = gateway.publishedMessages().subList(20, 40).stream().map(Message::getId).toList();
        assertThat(resentIds).containsExactlyElementsOf(firstIds);
        assertThat(receipts).extracting(PublishReceipt::messageId).containsExactlyElementsOf(firstIds);
        assertThat(gateway.sessions.get()).isEqualTo(2);
    }

    @Test
    void zeroLingerHoldsPublishesBehindTheFrameAwaitingItsAck() throws Exception {
        TidegateClient c = client(builder());
        assertThat(c.awaitConnected(Duration.ofSeconds(5))).isTrue();
        gateway.answerPublishes = false;
        CompletableFuture<PublishReceipt> first = c.publish(msg("t.a", "first"));
        await().until(() -> gateway.publishedMessages().size() == 1);
        List<CompletableFuture<PublishReceipt>> rest = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rest.add(c.publish(msg("t.a", "m" + i)));
        }
        Thread.sleep(200);
        assertThat(gateway.publishedMessages()).as("nothing more until the first frame is acked").hasSize(1);

        gateway.answerPublishes = true;
        gateway.dropAll(); // the reconnect re-sends the first frame, then the ten as one batch
        first.join();
        rest.forEach(CompletableFuture::join);
        long frames = gateway.received.stream().filter(ConnectRequest::hasPublish).count();
        assertThat(frames).as("1 unanswered + its re-send + the ten batched together").isLessThanOrEqualTo(3);
    }

    @Test
    void broadcastResumeSubscribesAfterTheLastSeenPositionPerTopic() throws Exception {
        TidegateClient c = client(builder());
        List<ReceivedMessage> got = new CopyOnWriteArrayList<>();
        long before = System.currentTimeMillis() * 1_000_000L;
        Subscription sub = c.subscribe(SubscriptionOptions.broadcast("t.>"), got::add);
        sub.confirmed().get();
        for (String t : List.of("t.a", "t.b", "t.a")) {
            c.publish(msg(t, "x")).join();
        }
        await().until(() -> got.size() == 3);

        gateway.dropAll();
        await().until(() -> gateway.subscribes().size() == 2);

        Subscribe first = gateway.subscribes().get(0);
        Subscribe again = gateway.subscribes().get(1);
        assertThat(first.getStart().getKind()).isEqualTo(StartPosition.Kind.KIND_LATEST);
        assertThat(again.getSubscriptionId()).isEqualTo(first.getSubscriptionId());
        assertThat(again.getStart().getKind()).isEqualTo(StartPosition.Kind.KIND_POSITION);
        assertThat(again.getStart().getAfterList()).extracting(p -> p.getTopic() + "@" + p.getEntryId())
                .containsExactlyInAnyOrder("t.a@" + got.get(2).position().entryId(), "t.b@" + got.get(1).position().entryId());
        assertThat(again.getStart().getTimestampNanos()).isBetween(before, System.currentTimeMillis() * 1_000_000L);
    }

    @Test
    void creditLimitsOutstandingMessages() throws Exception {
        TidegateClient c = client(builder());
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        Subscription sub = c.subscribe(SubscriptionOptions.builder().patterns("t.a").credit(5).build(), m -> {
            started.incrementAndGet();
            release.await();
        });
        sub.confirmed().get();
        for (int i = 0; i < 20; i++) {
            c.publish(msg("t.a", "m" + i));
        }
        await().until(() -> gateway.publishedMessages().size() == 20);
        Thread.sleep(200);
        long delivered = 5; // what the fake sent: exactly the initial credit
        assertThat(started.get()).isEqualTo(1);
        assertThat(gateway.subscribes().get(0).getInitialCredit()).isEqualTo((int) delivered);
        assertThat(gateway.received.stream().filter(f -> f.hasCredit()).count()).isZero();

        release.countDown();
        await().until(() -> started.get() == 20);
        int granted = gateway.received.stream().filter(f -> f.hasCredit()).mapToInt(f -> f.getCredit().getMessages()).sum();
        assertThat(5 + granted).isGreaterThanOrEqualTo(20).isLessThanOrEqualTo(20 + 5);
    }

    @Test
    void handlersRunOnClientThreadsNotGrpcThreads() throws Exception {
        TidegateClient c = client(builder());
        Set<String> threads = ConcurrentHashMap.newKeySet();
        c.subscribe(SubscriptionOptions.broadcast("t.a"), m -> threads.add(Thread.currentThread().getName())).confirmed().get();
        c.publish(msg("t.a", "1")).join();
        await().until(() -> !threads.isEmpty());
        assertThat(threads).allSatisfy(n -> assertThat(n).startsWith("tidegate-handler"));
    }

    @Test
    void silentGatewayIsNoticedAndClientReconnects() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        TidegateClient c = client(builder().streamPing(Duration.ofMillis(100), Duration.ofMillis(200))
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void onConnected(String endpoint, String gatewayId, String sessionId) {
                        events.add("up " + sessionId);
                    }

                    @Override
                    public void onDisconnected(String endpoint, Throwable cause) {
                        events.add("down");
                    }
                }));
        assertThat(c.awaitConnected(Duration.ofSeconds(5))).isTrue();
        gateway.answerPings = false;
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("down"));
        gateway.answerPings = true;
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("up s2"));
    }

    @Test
    void goAwayMovesTheClientToTheNextEndpoint() throws Exception {
        try (FakeGateway other = new FakeGateway(0)) {
            TidegateClient c = client(builder(gateway.target(), other.target()));
            Subscription sub = c.subscribe(SubscriptionOptions.broadcast("t.a"), m -> { });
            sub.confirmed().get();
            assertThat(c.welcome().getSessionId()).isEqualTo("s1");

            gateway.goAwayAll();
            await().until(() -> other.sessions.get() == 1 && other.subscribes().size() == 1);
            assertThat(c.publish(msg("t.a", "after")).join().position().topic()).isEqualTo("t.a");
            assertThat(other.publishedMessages()).extracting(m -> m.getPayload().toStringUtf8()).containsExactly("after");
        }
    }

    @Test
    void publishesMadeBeforeTheFirstConnectionWaitForIt() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TidegateClient c = client(builder("127.0.0.1:" + port));
        CompletableFuture<PublishReceipt> f = c.publish(msg("t.a", "early"));
        Thread.sleep(300);
        assertThat(f).isNotDone();
        try (FakeGateway late = new FakeGateway(port)) {
            assertThat(f.get(5, java.util.concurrent.TimeUnit.SECONDS).position().topic()).isEqualTo("t.a");
            assertThat(late.publishedMessages()).extracting(m -> m.getPayload().toStringUtf8()).containsExactly("early");
        }
    }

    @Test
    void optionsThatCannotWorkAreRejectedWithAMessageSayingWhy() {
        assertThatThrownBy(() -> SubscriptionOptions.builder().build()).hasMessageContaining("at least one topic pattern");
        assertThatThrownBy(() -> SubscriptionOptions.builder().patterns("a").mode(SubscriptionMode.GROUP).build())
                .hasMessageContaining("group name");
        assertThatThrownBy(() -> TidegateClient.builder().endpoints("nohost")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> TidegateClient.builder().build()).hasMessageContaining("endpoint");
    }
}
