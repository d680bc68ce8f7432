package io.tidegate.faults;

import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Fault 4: one subscriber stops reading (its handler blocks) for 30 s while a steady stream
 * flows through one gateway on Redis to it and to three other subscribers. The others' latency
 * (publish to handler, in this JVM) is measured before and during the stall, and the gateway's
 * heap before, during and after. The stalled subscriber's backlog stays in Redis (credits), so the
 * gateway heap does not grow with it; after the stall it catches up. Passes when no subscriber
 * lost an acknowledged message; the latency and heap figures are reported for judgement (CPU
 * contention makes them unfit for a pass/fail threshold).
 */
final class StalledSubscriberScenario implements Scenario {

    private static final int OTHERS = 3;

    @Override
    public String name() {
        return "stalled-subscriber";
    }

    @Override
    public Report run(Settings s) throws Exception {
        Duration warmup = s.pick(Duration.ofSeconds(3), Duration.ofSeconds(15));
        Duration window = s.pick(Duration.ofSeconds(5), Duration.ofSeconds(30));
        int rate = s.pick(300, 2_000);
        Report report = new Report(name()).put("rate.per.s", rate).put("stall", window)
                .put("payload.bytes", 200);
        Tally tally = new Tally();
        Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicBoolean stalled = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        List<TidegateClient> others = new ArrayList<>();
        try (RedisServer redis = RedisServer.start();
             GatewayReplica gw = GatewayReplica.start("stall-gw", s.workDir(), List.of("-Xmx512m"),
                     "--backend.redis.uri=" + redis.uri(), "--resilience.spool.dir=" + s.workDir().resolve("spool-stall"));
             TidegateClient pub = Clients.connect("stall-pub", gw.target());
             TidegateClient slow = Clients.connect("stall-slow", gw.target())) {
            for (int i = 0; i < OTHERS; i++) {
                TidegateClient c = Clients.connect("stall-other-" + i, gw.target());
                others.add(c);
                String view = "other-" + i;
                Clients.subscribe(c, SubscriptionOptions.broadcast("fault.stall.>"), m -> {
                    latency.recordValue(Math.max(0, System.nanoTime() - SteadyPublisher.sentNanos(m.message().getPayload())));
                    tally.delivered(view, m.message().getId());
                });
            }
            Clients.subscribe(slow, SubscriptionOptions.builder().patterns("fault.stall.>").credit(100).build(), m -> {
                if (stalled.get()) {
                    release.await();
                }
                tally.delivered("slow", m.message().getId());
            });
            SteadyPublisher publisher = new SteadyPublisher(pub, tally, "stall",
                    List.of("fault.stall.a", "fault.stall.b"), rate, 200);
            Thread.sleep(warmup.toMillis());
            report.put("heap.before.used.mib", gw.heapUsedMiB()).put("heap.before.live.mib", gw.heapLiveMiB())
                    .put("rss.before.mib", gw.rssMiB());
            Thread.sleep(1_000); // let the GC above pass out of the window
            latency.getIntervalHistogram();
            Thread.sleep(window.toMillis());
            Histogram before = latency.getIntervalHistogram();

            stalled.set(true);
            int slowBefore = tally.delivered("slow");
            Thread.sleep(window.toMillis());
            Histogram during = latency.getIntervalHistogram();
            int slowDuring = tally.delivered("slow") - slowBefore;
            report.put("heap.during.used.mib", gw.heapUsedMiB()).put("heap.during.live.mib", gw.heapLiveMiB())
                    .put("rss.during.mib", gw.rssMiB());
            stalled.set(false);
            release.countDown();

            boolean settled = publisher.stopAndSettle(Duration.ofSeconds(30));
            String[] views = new String[OTHERS + 1];
            for (int i = 0; i < OTHERS; i++) {
                views[i] = "other-" + i;
            }
            views[OTHERS] = "slow";
            boolean allDelivered = tally.awaitDelivered(Duration.ofSeconds(120), views);
            report.put("heap.after.used.mib", gw.heapUsedMiB()).put("heap.after.live.mib", gw.heapLiveMiB())
                    .put("rss.after.mib", gw.rssMiB());
            report.put("others.before", describe(before)).put("others.during", describe(during))
                    .put("others.p99.before.ms", ms(before.getValueAtPercentile(99)))
                    .put("others.p99.during.ms", ms(during.getValueAtPercentile(99)))
                    .put("slow.handled.during.stall", slowDuring)
                    .publishes(tally);
            long lostOthers = 0;
            for (int i = 0; i < OTHERS; i++) {
                lostOthers += tally.lost(views[i]).size();
            }
            report.put("others.lost", lostOthers).view(tally, "slow").put("all.delivered", allDelivered)
                    .check(settled, "every publish answered")
                    .check(lostOthers == 0, "no acknowledged message lost to the other subscribers")
                    .check(tally.lost("slow").isEmpty(), "the stalled subscriber caught up without loss")
                    .check(slowDuring <= 1, "the stalled subscriber handled nothing while stalled");
        } finally {
            release.countDown();
            others.forEach(TidegateClient::close);
        }
        return report;
    }

    private static String describe(Histogram h) {
        return String.format("n=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms", h.getTotalCount(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getMaxValue()));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
