package io.tidegate.faults;

import io.tidegate.sdk.SubscriptionMode;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.List;

/**
 * Fault 3: a rolling restart of two replicas under steady load. SDK clients know both endpoints:
 * a publisher, a broadcast subscriber and two group members. Replica A gets SIGTERM (it drains
 * and sends GoAway, its clients move to B and resume), is started again on the same port, then
 * the same for B. Passes when no acknowledged message is lost to the broadcast subscriber or the
 * group and no publish failed.
 */
final class RollingRestartScenario implements Scenario {

    static final String BROADCAST = "broadcast";
    static final String GROUP = "group";

    @Override
    public String name() {
        return "rolling-restart";
    }

    @Override
    public Report run(Settings s) throws Exception {
        Duration settle = s.pick(Duration.ofSeconds(2), Duration.ofSeconds(10));
        int rate = s.pick(300, 1_000);
        Report report = new Report(name()).put("rate.per.s", rate);
        Tally tally = new Tally();
        try (RedisServer redis = RedisServer.start();
             GatewayReplica a = replica("roll-a", s, redis);
             GatewayReplica b = replica("roll-b", s, redis);
             TidegateClient pub = Clients.connect("roll-pub", a.target(), b.target());
             TidegateClient sub = Clients.connect("roll-sub", b.target(), a.target());
             TidegateClient w1 = Clients.connect("roll-w1", a.target(), b.target());
             TidegateClient w2 = Clients.connect("roll-w2", b.target(), a.target())) {
            Clients.subscribe(sub, SubscriptionOptions.broadcast("fault.roll.>"),
                    m -> tally.delivered(BROADCAST, m.message().getId()));
            SubscriptionOptions work = SubscriptionOptions.builder().mode(SubscriptionMode.GROUP).group("roll-workers")
                    .patterns("fault.roll.>").credit(50).build();
            Clients.subscribe(w1, work, m -> tally.delivered(GROUP, m.message().getId()));
            Clients.subscribe(w2, work, m -> tally.delivered(GROUP, m.message().getId()));
            SteadyPublisher publisher = new SteadyPublisher(pub, tally, "roll",
                    List.of("fault.roll.a", "fault.roll.b", "fault.roll.c"), rate, 100);
            Thread.sleep(settle.toMillis());
            for (GatewayReplica r : List.of(a, b)) {
                long t0 = System.nanoTime();
                int exit = r.terminate(Duration.ofSeconds(60));
                long drained = System.nanoTime();
                r.startAgain();
                report.check(exit == 0, r.name() + " exited 0 after its SIGTERM drain");
                report.put(r.name() + ".exit.code", exit)
                        .put(r.name() + ".drain.ms", (drained - t0) / 1_000_000)
                        .put(r.name() + ".down.ms", (System.nanoTime() - drained) / 1_000_000);
                Thread.sleep(settle.toMillis());
            }
            boolean settled = publisher.stopAndSettle(Duration.ofSeconds(60));
            boolean allDelivered = tally.awaitDelivered(Duration.ofSeconds(90), BROADCAST, GROUP);
            report.publishes(tally).view(tally, BROADCAST).view(tally, GROUP)
                    .put("all.delivered", allDelivered)
                    .check(settled, "every publish answered")
                    .check(tally.failed() == 0, "no publish failed")
                    .check(tally.lost(BROADCAST).isEmpty(), "no acknowledged message lost to the broadcast subscriber")
                    .check(tally.lost(GROUP).isEmpty(), "no acknowledged message lost to the group")
                    .check(tally.duplicates(BROADCAST) == 0, "no broadcast duplicates");
        }
        return report;
    }

    private static GatewayReplica replica(String name, Settings s, RedisServer redis) throws java.io.IOException {
        return GatewayReplica.start(name, s.workDir(), List.of("-Xmx512m"), "--backend.redis.uri=" + redis.uri(),
                "--resilience.spool.dir=" + s.workDir().resolve("spool-" + name),
                "--backend.redis.reclaim-interval=500ms");
    }
}
