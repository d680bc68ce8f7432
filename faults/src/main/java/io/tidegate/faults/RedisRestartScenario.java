package io.tidegate.faults;

import io.tidegate.sdk.SubscriptionMode;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.List;

/**
 * Fault 1: redis-server (AOF, fsync always) is SIGKILLed mid-stream and started again on the same
 * port after a while. One gateway; a publisher, a broadcast subscriber and two group members on
 * it. During the outage publishes are acknowledged from the gateway's disk spool, reads back off
 * behind their circuit breaker; afterwards the spool is replayed and both subscribers continue.
 * Passes when no acknowledged message is lost to either subscriber and the broadcast subscriber
 * got none twice.
 */
final class RedisRestartScenario implements Scenario {

    static final String BROADCAST = "broadcast";
    static final String GROUP = "group";

    @Override
    public String name() {
        return "redis-restart";
    }

    @Override
    public Report run(Settings s) throws Exception {
        Duration before = s.pick(Duration.ofSeconds(3), Duration.ofSeconds(10));
        // longer than the 30 s after which reads used to give up
        Duration down = s.pick(Duration.ofSeconds(4), Duration.ofSeconds(40));
        Duration after = s.pick(Duration.ofSeconds(4), Duration.ofSeconds(10));
        int rate = s.pick(300, 1_000);
        Report report = new Report(name()).put("redis.down", down).put("rate.per.s", rate);
        Tally tally = new Tally();
        RedisServer redis = RedisServer.startPersistent();
        try (GatewayReplica gateway = GatewayReplica.start("redis-restart-gw", s.workDir(), List.of("-Xmx512m"),
                "--backend.redis.uri=" + redis.uri(), "--resilience.spool.dir=" + s.workDir().resolve("spool-rr"),
                "--resilience.breaker.open-wait=1s", "--resilience.call-timeout=1s");
             TidegateClient pub = Clients.connect("rr-pub", gateway.target());
             TidegateClient sub = Clients.connect("rr-sub", gateway.target());
             TidegateClient w1 = Clients.connect("rr-w1", gateway.target());
             TidegateClient w2 = Clients.connect("rr-w2", gateway.target())) {
            Clients.subscribe(sub, SubscriptionOptions.broadcast("fault.rr.>"),
                    m -> tally.delivered(BROADCAST, m.message().getId()));
            SubscriptionOptions work = SubscriptionOptions.builder().mode(SubscriptionMode.GROUP).group("rr-workers")
                    .patterns("fault.rr.>").credit(50).build();
            Clients.subscribe(w1, work, m -> tally.delivered(GROUP, m.message().getId()));
            Clients.subscribe(w2, work, m -> tally.delivered(GROUP, m.message().getId()));

            SteadyPublisher publisher = new SteadyPublisher(pub, tally, "rr",
                    List.of("fault.rr.a", "fault.rr.b", "fault.rr.c"), rate, 100);
            Thread.sleep(before.toMillis());
            int sentBeforeKill = tally.sent();
            long downMillis = down.toMillis();
            redis = redis.killAndRestart(downMillis);
            report.put("sent.before.kill", sentBeforeKill);
            Thread.sleep(after.toMillis());
            boolean settled = publisher.stopAndSettle(Duration.ofSeconds(60));
            boolean allDelivered = tally.awaitDelivered(Duration.ofSeconds(90), BROADCAST, GROUP);
            report.publishes(tally).view(tally, BROADCAST).view(tally, GROUP)
                    .put("all.delivered", allDelivered)
                    .check(settled, "every publish answered")
                    .check(tally.spooled() > 0, "publishes acknowledged from the spool during the outage")
                    .check(tally.lost(BROADCAST).isEmpty(), "no acknowledged message lost to the broadcast subscriber")
                    .check(tally.lost(GROUP).isEmpty(), "no acknowledged message lost to the group")
                    .check(tally.duplicates(BROADCAST) == 0, "no broadcast duplicates");
        } finally {
            redis.close();
        }
        return report;
    }
}
