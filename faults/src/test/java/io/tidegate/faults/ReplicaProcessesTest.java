package io.tidegate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.SubscriptionMode;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway replicas, each its own JVM, sharing one real redis-server, with SDK clients: what
 * one replica accepts the other delivers, group members on both share the work, and a client that
 * knows both endpoints fails over when its replica is SIGKILLed and resumes without loss.
 */
class ReplicaProcessesTest {

    @TempDir
    Path workDir;

    private RedisServer redis;
    private GatewayReplica a;
    private GatewayReplica b;

    @BeforeEach
    void startReplicas() throws Exception {
        redis = RedisServer.start();
        a = replica("rep-a");
        b = replica("rep-b");
    }

    @AfterEach
    void stopReplicas() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private GatewayReplica replica(String name) throws Exception {
        return GatewayReplica.start(name, workDir, List.of("-Xmx256m"), "--backend.redis.uri=" + redis.uri(),
                "--resilience.spool.dir=" + workDir.resolve("spool-" + name));
    }

    private static List<CompletableFuture<?>> publish(TidegateClient client, String topic, String prefix, int from, int n) {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            acks.add(client.publish(Message.newBuilder().setTopic(topic).setId(prefix + "-" + i)
                    .setPayload(ByteString.copyFromUtf8("m" + i)).build()));
        }
        return acks;
    }

    private static void awaitAll(List<CompletableFuture<?>> acks) {
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void subscriberOnReplicaBGetsWhatWasPublishedOnReplicaA() throws Exception {
        Tally tally = new Tally();
        try (TidegateClient pub = Clients.connect("pub", a.target());
             TidegateClient sub = Clients.connect("sub", b.target())) {
            Clients.subscribe(sub, SubscriptionOptions.broadcast("rep.ab.>"),
                    m -> tally.delivered("b", m.message().getId()));
            List<CompletableFuture<?>> acks = publish(pub, "rep.ab.x", "ab", 0, 300);
            awaitAll(acks);
            for (int i = 0; i < 300; i++) {
                tally.acked("ab-" + i, false);
            }
            assertThat(tally.awaitDelivered(Duration.ofSeconds(60), "b")).isTrue();
            assertThat(tally.duplicates("b")).isZero();
        }
    }

    @Test
    void groupMembersOnTwoReplicasShareTheWork() throws Exception {
        Map<String, String> handledBy = new ConcurrentHashMap<>();
        AtomicInteger deliveries = new AtomicInteger();
        SubscriptionOptions work = SubscriptionOptions.builder().mode(SubscriptionMode.GROUP).group("rep-workers")
                .patterns("rep.work.>").credit(10).build();
        try (TidegateClient pub = Clients.connect("pub", a.target());
             TidegateClient onA = Clients.connect("worker-a", a.target());
             TidegateClient onB = Clients.connect("worker-b", b.target())) {
            Clients.subscribe(onA, work, m -> {
                deliveries.incrementAndGet();
                handledBy.put(m.message().getId(), "a");
                Thread.sleep(2); // a real job takes time, so the other member gets a share
            });
            Clients.subscribe(onB, work, m -> {
                deliveries.incrementAndGet();
                handledBy.put(m.message().getId(), "b");
                Thread.sleep(2);
            });
            awaitAll(publish(pub, "rep.work.jobs", "job", 0, 400));
            await("400 jobs handled", () -> handledBy.size() >= 400);
            long onReplicaA = handledBy.values().stream().filter("a"::equals).count();
            assertThat(onReplicaA).as("jobs handled by the member on replica A").isBetween(1L, 399L);
            assertThat(deliveries.get()).as("each job handled once").isEqualTo(400);
        }
    }

    @Test
    void clientWithBothEndpointsFailsOverWhenItsReplicaIsKilledAndResumes() throws Exception {
        Tally tally = new Tally();
        try (TidegateClient pub = Clients.connect("pub", b.target());
             TidegateClient sub = Clients.connect("sub", a.target(), b.target())) {
            assertThat(sub.welcome().getGatewayId()).isEqualTo("rep-a");
            Clients.subscribe(sub, SubscriptionOptions.broadcast("rep.fail.>"),
                    m -> tally.delivered("sub", m.message().getId()));
            awaitAll(publish(pub, "rep.fail.x", "f", 0, 200));
            await("first 200 delivered", () -> tally.delivered("sub") >= 200);
            a.kill();
            // published while the subscriber is cut off or reconnecting: it must resume after what it saw
            awaitAll(publish(pub, "rep.fail.x", "f", 200, 200));
            await("failover to B", () -> sub.isConnected() && "rep-b".equals(sub.welcome().getGatewayId()));
            awaitAll(publish(pub, "rep.fail.x", "f", 400, 200));
            for (int i = 0; i < 600; i++) {
                tally.acked("f-" + i, false);
            }
            assertThat(tally.awaitDelivered(Duration.ofSeconds(60), "sub")).as("all 600 delivered").isTrue();
            assertThat(tally.duplicates("sub")).isZero();
        }
    }

    @Test
    void sigtermedReplicaDrainsExitsZeroAndItsPublisherResendsToTheOtherReplica() throws Exception {
        Tally tally = new Tally();
        try (TidegateClient pub = Clients.connect("pub", a.target(), b.target());
             TidegateClient sub = Clients.connect("sub", b.target())) {
            assertThat(pub.welcome().getGatewayId()).isEqualTo("rep-a");
            Clients.subscribe(sub, SubscriptionOptions.broadcast("rep.term.>"),
                    m -> tally.delivered("sub", m.message().getId()));
            List<CompletableFuture<?>> acks = publish(pub, "rep.term.x", "t", 0, 2_000);
            int exit = a.terminate(Duration.ofSeconds(60));
            acks.addAll(publish(pub, "rep.term.x", "t", 2_000, 500));
            awaitAll(acks);
            assertThat(exit).as("exit code of a replica after a clean SIGTERM drain").isZero();
            for (int i = 0; i < 2_500; i++) {
                tally.acked("t-" + i, false);
            }
            assertThat(tally.awaitDelivered(Duration.ofSeconds(60), "sub")).as("all 2,500 delivered").isTrue();
        }
    }
}
