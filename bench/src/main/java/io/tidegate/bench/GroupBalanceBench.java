package io.tidegate.bench;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.AckMode;
import io.tidegate.sdk.ReceivedMessage;
import io.tidegate.sdk.Subscription;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code delivery.balancer = pull} against {@code predictive} through real gateways: a consumer
 * group of four members (Java SDK clients, a credit window of 10 each) working one message at a
 * time, 2 ms per message, each acked when its work is done; one member is 10× slower (20 ms),
 * either from the start ({@code slow-member}) or from half-way through the measured period
 * ({@code slows-down}). A publisher on the first gateway sends at a fixed rate, by default 300
 * per second (about half of what the group took on the development VM); each message carries its
 * send time, and the member records publish→ack. Runs on one gateway with the memory backend, on
 * one gateway with Redis, and on two gateway replicas sharing one Redis (members 0-1 on the
 * first, 2-3 on the second: the slow member shares its replica with a fast one). Prints a
 * Markdown table: messages measured, p50/p99/p99.9 in ms, the slow member's share.
 *
 * <p>Usage: {@code GroupBalanceBench [measured seconds per run, default 12] [only runs whose
 * "scenario gateways balancer" contains this, default all] [publishes per second, default 300]}.
 * After one discarded run that warms the JVM up, each run has a 2 s warm-up, its measured period
 * and the drain: 12 runs of 10 s take about four minutes. A real redis-server is started on a
 * free port ({@code redis-server} must be on the PATH). Not thread-safe; run as a main.
 */
public final class GroupBalanceBench {

    private static final int MEMBERS = 4;
    private static final long FAST_MILLIS = 2;
    private static final long SLOW_MILLIS = 20;
    private static final int CREDIT = 10;
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final int WARM_UP_RUN_SECONDS = 8;
    /**
     * Publishes per second. The SDK grants credit back at the end of a handler run, so a member
     * takes at most its window per (work + round trip); on a shared 2-core VM that left the group
     * barely above 600/s, and runs at that rate measured their own backlog, not the balancer.
     */
    private static final int DEFAULT_RATE = 300;

    private GroupBalanceBench() {
    }

