package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Ack;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Credit;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.DeliveryBatch;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Nack;
import io.tidegate.proto.v1.Priority;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResponse;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.SubscribeRequest;
import io.tidegate.proto.v1.SubscribeResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a client sees on the Connect stream and the simple calls, against a real gateway. */
class ConnectStreamTest {

    private static EmbeddedGateway gateway;

    @BeforeAll
    static void startGateway() {
        gateway = EmbeddedGateway.startOnLoopback("delivery.default-ack-deadline=300ms");
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
    }

    private static List<String> payloads(List<Delivery> deliveries) {
        List<String> out = new ArrayList<>();
        for (Delivery d : deliveries) {
            out.add(d.getMessage().getPayload().toStringUtf8());
        }
        return out;
    }

    @Test
    void welcomeCarriesSessionGatewayAndLimits() {
        try (FrameClient c = FrameClient.open(gateway.target())) {
            long id = c.send(ConnectRequest.newBuilder().setHello(io.tidegate.proto.v1.Hello.newBuilder().setClientName("w")));
            var welcome = c.await(id).getWelcome();
            assertThat(welcome.getSessionId()).isNotBlank();
            assertThat(welcome.getGatewayId()).isEqualTo(gateway.config().gatewayId());
            assertThat(welcome.getLimits().getMaxPayloadBytes()).isEqualTo(1024 * 1024);
            assertThat(welcome.getLimits().getMaxFrameBytes()).isEqualTo(4 * 1024 * 1024);
        }
    }

    @Test
    void publishIsAckedWithPositionsAndDeliveredInOrder() {
        try (FrameClient sub = FrameClient.connected(gateway.target()); FrameClient pub = FrameClient.connected(gateway.target())) {
            assertThat(sub.await(sub.subscribe(broadcast("q", "rt.quotes.*"))).hasSubscribed()).isTrue();
            ConnectResponse ack = pub.await(pub.publish(msg("rt.quotes.A", "1"), msg("rt.quotes.B", "2"), msg("rt.quotes.A", "3")));
            assertThat(ack.getPublishAck().getResultsList()).allSatisfy(r -> assertThat(r.hasPosition()).isTrue());
            List<Delivery> got = sub.awaitDeliveries("q", 3);
            assertThat(payloads(got)).containsExactlyInAnyOrder("1", "2", "3");
            assertThat(payloads(got.stream().filter(d -> d.getPosition().getTopic().equals("rt.quotes.A")).toList()))
                    .containsExactly("1", "3");
            assertThat(got.get(0).getDeliveryCount()).isEqualTo(1);
            assertThat(got.get(0).getTsAccepted()).isPositive();
        }
    }

    @Test
    void creditIsExact() throws Exception {
        try (FrameClient sub = FrameClient.connected(gateway.target()); FrameClient pub = FrameClient.connected(gateway.target())) {
            sub.await(sub.subscribe(broadcast("c", "credit.exact").setInitialCredit(5)));
            for (int i = 0; i < 20; i++) {
                pub.await(pub.publish(msg("credit.exact", "m" + i)));
            }
            assertThat(sub.awaitDeliveries("c", 5)).hasSize(5);
            sub.assertNoDeliveryWithin("c", 300);
            sub.send(ConnectRequest.newBuilder().setCredit(Credit.newBuilder().setSubscriptionId("c").setMessages(15)));
            List<Delivery> rest = sub.awaitDeliveries("c", 15);
            assertThat(payloads(rest)).first().isEqualTo("m5");
            assertThat(payloads(rest)).last().isEqualTo("m19");
        }
    }

