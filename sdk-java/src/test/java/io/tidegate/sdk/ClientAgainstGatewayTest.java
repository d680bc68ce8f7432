package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The SDK against a real in-process gateway (memory backend) over real sockets; reconnects are
 * made by cutting or freezing a TCP proxy between client and gateway.
 */
class ClientAgainstGatewayTest {

    private EmbeddedGateway gateway;
    private TcpProxy proxy;
    private final List<TidegateClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        gateway = EmbeddedGateway.startOnLoopback("delivery.default-ack-deadline=500ms");
        proxy = new TcpProxy(gateway.grpcPort());
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(TidegateClient::close);
        proxy.close();
        gateway.close();
    }

    /** Counts the streams each client brought up, to wait for a reconnect. */
    private final Map<String, AtomicInteger> connects = new ConcurrentHashMap<>();

    private TidegateClient client(String name, String endpoint) {
        AtomicInteger ups = connects.computeIfAbsent(name, n -> new AtomicInteger());
        TidegateClient c = TidegateClient.builder().endpoints(endpoint).clientName(name)
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void onConnected(String endpoint, String gatewayId, String sessionId) {
                        ups.incrementAndGet();
                    }
                })
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.1)
                .streamPing(Duration.ofMillis(200), Duration.ofMillis(400))
                .closeTimeout(Duration.ofSeconds(1))
                .build();
        clients.add(c);
        return c;
    }

    private static Message msg(String topic, String payload) {
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    private static String text(ReceivedMessage m) {
        return m.message().getPayload().toStringUtf8();
    }

    private static List<String> numbered(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }

    @Test
    void publishesAreBatchedAndAckedPerMessage() {
        TidegateClient pub = client("pub", gateway.target());
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            futures.add(pub.publish(msg(i == 7 ? "rt..bad" : "rt.batch." + (i % 3), Integer.toString(i))));
        }
        for (int i = 0; i < futures.size(); i++) {
            if (i == 7) {
                assertThatThrownBy(futures.get(i)::join).isInstanceOf(CompletionException.class).cause()
                        .isInstanceOfSatisfying(PublishException.class, e -> {
                            assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(e.getMessage()).contains("rt..bad");
                        });
            } else {
                PublishReceipt r = futures.get(i).join();
                assertThat(r.position().topic()).isEqualTo("rt.batch." + (i % 3));
                assertThat(r.duplicate()).isFalse();
            }
        }
        // per topic, positions grow in publish order
        for (int t = 0; t < 3; t++) {
            StreamPosition last = null;
            for (int i = t; i < futures.size(); i += 3) {
                if (i == 7) {
                    continue;
                }
                StreamPosition p = futures.get(i).join().position();
                if (last != null) {
                    assertThat(last.isBefore(p)).as("%s before %s", last, p).isTrue();
                }
                last = p;
            }
        }
    }

    @Test
    void aRetriedPublishWithTheSameIdIsAckedAsDuplicateAndDeliveredOnce() throws Exception {
        TidegateClient pub = client("pub", gateway.target());
        TidegateClient sub = client("sub", gateway.target());
        List<ReceivedMessage> got = new CopyOnWriteArrayList<>();
        sub.subscribe(SubscriptionOptions.broadcast("rt.dedup"), got::add).confirmed().get();

        Message m = msg("rt.dedup", "once").toBuilder().setId("order-42").build();
        PublishReceipt first = pub.publish(m).join();
        PublishReceipt again = pub.publish(m).join();
        pub.publish(msg("rt.dedup", "marker")).join();

        assertThat(again.duplicate()).isTrue();
        assertThat(again.position()).isEqualTo(first.position());
        await().until(() -> got.size() == 2);
        assertThat(got).extracting(ClientAgainstGatewayTest::text).containsExactly("once", "marker");
    }

    @Test
    void broadcastSubscriberResumesAfterReconnectWithoutGapsOrDuplicates() throws Exception {
        TidegateClient pub = client("pub", gateway.target());
        TidegateClient sub = client("sub", proxy.target());
        Map<String, List<String>> got = new ConcurrentHashMap<>();
        sub.subscribe(SubscriptionOptions.builder().patterns("rt.resume.*").credit(50).build(),
                m -> got.computeIfAbsent(m.position().topic(), t -> new CopyOnWriteArrayList<>()).add(text(m)))
                .confirmed().get();

        int n = 3000;
        Thread publisher = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                pub.publish(msg("rt.resume." + (i % 2 == 0 ? "A" : "B"), Integer.toString(i)));
                if (i % 100 == 0) {
                    sleep(10);
                }
            }
        });
        publisher.start();
        for (int cut = 1; cut <= 3; cut++) {
            sleep(80);
            int before = connects.get("sub").get();
            proxy.cutAll();
            await().until(() -> connects.get("sub").get() > before);
        }
        publisher.join();

        await().atMost(Duration.ofSeconds(20)).until(() -> got.values().stream().mapToInt(List::size).sum() >= n);
        sleep(200);
        assertThat(got.get("rt.resume.A")).containsExactlyElementsOf(numbered(0, n).stream().filter(s -> Integer.parseInt(s) % 2 == 0).toList());
        assertThat(got.get("rt.resume.B")).containsExactlyElementsOf(numbered(0, n).stream().filter(s -> Integer.parseInt(s) % 2 == 1).toList());
    }

    @Test
    void publisherThatReconnectsMidStreamDeliversEveryMessageExactlyOnce() throws Exception {
        TidegateClient pub = client("pub", proxy.target());
        TidegateClient sub = client("sub", gateway.target());
        List<String> got = new CopyOnWriteArrayList<>();
        sub.subscribe(SubscriptionOptions.broadcast("rt.retry"), m -> got.add(text(m))).confirmed().get();
        assertThat(pub.awaitConnected(Duration.ofSeconds(5))).isTrue();

        int n = 5000;
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pub.publish(msg("rt.retry", Integer.toString(i))));
            if (i == 1000 || i == 3000) {
                // a cut can also hit the reconnect it races with, so wait for "more", not "exactly one more"
                int before = connects.get("pub").get();
                proxy.cutAll();
                await().until(() -> connects.get("pub").get() > before);
            }
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();

        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() >= n);
        sleep(200);
        assertThat(got).hasSize(n).doesNotHaveDuplicates();
        assertThat(got).containsExactlyElementsOf(numbered(0, n));
    }

    @Test
    void groupMemberGetsPendingMessagesRedeliveredAfterReconnect() throws Exception {
        TidegateClient pub = client("pub", gateway.target());
        TidegateClient worker = client("worker", proxy.target());
        Map<String, Integer> deliveries = new ConcurrentHashMap<>();
        CopyOnWriteArrayList<String> acked = new CopyOnWriteArrayList<>();
        worker.subscribe(SubscriptionOptions.builder().group("workers").patterns("rt.jobs").ackMode(AckMode.MANUAL)
                .ackDeadline(Duration.ofMillis(500)).build(), m -> {
                    deliveries.merge(text(m), m.deliveryCount(), Math::max);
                    if (m.deliveryCount() > 1) { // the first delivery is "lost" with the connection
                        m.ack();
                        acked.add(text(m));
                    }
                }).confirmed().get();

        for (int i = 0; i < 20; i++) {
            pub.publish(msg("rt.jobs", Integer.toString(i))).join();
        }
        await().until(() -> deliveries.size() == 20);
        proxy.cutAll();
        await().until(() -> connects.get("worker").get() >= 2);

        await().atMost(Duration.ofSeconds(15)).until(() -> acked.size() >= 20);
        assertThat(acked).containsExactlyInAnyOrderElementsOf(numbered(0, 20));
        assertThat(deliveries.values()).allSatisfy(c -> assertThat(c).isGreaterThanOrEqualTo(2));
    }

    @Test
    void handlerFailureNacksAndTheMessageComesBackAfterTheRetryDelay() throws Exception {
        TidegateClient pub = client("pub", gateway.target());
        TidegateClient worker = client("worker", gateway.target());
        List<Integer> counts = new CopyOnWriteArrayList<>();
        List<Long> times = new CopyOnWriteArrayList<>();
        worker.subscribe(SubscriptionOptions.builder().group("fails").patterns("rt.fail").retryDelay(Duration.ofMillis(300))
                .build(), m -> {
                    counts.add(m.deliveryCount());
                    times.add(System.nanoTime());
                    if (m.deliveryCount() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                }).confirmed().get();

        pub.publish(msg("rt.fail", "job")).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> counts.size() >= 2);
        sleep(800); // acked on the second delivery: no third
        assertThat(counts).containsExactly(1, 2);
        assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void creditLimitsOutstandingMessages() throws Exception {
        TidegateClient pub = client("pub", gateway.target());
        TidegateClient sub = client("sub", gateway.target());
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger maxBuffered = new AtomicInteger();
        Subscription[] self = new Subscription[1];
        self[0] = sub.subscribe(SubscriptionOptions.builder().patterns("rt.credit").credit(10).build(), m -> {
            maxBuffered.accumulateAndGet(self[0].bufferedMessages(), Math::max);
            release.await();
            handled.incrementAndGet();
        });
        self[0].confirmed().get();
        for (int i = 0; i < 200; i++) {
            pub.publish(msg("rt.credit", Integer.toString(i)));
        }
        await().until(() -> self[0].bufferedMessages() == 10);
        sleep(300);
        assertThat(self[0].bufferedMessages()).isEqualTo(10);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 200);
        assertThat(maxBuffered.get()).isLessThanOrEqualTo(10);
    }

    @Test
    void aGatewayThatStopsAnsweringIsNoticedAndTheClientReconnects() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        TidegateClient c = TidegateClient.builder().endpoints(proxy.target())
                .streamPing(Duration.ofMillis(100), Duration.ofMillis(300))
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100), 0)
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void onConnected(String endpoint, String gatewayId, String sessionId) {
                        events.add("up");
                    }

                    @Override
                    public void onDisconnected(String endpoint, Throwable cause) {
                        events.add("down");
                    }
                }).build();
        clients.add(c);
        assertThat(c.awaitConnected(Duration.ofSeconds(5))).isTrue();
        proxy.freezeOpenConnections();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.equals(List.of("up", "down", "up")));
        assertThat(c.publish(msg("rt.alive", "x")).get().position().topic()).isEqualTo("rt.alive");
    }

    @Test
    void clientFailsOverToTheNextEndpointWhenItsGatewayDrains() throws Exception {
        try (EmbeddedGateway second = EmbeddedGateway.startOnLoopback("gateway-id=second")) {
            TidegateClient c = TidegateClient.builder().endpoints(gateway.target(), second.target())
                    .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100), 0).build();
            clients.add(c);
            c.publish(msg("rt.failover", "first")).join();

            gateway.close();
            PublishReceipt r = c.publish(msg("rt.failover", "second")).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.position().topic()).isEqualTo("rt.failover");
            assertThat(c.welcome().getGatewayId()).isEqualTo("second");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