    private record Row(String scenario, String gateways, String balancer, long messages, double p50, double p99,
                       double p999, double slowShare) {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        String only = args.length > 1 ? args[1] : "";
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_RATE;
        List<Row> rows = new ArrayList<>();
        int run = 0;
        try (RedisServer redis = RedisServer.start()) {
            // a cold JVM cannot keep up at first, and the first runs would measure that backlog
            System.err.println("warming up (discarded): " + run("slow-member", "1 (Redis)", "pull", redis.uri(),
                    WARM_UP_RUN_SECONDS, rate, run++));
            for (String scenario : List.of("slow-member", "slows-down")) {
                for (String gateways : List.of("1 (memory)", "1 (Redis)", "2 (Redis)")) {
                    for (String balancer : List.of("pull", "predictive")) {
                        if (!(scenario + " " + gateways + " " + balancer).contains(only)) {
                            continue;
                        }
                        Row row = run(scenario, gateways, balancer, redis.uri(), seconds, rate, run++);
                        System.err.printf(Locale.ROOT, "%s%n", row);
                        rows.add(row);
                    }
                }
            }
        }
        System.out.println("| scenario | gateways | balancer | messages | p50 ms | p99 ms | p99.9 ms | slow member's share |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %.1f | %.1f | %.1f | %.3f |%n", r.scenario, r.gateways,
                    r.balancer, r.messages, r.p50, r.p99, r.p999, r.slowShare);
        }
        System.exit(0);
    }

    private static Row run(String scenario, String gateways, String balancer, String redisUri, int seconds, int rate,
                           int run)
            throws Exception {
        boolean redis = gateways.contains("Redis");
        int replicas = gateways.startsWith("2") ? 2 : 1;
        String backend = redis ? "backend.redis.uri=" + redisUri : "backend.type=memory";
        String topic = "bench.balance.run" + run;
        List<EmbeddedGateway> started = new ArrayList<>();
        List<TidegateClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < replicas; i++) {
                started.add(EmbeddedGateway.startOnLoopback(backend, "delivery.balancer=" + balancer,
                        "otel.metrics.enabled=false"));
            }
            long startNanos = System.nanoTime();
            long measureFrom = startNanos + WARM_UP.toNanos();
            long measureUntil = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
            long slowFrom = scenario.equals("slow-member") ? 0 : measureFrom + (measureUntil - measureFrom) / 2;
            Recorder latency = new Recorder(3);
            LongAdder[] handled = new LongAdder[MEMBERS];
            AtomicLong measured = new AtomicLong();
            List<Subscription> subscriptions = new ArrayList<>();
            for (int m = 0; m < MEMBERS; m++) {
                EmbeddedGateway on = started.get(replicas == 2 && m >= 2 ? 1 : 0);
                TidegateClient member = TidegateClient.builder().endpoints(on.target()).clientName("member-" + m).build();
                clients.add(member);
                LongAdder count = new LongAdder();
                handled[m] = count;
                boolean slowOne = m == MEMBERS - 1;
                subscriptions.add(member.subscribe(SubscriptionOptions.builder().group("g" + run).patterns(topic)
                        .credit(CREDIT).ackDeadline(Duration.ofSeconds(30)).ackMode(AckMode.MANUAL).build(), msg -> {
                            long now = System.nanoTime();
                            Thread.sleep(slowOne && now >= slowFrom ? SLOW_MILLIS : FAST_MILLIS);
                            // at once, not with the rest of the handler run: the gateway sees when each was done
                            msg.ack();
                            long stamp = stampOf(msg);
                            if (stamp >= measureFrom && stamp < measureUntil) {
                                latency.recordValue(Math.max(0, System.nanoTime() - stamp));
                                measured.incrementAndGet();
                                count.increment();
                            }
                        }));
            }
            for (Subscription s : subscriptions) {
                s.confirmed().get(10, TimeUnit.SECONDS);
            }
            TidegateClient publisher = TidegateClient.builder().endpoints(started.get(0).target())
                    .clientName("publisher").build();
            clients.add(publisher);
            long sent = publish(publisher, topic, startNanos, measureUntil, rate);
            long measuredSent = sent - (long) ((measureFrom - startNanos) / 1e9 * rate);
            long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (measured.get() < measuredSent && System.nanoTime() < drainUntil) {
                Thread.sleep(20);
            }
            Histogram h = latency.getIntervalHistogram();
            long total = 0;
            for (LongAdder c : handled) {
                total += c.sum();
            }
            return new Row(scenario, gateways, balancer, h.getTotalCount(), h.getValueAtPercentile(50) / 1e6,
                    h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
                    total == 0 ? 0 : (double) handled[MEMBERS - 1].sum() / total);
        } finally {
            clients.forEach(TidegateClient::close);
            started.forEach(EmbeddedGateway::close);
        }
    }

    /** Publishes {@code rate} per second until {@code until}; returns how many were sent. */
    private static long publish(TidegateClient publisher, String topic, long startNanos, long until, int rate)
            throws InterruptedException {
        long sent = 0;
        long interval = 1_000_000_000L / rate;
        while (true) {
            long now = System.nanoTime();
            if (now >= until) {
                return sent;
            }
            long due = (now - startNanos) / interval + 1;
            for (; sent < due; sent++) {
                byte[] payload = new byte[16];
                long stamp = System.nanoTime();
                for (int i = 0; i < 8; i++) {
                    payload[i] = (byte) (stamp >>> (56 - 8 * i));
                }
                publisher.publish(Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFrom(payload)).build());
            }
            Thread.sleep(1);
        }
    }

    private static long stampOf(ReceivedMessage m) {
        ByteString p = m.message().getPayload();
        long stamp = 0;
        for (int i = 0; i < 8; i++) {
            stamp = (stamp << 8) | (p.byteAt(i) & 0xFF);
        }
        return stamp;
    }
}
