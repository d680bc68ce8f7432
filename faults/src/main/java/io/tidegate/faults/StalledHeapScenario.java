package io.tidegate.faults;

import com.google.protobuf.ByteString;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 17: one subscriber must not take a gateway down. A gateway on Redis runs with a small
 * heap (-Xmx256m); a broadcast subscriber grants credit 1,000,000 and stops reading its stream at
 * the transport ({@link StalledStream}) while a publisher sends 40,000 messages of 16 KiB (quick:
 * 30,000), several times the heap. The backlog must stay in Redis: the publisher gets every ack,
 * the gateway answers {@code /healthz} and welcomes new streams throughout, and once the stalled
 * subscriber reads again it gets every message, in publish order, once. Reports the gateway's
 * outbound bytes (the {@code tidegate_outbound_queued_bytes} gauge, sampled), heap and RSS.
 */
final class StalledHeapScenario implements Scenario {

    private static final String TOPIC = "fault.heap.t";
    private static final int PAYLOAD_BYTES = 16 * 1024;
    private static final int IN_FLIGHT = 256;
    private static final String HEAP = "-Xmx256m";

    @Override
    public String name() {
        return "stalled-heap";
    }

    @Override
    public Report run(Settings s) throws Exception {
        int messages = s.pick(30_000, 40_000);
        Report report = new Report(name()).put("gateway.heap", HEAP).put("messages", messages)
                .put("payload.bytes", PAYLOAD_BYTES)
                .put("published.mib", (long) messages * PAYLOAD_BYTES >> 20);
        Tally tally = new Tally();
        AtomicLong nextSeq = new AtomicLong();
        AtomicInteger outOfOrder = new AtomicInteger();
        try (RedisServer redis = RedisServer.start();
             GatewayReplica gw = GatewayReplica.startWithAdmin("heap-gw", s.workDir(), List.of(HEAP),
                     "--backend.redis.uri=" + redis.uri(), "--resilience.spool.dir=" + s.workDir().resolve("spool-heap"));
             TidegateClient pub = Clients.connect("heap-pub", gw.target());
             StalledStream stalled = StalledStream.open(gw.target(), "heap-stalled", TOPIC, 1_000_000, d -> {
                 long seq = d.getMessage().getPayload().asReadOnlyByteBuffer().getLong();
                 if (nextSeq.getAndSet(seq + 1) != seq) {
                     outOfOrder.incrementAndGet();
                 }
                 tally.delivered("stalled", d.getMessage().getId());
             });
             HealthWatch watch = HealthWatch.start(gw)) {
            long started = System.nanoTime();
            boolean settled = publish(pub, tally, messages, gw);
            report.put("publish.seconds", seconds(System.nanoTime() - started));
            report.put("heap.during.used.mib", gw.heapUsedMiB()).put("heap.during.live.mib", gw.heapLiveMiB())
                    .put("rss.during.mib", gw.rssMiB());
            int deliveredWhileStalled = tally.delivered("stalled");
            boolean healthyAfter = gw.healthy() && WelcomeProbe.welcomed(gw.target(), Duration.ofSeconds(10));
            watch.stop();

            long resumed = System.nanoTime();
            stalled.resume();
            // a gateway that died cannot deliver the rest: no point waiting for it
            boolean caughtUp = gw.isAlive() && tally.awaitDelivered(Duration.ofSeconds(300), "stalled");
            report.put("catchup.seconds", seconds(System.nanoTime() - resumed));
            boolean alive = gw.isAlive();
            report.publishes(tally)
                    .put("healthz.ok", watch.healthOk.get()).put("healthz.failed", watch.healthFailed.get())
                    .put("welcome.ok", watch.welcomeOk.get()).put("welcome.failed", watch.welcomeFailed.get())
                    .put("outbound.queued.max.mib", String.format("%.1f", watch.maxQueuedBytes.get() / 1048576.0))
                    .put("stalled.delivered.while.stalled", deliveredWhileStalled)
                    .view(tally, "stalled").put("stalled.out.of.order", outOfOrder.get())
                    .put("gateway.alive", alive)
                    .check(settled && tally.acked() == messages && tally.failed() == 0, "the publisher got every ack")
                    .check(watch.healthFailed.get() == 0 && watch.healthOk.get() > 0, "/healthz answered throughout")
                    .check(watch.welcomeFailed.get() == 0 && watch.welcomeOk.get() > 0, "new streams got Welcome throughout")
                    .check(healthyAfter && alive, "the gateway was healthy after the publishing")
                    .check(caughtUp && tally.lost("stalled").isEmpty(), "the stalled subscriber got every message once it read")
                    .check(tally.duplicates("stalled") == 0, "the stalled subscriber got nothing twice")
                    .check(outOfOrder.get() == 0, "the stalled subscriber got them in publish order");
        }
        return report;
    }

    /** Publishes {@code messages} in order, at most {@value #IN_FLIGHT} unanswered; true once all were answered. */
    private static boolean publish(TidegateClient pub, Tally tally, int messages, GatewayReplica gw)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        byte[] filler = new byte[PAYLOAD_BYTES - Long.BYTES];
        for (int n = 0; n < messages; n++) {
            while (!inFlight.tryAcquire(1, TimeUnit.SECONDS)) {
                if (!gw.isAlive()) {
                    return false;
                }
            }
            String id = "heap-" + n;
            ByteString payload = ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(n).array())
                    .concat(ByteString.copyFrom(filler));
            tally.sent(id);
            try {
                pub.publish(Message.newBuilder().setId(id).setTopic(TOPIC).setPayload(payload).build())
                        .whenComplete((receipt, error) -> {
                            if (error != null) {
                                tally.failed(id, error);
                            } else {
                                tally.acked(id, receipt.spooled());
                            }
                            inFlight.release();
                        });
            } catch (RuntimeException e) {
                tally.failed(id, e);
                inFlight.release();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!inFlight.tryAcquire(IN_FLIGHT, 1, TimeUnit.SECONDS)) {
            if (System.nanoTime() > deadline || !gw.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private static String seconds(long nanos) {
        return String.format("%.1f", nanos / 1e9);
    }

    /**
     * Asks the gateway every half second, from its own thread, whether {@code /healthz} answers and
     * a new stream gets Welcome, and samples its outbound bytes. Counters are read after {@link #stop}.
     */
    private static final class HealthWatch implements AutoCloseable {
        final AtomicInteger healthOk = new AtomicInteger();
        final AtomicInteger healthFailed = new AtomicInteger();
        final AtomicInteger welcomeOk = new AtomicInteger();
        final AtomicInteger welcomeFailed = new AtomicInteger();
        final AtomicLong maxQueuedBytes = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        private HealthWatch(GatewayReplica gw) {
            thread = new Thread(() -> {
                while (running.get()) {
                    (gw.healthy() ? healthOk : healthFailed).incrementAndGet();
                    (WelcomeProbe.welcomed(gw.target(), Duration.ofSeconds(5)) ? welcomeOk : welcomeFailed)
                            .incrementAndGet();
                    maxQueuedBytes.accumulateAndGet((long) gw.metric("tidegate_outbound_queued_bytes"), Math::max);
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "stalled-heap-health");
            thread.setDaemon(true);
        }

        static HealthWatch start(GatewayReplica gw) {
            HealthWatch w = new HealthWatch(gw);
            w.thread.start();
            return w;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
