package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Ack;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Credit;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code delivery.balancer = predictive} on two gateway replicas sharing one real Redis, through
 * real gRPC streams: a group of four members, two on each replica, each working one message at a
 * time with a window of four; the one 10× slower than the others (20 ms against 2 ms per message)
 * shares its replica with a fast one. Each replica sees only its own members, yet the slow one
 * gets few messages, every message is acked, and none is delivered twice.
 */
class PredictiveBalancingAcrossReplicasTest {

    private static final String TOPIC = "balanced.jobs";
    private static final int TOTAL = 300;

    @Test
    void theSlowMemberGetsFewMessagesAcrossTwoReplicasAndEveryMessageIsAckedOnce() throws Exception {
        String[] settings = {"delivery.balancer=predictive", "backend.redis.block-timeout=100ms"};
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway a = EmbeddedGateway.startOnLoopback(with(settings, "backend.redis.uri=" + redis.uri()));
             EmbeddedGateway b = EmbeddedGateway.startOnLoopback(with(settings, "backend.redis.uri=" + redis.uri()));
             FrameClient pub = FrameClient.connected(a.target())) {
            List<FrameClient> members = List.of(FrameClient.connected(a.target()), FrameClient.connected(a.target()),
                    FrameClient.connected(b.target()), FrameClient.connected(b.target()));
            long[] serviceMillis = {2, 2, 2, 20};
            int[] delivered = new int[members.size()];
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicInteger duplicates = new AtomicInteger();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> workers = new ArrayList<>();
            try {
                for (FrameClient m : members) {
                    m.await(m.subscribe(group("w", "workers", TOPIC).setAckDeadlineMs(30_000).setInitialCredit(4)));
                }
                for (int i = 0; i < members.size(); i++) {
                    int index = i;
                    FrameClient m = members.get(i);
                    Thread worker = new Thread(() -> {
                        try {
                            while (running.get()) {
                                for (Delivery d : m.pollDeliveries("w", 5)) {
                                    delivered[index]++;
                                    Thread.sleep(serviceMillis[index]);
                                    if (!acked.add(d.getMessage().getPayload().toStringUtf8())) {
                                        duplicates.incrementAndGet();
                                    }
                                    m.send(ConnectRequest.newBuilder().setAck(
                                            Ack.newBuilder().setSubscriptionId("w").addPositions(d.getPosition())));
                                    m.send(ConnectRequest.newBuilder().setCredit(
                                            Credit.newBuilder().setSubscriptionId("w").setMessages(1)));
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                    }, "member-" + i);
                    worker.start();
                    workers.add(worker);
                }
                for (int from = 0; from < TOTAL; from += 3) {
                    Message[] batch = new Message[3];
                    for (int i = 0; i < 3; i++) {
                        batch[i] = msg(TOPIC, "job-" + (from + i));
                    }
                    pub.await(pub.publish(batch));
                    Thread.sleep(10);
                }
                long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (acked.size() < TOTAL && System.nanoTime() < giveUpAt && failures.isEmpty()) {
                    Thread.sleep(20);
                }
            } finally {
                running.set(false);
                for (Thread w : workers) {
                    w.join(5_000);
                }
                members.forEach(FrameClient::close);
            }
            System.out.printf("messages per member (a, a, b, slow on b): %s%n", Arrays.toString(delivered));
            assertThat(failures).isEmpty();
            assertThat(acked).as("every message acked").hasSize(TOTAL);
            assertThat(duplicates.get()).as("messages delivered twice").isZero();
            double fastAverage = (delivered[0] + delivered[1] + delivered[2]) / 3.0;
            assertThat((double) delivered[3]).as("the slow member's messages against the fast average %.1f", fastAverage)
                    .isLessThan(fastAverage / 3);
        }
    }

    private static String[] with(String[] settings, String more) {
        String[] all = Arrays.copyOf(settings, settings.length + 1);
        all[settings.length] = more;
        return all;
    }
}