    @Test
    void slowSubscriberDoesNotDelayOthers() {
        try (FrameClient slow = FrameClient.openSlow(gateway.target()); FrameClient fast = FrameClient.connected(gateway.target());
             FrameClient pub = FrameClient.connected(gateway.target())) {
            slow.read(1);
            slow.await(slow.send(ConnectRequest.newBuilder().setHello(io.tidegate.proto.v1.Hello.newBuilder().setClientName("slow"))));
            slow.read(1);
            slow.await(slow.subscribe(broadcast("s", "fanout.topic").setInitialCredit(1_000_000)));
            fast.await(fast.subscribe(broadcast("f", "fanout.topic").setInitialCredit(1_000_000)));
            String payload = "y".repeat(4096);
            for (int i = 0; i < 100; i++) {
                Message[] batch = new Message[20];
                for (int j = 0; j < batch.length; j++) {
                    batch[j] = msg("fanout.topic", payload);
                }
                pub.await(pub.publish(batch));
            }
            // the slow client has read nothing since subscribing; the fast one gets all 2000
            assertThat(fast.awaitDeliveries("f", 2000)).hasSize(2000);
        }
    }

    @Test
    void conflatedSubscriberThatStopsReadingGetsTheLatestPerKeyWithCountsOfWhatItMissed() throws Exception {
        try (FrameClient slow = FrameClient.openSlow(gateway.target()); FrameClient fast = FrameClient.connected(gateway.target());
             FrameClient pub = FrameClient.connected(gateway.target())) {
            slow.read(1);
            slow.await(slow.send(ConnectRequest.newBuilder().setHello(io.tidegate.proto.v1.Hello.newBuilder().setClientName("slow"))));
            slow.read(1);
            // plenty of credit: what holds this subscriber back is that it stops reading its stream
            slow.await(slow.subscribe(broadcast("latest", "cfl.px.*").setInitialCredit(1_000_000).setConflate(true)));
            fast.await(fast.subscribe(broadcast("all", "cfl.px.*").setInitialCredit(1_000_000)));
            long supersededBefore = gateway.conflation().superseded();
            int keys = 5;
            int perKey = 200;
            String filler = "z".repeat(8 * 1024); // enough bytes to fill the transport windows
            for (int i = 0; i < perKey; i++) {
                Message[] batch = new Message[keys];
                for (int k = 0; k < keys; k++) {
                    batch[k] = msg("cfl.px.K" + k, i + ":" + filler);
                }
                pub.await(pub.publish(batch));
            }
            assertThat(fast.awaitDeliveries("all", keys * perKey)).hasSize(keys * perKey);
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.conflation().superseded() > supersededBefore);

            slow.read(Integer.MAX_VALUE);
            Map<String, List<Delivery>> byKey = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!lastIsLatest(byKey, keys, perKey) && System.nanoTime() < deadline) {
                for (Delivery d : slow.pollDeliveries("latest", 100)) {
                    byKey.computeIfAbsent(d.getMessage().getTopic(), t -> new ArrayList<>()).add(d);
                }
            }
            assertThat(lastIsLatest(byKey, keys, perKey)).as("the latest of every key arrived").isTrue();
            long received = 0;
            long missed = 0;
            for (List<Delivery> got : byKey.values()) {
                assertThat(got).extracting(ConnectStreamTest::seq).isSorted();
                long gotMissed = got.stream().mapToLong(Delivery::getConflatedBefore).sum();
                assertThat(got.size() + gotMissed).as("each quote delivered or counted as superseded").isEqualTo(perKey);
                received += got.size();
                missed += gotMissed;
            }
            System.out.printf("conflated subscriber that stopped reading: %d of %d delivered, %d superseded%n",
                    received, keys * perKey, missed);
            assertThat(missed).isPositive();
            assertThat(received).isLessThan((long) keys * perKey);
            assertThat(gateway.conflation().superseded() - supersededBefore).isEqualTo(missed);
        }
    }

    private static int seq(Delivery d) {
        String p = d.getMessage().getPayload().toStringUtf8();
        return Integer.parseInt(p.substring(0, p.indexOf(':')));
    }

    private static boolean lastIsLatest(Map<String, List<Delivery>> byKey, int keys, int perKey) {
        if (byKey.size() < keys) {
            return false;
        }
        return byKey.values().stream().allMatch(got -> seq(got.get(got.size() - 1)) == perKey - 1);
    }

    @Test
    void duplicateIdIsAckedAsDuplicateAndDeliveredOnce() throws Exception {
        try (FrameClient sub = FrameClient.connected(gateway.target()); FrameClient pub = FrameClient.connected(gateway.target())) {
            sub.await(sub.subscribe(broadcast("d", "dedup.topic")));
            Message m = msg("dedup.topic", "once").toBuilder().setId("order-42").build();
            var first = pub.await(pub.publish(m)).getPublishAck().getResults(0);
            var second = pub.await(pub.publish(m)).getPublishAck().getResults(0);
            assertThat(first.getDuplicate()).isFalse();
            assertThat(second.getDuplicate()).isTrue();
            assertThat(second.getPosition()).isEqualTo(first.getPosition());
            assertThat(sub.awaitDeliveries("d", 1)).hasSize(1);
            sub.assertNoDeliveryWithin("d", 300);
        }
    }

    @Test
    void groupMembersShareAndUnackedMessagesAreRedeliveredWithACount() throws Exception {
        try (FrameClient a = FrameClient.connected(gateway.target()); FrameClient b = FrameClient.connected(gateway.target());
             FrameClient pub = FrameClient.connected(gateway.target())) {
            // Long enough that, on a loaded machine, a's acks reach the gateway before its first deliveries expire.
            a.await(a.subscribe(group("ga", "share", "work.items").setAckDeadlineMs(5000)));
            b.await(b.subscribe(group("gb", "share", "work.items").setAckDeadlineMs(5000)));
            for (int i = 0; i < 40; i++) {
                pub.await(pub.publish(msg("work.items", "job" + i)));
            }
            List<Delivery> fromA = new ArrayList<>();
            List<Delivery> fromB = new ArrayList<>();
            while (fromA.size() + fromB.size() < 40) {
                fromA.addAll(a.pollDeliveries("ga", 20));
                fromB.addAll(b.pollDeliveries("gb", 20));
            }
            Set<String> seen = new HashSet<>(payloads(fromA));
            seen.addAll(payloads(fromB));
            assertThat(seen).as("each message to exactly one member").hasSize(40);
            assertThat(fromA).isNotEmpty();
            assertThat(fromB).isNotEmpty();

            // a acks everything it got; b acks nothing, so b's messages come back with count 2
            Ack.Builder ack = Ack.newBuilder().setSubscriptionId("ga");
            fromA.forEach(d -> ack.addPositions(d.getPosition()));
            a.send(ConnectRequest.newBuilder().setAck(ack));
            a.assertAlive();
            List<Delivery> again = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (again.size() < fromB.size() && System.nanoTime() < deadline) {
                again.addAll(a.pollDeliveries("ga", 20));
                again.addAll(b.pollDeliveries("gb", 20));
            }
            assertThat(payloads(again)).containsExactlyInAnyOrderElementsOf(payloads(fromB));
            assertThat(again).allSatisfy(d -> assertThat(d.getDeliveryCount()).isEqualTo(2));
        }
    }

    @Test
    void nackedMessageComesBackWithAHigherDeliveryCount() {
        try (FrameClient w = FrameClient.connected(gateway.target()); FrameClient pub = FrameClient.connected(gateway.target())) {
            w.await(w.subscribe(group("w", "retry", "retry.jobs")));
            pub.await(pub.publish(msg("retry.jobs", "flaky")));
            Delivery first = w.awaitDeliveries("w", 1).get(0);
            assertThat(first.getDeliveryCount()).isEqualTo(1);
            w.send(ConnectRequest.newBuilder().setNack(Nack.newBuilder().setSubscriptionId("w").addPositions(first.getPosition()).setDelayMs(100)));
            Delivery again = w.awaitDeliveries("w", 1).get(0);
            assertThat(again.getPosition()).isEqualTo(first.getPosition());
            assertThat(again.getDeliveryCount()).isEqualTo(2);
        }
    }

    @Test
    void strictKeyOrderHoldsLaterMessagesOfTheKeyBehindARetry() throws Exception {
        try (FrameClient w = FrameClient.connected(gateway.target()); FrameClient pub = FrameClient.connected(gateway.target())) {
            w.await(w.subscribe(group("s", "strict", "strict.orders").setStrictKeyOrder(true).setAckDeadlineMs(5000)));
            pub.await(pub.publish(
                    msg("strict.orders", "k1-first").toBuilder().setOrderingKey("k1").build(),
                    msg("strict.orders", "k1-second").toBuilder().setOrderingKey("k1").build(),
                    msg("strict.orders", "k2-only").toBuilder().setOrderingKey("k2").build()));
            List<Delivery> initial = w.awaitDeliveries("s", 2);
            assertThat(payloads(initial)).containsExactlyInAnyOrder("k1-first", "k2-only");
            Delivery k1 = initial.stream().filter(d -> d.getMessage().getOrderingKey().equals("k1")).findFirst().orElseThrow();
            w.send(ConnectRequest.newBuilder().setNack(Nack.newBuilder().setSubscriptionId("s").addPositions(k1.getPosition()).setDelayMs(200)));
            Delivery retried = w.awaitDeliveries("s", 1).get(0);
            assertThat(retried.getMessage().getPayload().toStringUtf8()).isEqualTo("k1-first");
            assertThat(retried.getDeliveryCount()).isEqualTo(2);
            w.assertNoDeliveryWithin("s", 200);
            w.send(ConnectRequest.newBuilder().setAck(Ack.newBuilder().setSubscriptionId("s").addPositions(retried.getPosition())));
            assertThat(payloads(w.awaitDeliveries("s", 1))).containsExactly("k1-second");
        }
    }

    @Test
    void patternSubscriptionSeesTopicsCreatedLater() {
        try (FrameClient sub = FrameClient.connected(gateway.target()); FrameClient pub = FrameClient.connected(gateway.target())) {
            sub.await(sub.subscribe(broadcast("p", "late.>")));
            pub.await(pub.publish(msg("late.brand.new.topic", "hello")));
            assertThat(payloads(sub.awaitDeliveries("p", 1))).containsExactly("hello");
        }
    }

    @Test
    void slowReaderGetsCriticalBeforeQueuedBulk() {
        try (FrameClient slow = FrameClient.openSlow(gateway.target()); FrameClient pub = FrameClient.connected(gateway.target())) {
            slow.read(1);
            slow.await(slow.send(ConnectRequest.newBuilder().setHello(io.tidegate.proto.v1.Hello.newBuilder().setClientName("slow"))));
            slow.read(1);
            slow.await(slow.subscribe(broadcast("mix", "prio.>").setInitialCredit(100_000)));
            // large BULK messages fill the transport window while the client reads nothing
            String filler = "x".repeat(64 * 1024);
            int bulk = 400;
            for (int i = 0; i < bulk; i++) {
                pub.await(pub.publish(msg("prio.bulk", filler + i, Priority.PRIORITY_BULK)));
            }
            pub.await(pub.publish(msg("prio.critical", "urgent", Priority.PRIORITY_CRITICAL)));
            slow.read(Integer.MAX_VALUE);
            List<Delivery> got = slow.awaitDeliveries("mix", bulk + 1);
            int criticalAt = payloads(got).indexOf("urgent");
            // published last, it overtook the BULK messages still queued in the gateway
            // (those already in the transport's window could not be overtaken)
            assertThat(criticalAt).as("CRITICAL delivered at index %d of %d", criticalAt, bulk + 1).isLessThan(bulk);
        }
    }

    @Test
    void unaryPublishAndServerStreamingSubscribeWork() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
        try {
            Iterator<SubscribeResponse> stream = GatewayServiceGrpc.newBlockingStub(channel).subscribe(
                    SubscribeRequest.newBuilder().setSubscription(broadcast("u", "unary.topic")
                            .setStart(io.tidegate.proto.v1.StartPosition.newBuilder().setKind(io.tidegate.proto.v1.StartPosition.Kind.KIND_EARLIEST))).build());
            PublishResponse r = GatewayServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .publish(PublishRequest.newBuilder().addMessages(msg("unary.topic", "via-unary")).build());
            assertThat(r.getResults(0).hasPosition()).isTrue();
            assertThat(stream.next().getDeliveries(0).getMessage().getPayload().toStringUtf8()).isEqualTo("via-unary");
        } finally {
            channel.shutdownNow();
        }
    }
}
